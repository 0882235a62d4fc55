// The line-list format, the committed line lists and the observed-physics perturbation.
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

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string resource(const std::string& name)
{
    return test::sourceDir() + "/resources/linelists/" + name;
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
    }

    void rejectsMalformedLists()
    {
        struct Case {
            const char* text;
            const char* expected;
        };
        const Case cases[] = {
            {"Xx 1 5000.0 1.0 -1.0\n", "unknown or unsupported element 'Xx'"},
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
        const LineList& strong = embeddedLineList(EmbeddedList::Strong);
        const LineList back = parseLineList(formatLineList(strong, "round trip"), "back");
        QCOMPARE(back.lines.size(), strong.lines.size());
        for (std::size_t i = 0; i < back.lines.size(); ++i) {
            QCOMPARE(back.lines[i].z, strong.lines[i].z);
            REMAP_COMPARE_ABS("wavelength", back.lines[i].wavelength, strong.lines[i].wavelength, 6e-4);
            REMAP_COMPARE_ABS("log gf", back.lines[i].loggf, strong.lines[i].loggf, 6e-4);
            REMAP_COMPARE_ABS("vdW", back.lines[i].logGammaVdw, strong.lines[i].logGammaVdw, 6e-3);
        }
    }

    void committedFilesAreEmbeddedAndReadable()
    {
        const std::pair<EmbeddedList, const char*> files[] = {
            {EmbeddedList::Strong, "remap-strong.lines"},
            {EmbeddedList::Weak, "remap-weak.lines"},
            {EmbeddedList::ObservedExtra, "remap-observed-extra.lines"}};
        for (const auto& [which, name] : files) {
            QVERIFY2(readFile(resource(name)) == std::string(embeddedLineListText(which)),
                     qPrintable(QString("the embedded copy of %1 differs from the file: rebuild").arg(name)));
            QCOMPARE(readLineList(resource(name)).lines.size(), embeddedLineList(which).lines.size());
        }
        // The strong list holds the science notes' lines, e.g. Mg I b 5183.60 with its damping.
        bool found = false;
        for (const auto& l : embeddedLineList(EmbeddedList::Strong).lines)
            if (l.z == 12 && std::fabs(vacuumToAir(l.wavelength) - 5183.60) < 0.01) found = l.logGammaVdw < 0;
        QVERIFY2(found, "Mg I 5183.60 with an explicit van der Waals constant is missing from the strong list");
        QCOMPARE(defaultLineList().lines.size(), embeddedLineList(EmbeddedList::Strong).lines.size() +
                                                     embeddedLineList(EmbeddedList::Weak).lines.size());
    }

    void committedPopulationsFollowTheRule()
    {
        // The committed files are exactly what the documented deterministic rule generates.
        QVERIFY2(readFile(resource("remap-weak.lines")) ==
                     generateLinePopulationText(gridWeakLineRule(),
                                                "REMAP Studio line list: the seeded weak-line "
                                                "population of the grid physics."),
                 "remap-weak.lines is not the output of gridWeakLineRule(); regenerate it with `remap synth lines`");
        QVERIFY2(readFile(resource("remap-observed-extra.lines")) ==
                     generateLinePopulationText(observedExtraLineRule(),
                                                "REMAP Studio line list: extra lines known only to the \"observed\" "
                                                "physics (the synthetic-to-observed gap)."),
                 "remap-observed-extra.lines is not the output of observedExtraLineRule()");
        // Properties the rule promises: mostly Fe I, excitation 0-5 eV, inside the wavelength range.
        const LineList& weak = embeddedLineList(EmbeddedList::Weak);
        QCOMPARE(weak.lines.size(), std::size_t(450));
        std::size_t fe1 = 0;
        for (const auto& l : weak.lines) {
            if (l.z == 26 && l.ionStage == 1) ++fe1;
            QVERIFY(l.excitation >= 0.0 && l.excitation <= 5.0);
            const double air = vacuumToAir(l.wavelength);
            QVERIFY(air >= 4699.999 && air <= 6000.001);
            QVERIFY(l.loggf >= -8.0 && l.loggf <= 0.5);
        }
        const double fraction = static_cast<double>(fe1) / static_cast<double>(weak.lines.size());
        QVERIFY2(fraction > 0.5 && fraction < 0.75, qPrintable(QString("Fe I fraction %1").arg(fraction)));
        // Different seeds give different populations.
        QVERIFY(generateLinePopulation(gridWeakLineRule()).lines[0].wavelength !=
                generateLinePopulation(observedExtraLineRule()).lines[0].wavelength);
    }

    void observedPhysicsPerturbsTheList()
    {
        ObservedPhysics physics;
        const LineList observed = observedLineList(defaultLineList(), physics);
        QCOMPARE(observed.lines.size(),
                 defaultLineList().lines.size() + embeddedLineList(EmbeddedList::ObservedExtra).lines.size());
        // Compare the perturbed grid lines with the originals (matched by wavelength and species).
        std::multimap<long long, const SpectralLine*> original;
        for (const auto& l : defaultLineList().lines)
            original.emplace(std::llround(l.wavelength * 1000) * 100 + l.z * 3 + l.ionStage, &l);
        double sum = 0, sum2 = 0;
        int n = 0;
        for (const auto& l : observed.lines) {
            const auto it = original.find(std::llround(l.wavelength * 1000) * 100 + l.z * 3 + l.ionStage);
            if (it == original.end()) continue;
            const double d = l.loggf - it->second->loggf;
            sum += d;
            sum2 += d * d;
            ++n;
        }
        QVERIFY(n >= static_cast<int>(defaultLineList().lines.size()) - 5);
        const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
        REMAP_COMPARE_ABS("mean log gf perturbation", mean, 0.0, 0.02);
        REMAP_COMPARE_ABS("rms log gf perturbation", sd, physics.loggfSigma, 0.015);
        // Reproducible: the same seed gives the same universe, another seed a different one.
        const LineList again = observedLineList(defaultLineList(), physics);
        for (std::size_t i = 0; i < again.lines.size(); ++i) QCOMPARE(again.lines[i].loggf, observed.lines[i].loggf);
        physics.seed += 1;
        const LineList other = observedLineList(defaultLineList(), physics);
        int differ = 0;
        for (std::size_t i = 0; i < other.lines.size(); ++i) differ += other.lines[i].loggf != observed.lines[i].loggf;
        QVERIFY(differ > 100);
        QVERIFY(observedPhysicsOptions(ObservedPhysics{}).microturbulenceLaw == MicroturbulenceLaw::Observed);
    }

    void elementDataIsSane()
    {
        const ElementData* fe = elementBySymbol("Fe");
        QVERIFY(fe);
        REMAP_COMPARE_ABS("A(Fe)", fe->solarAbundance, 7.50, 1e-12);
        REMAP_COMPARE_ABS("I(Fe)", fe->ionization1, 7.90, 0.01);
        REMAP_COMPARE_ABS("A(Mg)", elementBySymbol("Mg")->solarAbundance, 7.60, 1e-12);
        REMAP_COMPARE_ABS("I(Na)", elementBySymbol("Na")->ionization1, 5.14, 0.01);
        QVERIFY(elementBySymbol("Mg")->alpha && elementBySymbol("Ti")->alpha && !fe->alpha);
        QVERIFY(!elementBySymbol("Xx"));
        // Partition functions grow with temperature.
        QVERIFY(partitionFunction(*fe, 1, 6000) > partitionFunction(*fe, 1, 4000));
    }
};

QTEST_APPLESS_MAIN(TestSynthLineList)
#include "test_synth_linelist.moc"
