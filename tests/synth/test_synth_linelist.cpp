// The line-list format, the curated embedded line lists and the observed-physics perturbation.
#include "TestSupport.h"

#include "base/Error.h"
#include "prep/AirVacuum.h"
#include "synth/Elements.h"
#include "synth/LineList.h"
#include "synth/Synthesizer.h"

#include <QtTest>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

using namespace remap;
using namespace remap::synth;

namespace {

std::string resource(const std::string& name)
{
    return test::sourceDir() + "/resources/physics/lines/" + name;
}

// The error message of parsing `text`, or empty when it parsed.
QString parseError(const std::string& text)
{
    try {
        parseLineList(text, "test.lines");
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

}  // namespace

class TestSynthLineList : public QObject {
    Q_OBJECT

private slots:
    void parsesAirAndVacuum()
    {
        const auto air = parseLineList("# comment\nmedium: air\nFe 1 5269.537 0.859 -1.321\n", "a");
        const auto vac = parseLineList("medium: vacuum\nFe 2 5018.440 2.890 -1.220 8.5 -6.5 -7.9\n", "v");
        QCOMPARE(air.lines.size(), std::size_t(1));
        QCOMPARE(air.lines[0].z, 26);
        QCOMPARE(air.lines[0].ionStage, 1);
        // Air 5269.537 A is vacuum 5271.0036 A (by hand: s = 1e4/5271 um^-1, n - 1 = 8.34254e-5 +
        // 2.406147e-2/(130 - s^2) + 1.5998e-4/(38.9 - s^2) = 2.78316e-4): the list stores vacuum.
        REMAP_COMPARE_ABS("vacuum wavelength of air 5269.537", air.lines[0].wavelength, 5271.0036, 0.0003);
        REMAP_COMPARE_ABS("excitation", air.lines[0].excitation, 0.859, 1e-12);
        REMAP_COMPARE_ABS("log gf", air.lines[0].loggf, -1.321, 1e-12);
        REMAP_COMPARE_ABS("vacuum list keeps its wavelength", vac.lines[0].wavelength, 5018.440, 1e-12);
        QCOMPARE(vac.lines[0].ionStage, 2);
        REMAP_COMPARE_ABS("Stark constant", vac.lines[0].logGammaStark, -6.5, 1e-12);
        REMAP_COMPARE_ABS("van der Waals constant", vac.lines[0].logGammaVdw, -7.9, 1e-12);
        // Default medium is air.
        const auto plain = parseLineList("Ca 1 5588.750 2.530 0.360", "p");
        REMAP_COMPARE_ABS("default medium is air", plain.lines[0].wavelength, airToVacuum(5588.75), 1e-9);
        // Molecules by formula, the ABO alpha as a ninth field, comments after the fields.
        const auto mol = parseLineList(
            "CH 1 4850.048 0.637 -4.977 # 13CH\nC2 1 5165.2 0.1 -1.0\n"
            "MgH 1 5200.0 0.3 -2.0\nMg 1 5183.604 2.717 -0.17 8.121 0 -7.267 0.238 #b\n",
            "m");
        QCOMPARE(mol.lines.size(), std::size_t(4));
        QCOMPARE(mol.lines[0].z, 6);
        QCOMPARE(mol.lines[0].z2, 1);
        QCOMPARE(speciesName(mol.lines[0]), std::string("CH"));
        QCOMPARE(speciesName(mol.lines[1]), std::string("C2"));
        QCOMPARE(speciesName(mol.lines[3]), std::string("MgH"));
        QVERIFY(mol.lines[2].z == 12 && mol.lines[2].z2 == 0);
        REMAP_COMPARE_ABS("ABO alpha", mol.lines[2].vdwAlpha, 0.238, 1e-12);
    }

    void rejectsMalformedLists()
    {
        struct Case {
            const char* text;
            const char* expected;
        };
        const Case cases[] = {
            {"Xx 1 5000.0 1.0 -1.0\n", "unknown element or diatomic molecule 'Xx'"},
            {"CH 2 5000.0 1.0 -1.0\n", "molecules: 1"},
            {"Fe 3 5000.0 1.0 -1.0\n", "ion stage must be 1"},
            {"Fe 1 5000.0 1.0\n", "has 4 fields"},
            {"Fe 1 5000.0 1.0 -1.0 1.0\n", "has 6 fields"},
            {"Fe 1 50a0.0 1.0 -1.0\n", "wavelength '50a0.0' is not a number"},
            {"Fe 1 500.0 1.0 -1.0\n", "outside 2000-100000"},
            {"Fe 1 5000.0 9.0 -1.0\n", "excitation"},
            {"Fe 1 5000.0 1.0 -1.0 8.0 2.0 -7.0\n", "Stark and van der Waals"},
            {"Fe 1 5000.0 1.0 -1.0\nmedium: vacuum\n", "must come before the first line"},
            {"medium: water\nFe 1 5000.0 1.0 -1.0\n", "neither air nor vacuum"},
            {"# only comments\n\n", "holds no lines"},
        };
        for (const auto& c : cases) {
            const QString message = parseError(c.text);
            QVERIFY2(message.contains(c.expected),
                     qPrintable(QString("for \"%1\" expected an error containing \"%2\", got \"%3\"")
                                    .arg(c.text, c.expected, message)));
            if (QString(c.text).count('\n') > 1 && QString(c.expected) != "holds no lines")
                QVERIFY2(message.contains("line 2") || message.contains("line 1"), qPrintable(message));
            QVERIFY2(message.contains("test.lines"), qPrintable("the file name is missing: " + message));
        }
        QVERIFY_THROWS_EXCEPTION(Error, readLineList("/nonexistent/list.lines"));
    }

    void formatRoundTrips()
    {
        const LineList list = parseLineList(
            "Fe 1 5269.537 0.858 -1.330 7.176 0 -7.760 0.249\nCN 1 5000.1 0.5 -2.1\n"
            "Ti 2 5226.54 1.57 -1.26\n",
            "in");
        const LineList back = parseLineList(formatLineList(list, "round trip"), "back");
        QCOMPARE(back.lines.size(), list.lines.size());
        for (std::size_t i = 0; i < back.lines.size(); ++i) {
            QCOMPARE(back.lines[i].z, list.lines[i].z);
            QCOMPARE(back.lines[i].z2, list.lines[i].z2);
            REMAP_COMPARE_ABS("wavelength", back.lines[i].wavelength, list.lines[i].wavelength, 1e-4);
            REMAP_COMPARE_ABS("log gf", back.lines[i].loggf, list.lines[i].loggf, 6e-4);
            REMAP_COMPARE_ABS("vdW", back.lines[i].logGammaVdw, list.lines[i].logGammaVdw, 6e-4);
            REMAP_COMPARE_ABS("alpha", back.lines[i].vdwAlpha, list.lines[i].vdwAlpha, 6e-4);
        }
    }

    void embeddedListsAreTheCommittedFiles()
    {
        const std::pair<EmbeddedList, const char*> files[] = {{EmbeddedList::Atoms, "atoms.lines.gz"},
                                                              {EmbeddedList::Molecules, "molecules.lines.gz"},
                                                              {EmbeddedList::ObservedExtra, "observed_extra.lines.gz"}};
        for (const auto& [which, name] : files)
            QCOMPARE(readLineList(resource(name)).lines.size(), embeddedLineList(which).lines.size());
        const LineList& atoms = embeddedLineList(EmbeddedList::Atoms);
        const LineList& molecules = embeddedLineList(EmbeddedList::Molecules);
        QVERIFY2(atoms.lines.size() > 20000, "the curated atomic list should hold ~26,000 lines");
        QVERIFY2(molecules.lines.size() > 100000, "the molecular list should hold ~200,000 lines");
        QCOMPARE(defaultLineList().lines.size(), atoms.lines.size() + molecules.lines.size());
        // Everything inside the data window (4850-5850 A air), sorted.
        for (const auto* list : {&atoms, &molecules}) {
            QVERIFY(vacuumToAir(list->lines.front().wavelength) >= kLineDataAirMin - 1e-3);
            QVERIFY(vacuumToAir(list->lines.back().wavelength) <= kLineDataAirMax + 1e-3);
            for (std::size_t i = 1; i < list->lines.size(); i += 97)
                QVERIFY(list->lines[i].wavelength >= list->lines[i - 1].wavelength);
        }
        // Laboratory values where they exist: Mg I b (Pehlivan Rhodin et al. 2017), Fe I 5269.54 (O'Brian et al.
        // 1991) with ABO damping (Barklem et al. 2000), as the science notes list them.
        auto find = [&](int z, int stage, double air) -> const SpectralLine* {
            for (const auto& l : atoms.lines)
                if (l.z == z && l.z2 == 0 && l.ionStage == stage && std::fabs(vacuumToAir(l.wavelength) - air) < 0.005)
                    return &l;
            return nullptr;
        };
        const SpectralLine* mgb = find(12, 1, 5183.604);
        QVERIFY(mgb);
        REMAP_COMPARE_ABS("Mg I 5183.60 log gf", mgb->loggf, -0.17, 0.01);
        REMAP_COMPARE_ABS("Mg I 5183.60 ABO log gamma6", mgb->logGammaVdw, -7.267, 0.005);
        const SpectralLine* fe = find(26, 1, 5269.537);
        QVERIFY(fe);
        REMAP_COMPARE_ABS("Fe I 5269.54 log gf", fe->loggf, -1.33, 0.01);
        // The Kurucz value 5169.299 (-0.32, 4.07 eV) is far too large: the cross-check keeps VALD/Kirby's ~-3.5.
        const SpectralLine* bad = find(26, 1, 5169.299);
        QVERIFY(!bad || bad->loggf < -2.0);
        // Molecules: the MgH A-X band with the isotopic fractions folded in (24MgH 79 %).
        std::size_t mgh = 0;
        for (const auto& l : molecules.lines)
            if (l.z == 12 && l.z2 == 1) ++mgh;
        QVERIFY(mgh > 10000);
    }

    void observedPhysicsPerturbsTheList()
    {
        ObservedPhysics physics;
        const LineList& atoms = embeddedLineList(EmbeddedList::Atoms);
        const LineList observed = observedLineList(atoms, physics);
        QCOMPARE(observed.lines.size(),
                 atoms.lines.size() + embeddedLineList(EmbeddedList::ObservedExtra).lines.size());
        std::multimap<long long, const SpectralLine*> original;
        for (const auto& l : atoms.lines)
            original.emplace(std::llround(l.wavelength * 1e4) * 100 + l.z * 3 + l.ionStage, &l);
        double sum = 0, sum2 = 0;
        int n = 0;
        for (const auto& l : observed.lines) {
            const auto range = original.equal_range(std::llround(l.wavelength * 1e4) * 100 + l.z * 3 + l.ionStage);
            if (range.first == range.second || std::next(range.first) != range.second) continue;
            const double d = l.loggf - range.first->second->loggf;
            sum += d;
            sum2 += d * d;
            ++n;
        }
        QVERIFY(n > 20000);
        const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
        REMAP_COMPARE_ABS("mean log gf perturbation", mean, 0.0, 0.01);
        REMAP_COMPARE_ABS("rms log gf perturbation", sd, physics.loggfSigma, 0.01);
        // Reproducible: the same seed gives the same universe, another seed a different one.
        const LineList again = observedLineList(atoms, physics);
        for (std::size_t i = 0; i < again.lines.size(); i += 13)
            QCOMPARE(again.lines[i].loggf, observed.lines[i].loggf);
        physics.seed += 1;
        const LineList other = observedLineList(atoms, physics);
        int differ = 0;
        for (std::size_t i = 0; i < other.lines.size(); ++i) differ += other.lines[i].loggf != observed.lines[i].loggf;
        QVERIFY(differ > 1000);
        const PhysicsOptions o = observedPhysicsOptions(ObservedPhysics{});
        QVERIFY(o.microturbulenceLaw == MicroturbulenceLaw::ApogeeDr12);
        QVERIFY(o.continuumOffset > 0);
    }

    void elementDataIsSane()
    {
        const ElementData* fe = elementBySymbol("Fe");
        QVERIFY(fe);
        QCOMPARE(fe->z, 26);
        REMAP_COMPARE_ABS("A(Fe), Asplund et al. 2009", fe->solarAbundance, 7.50, 1e-9);
        REMAP_COMPARE_ABS("I(Fe), Barklem & Collet 2016", fe->ionization[0], 7.9025, 1e-4);
        REMAP_COMPARE_ABS("II(Fe)", fe->ionization[1], 16.199, 1e-3);
        REMAP_COMPARE_ABS("A(Mg)", elementBySymbol("Mg")->solarAbundance, 7.60, 1e-9);
        REMAP_COMPARE_ABS("atomic weight of Fe", fe->mass, 55.845, 0.002);
        QVERIFY(elementBySymbol("Mg")->alpha && elementBySymbol("Ti")->alpha && !fe->alpha);
        QVERIFY(!elementBySymbol("Xx"));
        QCOMPARE(elementsEnd() - elementsBegin(), std::ptrdiff_t(92));
        QVERIFY(elementByZ(92) && !elementByZ(93));
    }
};

QTEST_APPLESS_MAIN(TestSynthLineList)
#include "test_synth_linelist.moc"
