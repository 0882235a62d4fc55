// Equation of state and model atmospheres against published models: the MARCS solar and Arcturus models
// (Gustafsson et al. 2008; APOGEE DR15) tabulate, per depth, T, P_gas, P_e and the partial pressures of H, H-,
// H2 and the main molecules from their own equation of state; ATLAS9 models (Castelli & Kurucz 2003) their
// electron densities. Our Saha + molecular equilibrium, solved at the models' T and P_gas with the models'
// abundances, must reproduce them.
#include "TestSupport.h"

#include "base/Error.h"
#include "synth/Atmosphere.h"
#include "synth/Elements.h"
#include "synth/Eos.h"
#include "synth/PhysicsData.h"

#include <QtTest>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

using namespace remap;
using namespace remap::synth;

namespace {

constexpr double kBoltzmann = 1.380649e-16;

struct MarcsModel {
    ModelAtmosphere atmosphere;
    std::vector<double> abundances;               // A(X), z = 1..92
    std::vector<std::vector<double>> pressures1;  // k lgPgas H I H- H2 H2+ H2O OH CH CO CN C2
    std::vector<std::vector<double>> pressures2;  // k N2 O2 NO NH TiO ...
};

MarcsModel readMarcs(const std::string& name)
{
    MarcsModel m;
    const std::string text(physicsFile("atmospheres/marcs/" + name));
    m.atmosphere = parseMarcsModel(text, name);
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.find("Logarithmic chemical number abundances") != std::string::npos) break;
    while (m.abundances.size() < 92 && std::getline(in, line)) {
        std::istringstream s(line);
        double v;
        while (s >> v) m.abundances.push_back(v < -20 ? -99.0 : v);
    }
    int section = 0;
    while (std::getline(in, line)) {
        if (line.find("lgPgas   H I") != std::string::npos) {
            section = 1;
            continue;
        }
        if (line.find("N2     O2     NO     NH     TiO") != std::string::npos) {
            section = 2;
            continue;
        }
        std::istringstream s(line);
        std::vector<double> v;
        double x;
        while (s >> x) v.push_back(x);
        if (section == 1 && v.size() >= 12)
            m.pressures1.push_back(v);
        else if (section == 2 && v.size() >= 6)
            m.pressures2.push_back(v);
        else if (section)
            section = 0;
    }
    return m;
}

double logPressure(double n, double t)
{
    return std::log10(n * kBoltzmann * t);
}

}  // namespace

class TestSynthEos : public QObject {
    Q_OBJECT

    // Our partial pressures (dyn/cm^2, log) at every depth of a MARCS model with log tau_R <= 1.
    void compareWithMarcs(const std::string& name, double tolPe, double tolMolecules)
    {
        const MarcsModel m = readMarcs(name);
        QCOMPARE(m.abundances.size(), std::size_t(92));
        QCOMPARE(m.pressures1.size(), m.atmosphere.size());
        const EquationOfState eos(m.abundances);
        const auto& pf = PartitionFunctions::barklemCollet();
        struct Molecule {
            const char* name;
            int table, column;
            double tolerance;
        };
        const Molecule molecules[] = {{"H2", 1, 4, 0.05}, {"OH", 1, 7, tolMolecules}, {"CH", 1, 8, tolMolecules},
                                      {"CO", 1, 9, 0.05}, {"CN", 1, 10, 0.2},         {"C2", 1, 11, 0.15},
                                      {"N2", 2, 1, 0.05}, {"TiO", 2, 5, 0.25}};
        for (std::size_t i = 0; i < m.atmosphere.size(); ++i) {
            if (m.atmosphere.logTauRoss[i] > 1.0) continue;
            const double t = m.atmosphere.temperature[i];
            const EosState s = eos.solve(t, m.atmosphere.gasPressure[i], m.atmosphere.electronDensity[i]);
            const QString at =
                QString("%1 at log tau_R %2: ").arg(QString::fromStdString(name)).arg(m.atmosphere.logTauRoss[i]);
            REMAP_COMPARE_ABS(qPrintable(at + "log P_e"), logPressure(s.electrons, t),
                              std::log10(m.atmosphere.electronDensity[i] * kBoltzmann * t), tolPe);
            REMAP_COMPARE_ABS(qPrintable(at + "log P(H I)"), logPressure(s.neutral(1), t), m.pressures1[i][2], 0.02);
            REMAP_COMPARE_ABS(qPrintable(at + "log P(H-)"), logPressure(s.hMinus, t), m.pressures1[i][3], 0.03);
            for (const auto& mol : molecules) {
                const double theirs = mol.table == 1 ? m.pressures1[i][static_cast<std::size_t>(mol.column)]
                                                     : m.pressures2[i][static_cast<std::size_t>(mol.column)];
                if (theirs < -14) continue;  // negligible, and MARCS rounds it
                const int k = pf.moleculeIndex(mol.name);
                QVERIFY(k >= 0);
                REMAP_COMPARE_ABS(qPrintable(at + "log P(" + mol.name + ")"),
                                  logPressure(s.molecules[static_cast<std::size_t>(k)], t), theirs, mol.tolerance);
            }
        }
    }

private slots:
    void solarPhotosphereMatchesMarcs() { compareWithMarcs("sun.mod", 0.01, 0.08); }

    void arcturusMatchesMarcs()
    {
        // A cool, metal-poor giant (4286 K, log g 1.66, [Fe/H] -0.52): molecules matter more.
        compareWithMarcs("arcturus_dr15_4286g1.66m0.73z-0.52.mod", 0.03, 0.12);
    }

    void ionizationAtTauOneOfTheSun()
    {
        // Textbook behaviour at the solar tau = 1 layer (T ~ 6400 K): the low-ionization metals are almost
        // fully ionized, hydrogen is not (a few 1e-4), Fe is ~95 % Fe II (Gray 2005, ch. 8-9).
        const MarcsModel m = readMarcs("sun.mod");
        std::size_t k = 0;
        while (m.atmosphere.logTauRoss[k] < 0) ++k;
        const EquationOfState eos(m.abundances);
        const EosState s =
            eos.solve(m.atmosphere.temperature[k], m.atmosphere.gasPressure[k], m.atmosphere.electronDensity[k]);
        auto fraction = [&](int z, int stage) { return s.ion(z, stage) / (s.ion(z, 1) + s.ion(z, 2) + s.ion(z, 3)); };
        QVERIFY2(fraction(26, 2) > 0.9 && fraction(26, 2) < 0.99, "Fe II fraction at the solar tau = 1");
        QVERIFY(fraction(11, 2) > 0.995);  // Na (5.14 eV)
        QVERIFY(fraction(20, 2) > 0.98);   // Ca (6.11 eV)
        const double hPlus = s.ion(1, 2) / s.hydrogenNuclei;
        QVERIFY2(hPlus > 5e-5 && hPlus < 1e-3, qPrintable(QString("H+ fraction %1").arg(hPlus)));
        // Charge balance: the electrons come from the ions.
        double positive = s.h2Plus - s.hMinus;
        for (int z = 1; z <= kElementCount; ++z) positive += s.ion(z, 2) + 2 * s.ion(z, 3);
        REMAP_COMPARE_REL("charge neutrality", s.electrons, positive, 1e-8);
    }

    void atlas9ElectronDensities()
    {
        // Castelli & Kurucz's own n_e at T and P of their models (their abundances are Grevesse & Sauval 1998,
        // ours Asplund 2009: a few per cent).
        const auto models = parseAtlas9Models(physicsFile("atmospheres/ap00t5777g44377k1odfnew.dat"), "solar");
        const ModelAtmosphere& m = models.front();
        std::vector<double> ab(92);
        for (int z = 1; z <= 92; ++z) ab[static_cast<std::size_t>(z - 1)] = elementByZ(z)->solarAbundance;
        const EquationOfState eos(ab);
        for (std::size_t i = 0; i < m.size(); i += 4) {
            if (m.logTauRoss[i] > 1.0) continue;
            const EosState s = eos.solve(m.temperature[i], m.gasPressure[i], m.electronDensity[i]);
            REMAP_COMPARE_ABS(qPrintable(QString("log n_e at log tau %1").arg(m.logTauRoss[i])),
                              std::log10(s.electrons), std::log10(m.electronDensity[i]), 0.04);
        }
    }

    void partitionFunctionsAreSmoothBeyondTheTable()
    {
        const auto& pf = PartitionFunctions::barklemCollet();
        // Inside the table: Fe I at 5000 K is about 30 (Barklem & Collet 2016; Gray's Table D.2: log U = 1.43-1.5).
        const double u = pf.atomic(26, 1, 5000.0);
        QVERIFY2(u > 25 && u < 40, qPrintable(QString("U(Fe I, 5000 K) = %1").arg(u)));
        // Across the 10,000 K end of the table: continuous and increasing.
        const double below = pf.atomic(26, 1, 9999.0), above = pf.atomic(26, 1, 10001.0);
        REMAP_COMPARE_REL("U(Fe I) across 10,000 K", above, below, 1e-3);
        QVERIFY(pf.atomic(26, 1, 14000.0) > above);
        // H I stays 2 (to 0.1 %) in the photospheric range.
        REMAP_COMPARE_REL("U(H I)", pf.atomic(1, 1, 8000.0), 2.0, 1e-3);
        // Dissociation constants are cgs (SI + 1 per bond): MARCS's solar top layer (4067 K) has log P(H I) 2.39 and
        // log P(H2) -1.73, i.e. log K_p = 2 x 2.39 + 1.73 = 6.51.
        REMAP_COMPARE_ABS("log K_p(H2) at 4067 K", pf.logDissociationConstant(pf.moleculeIndex("H2"), 4066.8), 6.51,
                          0.05);
    }

    void atmosphereGridInterpolation()
    {
        const auto& grid = AtmosphereGrid::atlas9();
        // A grid node is reproduced exactly.
        const auto solarGrid = parseAtlas9Models(physicsFile("atmospheres/ap00k0odfnew.dat.gz"), "grid");
        const ModelAtmosphere* node = nullptr;
        for (const auto& m : solarGrid)
            if (m.teff == 5750 && m.logg == 4.5) node = &m;
        QVERIFY(node);
        const ModelAtmosphere at = grid.interpolate(5750, 4.5, 0.0);
        for (std::size_t i = 0; i < node->size(); i += 3)
            REMAP_COMPARE_REL("T at a grid node", at.temperature[i], node->temperature[i], 1e-9);
        // The interpolated Sun against Castelli's dedicated solar model (5777 K, log g 4.4377, vturb 1 km/s;
        // the grid's solar-metallicity models have vturb 0).
        const ModelAtmosphere sun =
            parseAtlas9Models(physicsFile("atmospheres/ap00t5777g44377k1odfnew.dat"), "sun").front();
        const ModelAtmosphere interp = grid.interpolate(5777, 4.4377, 0.0);
        for (std::size_t i = 0; i < sun.size(); ++i) {
            if (sun.logTauRoss[i] < -4 || sun.logTauRoss[i] > 1) continue;
            // the interpolated model is on the same 0.125-dex tau grid
            const double tol = std::fabs(sun.logTauRoss[i]) < 0.6 ? 25.0 : 40.0;
            REMAP_COMPARE_ABS(qPrintable(QString("solar T at log tau %1").arg(sun.logTauRoss[i])),
                              interp.temperature[i], sun.temperature[i], tol);
        }
        // Smooth in the parameters: halfway between two nodes, the structure lies between them.
        const auto a = grid.interpolate(5500, 4.5, 0.0), b = grid.interpolate(5750, 4.5, 0.0),
                   mid = grid.interpolate(5625, 4.5, 0.0);
        const std::size_t k = 55;  // log tau ~ 0
        QVERIFY(mid.temperature[k] > a.temperature[k] && mid.temperature[k] < b.temperature[k]);
        // Outside the grid: refused with the domain in the message.
        QVERIFY_THROWS_EXCEPTION(Error, grid.interpolate(3000, 4.5, 0.0));
        QVERIFY_THROWS_EXCEPTION(Error, grid.interpolate(5000, 4.5, -3.0));
        QVERIFY_THROWS_EXCEPTION(Error, grid.interpolate(7800, 0.5, 0.0));  // no log g 0.5 models above 7500 K
        QVERIFY(grid.covers(5777, 4.44, 0.0));
        QVERIFY(!grid.covers(5777, 5.5, 0.0));
    }

    void marcsArcturusAgainstAtlas9()
    {
        // The APOGEE MARCS (spherical) Arcturus model and the plane-parallel ATLAS9 interpolated at its
        // parameters: the line-forming layers agree within ~100 K (sphericity cools the outermost layers).
        const ModelAtmosphere marcs =
            parseMarcsModel(physicsFile("atmospheres/marcs/arcturus_dr15_4286g1.66m0.73z-0.52.mod"), "arcturus");
        const ModelAtmosphere atlas = AtmosphereGrid::atlas9().interpolate(4286, 1.66, -0.52);
        for (double logTau : {-3.0, -2.0, -1.0, 0.0, 0.5}) {
            auto at = [&](const ModelAtmosphere& m) {
                for (std::size_t i = 1; i < m.size(); ++i)
                    if (m.logTauRoss[i] >= logTau) {
                        const double w = (logTau - m.logTauRoss[i - 1]) / (m.logTauRoss[i] - m.logTauRoss[i - 1]);
                        return m.temperature[i - 1] + w * (m.temperature[i] - m.temperature[i - 1]);
                    }
                return m.temperature.back();
            };
            REMAP_COMPARE_ABS(qPrintable(QString("Arcturus T at log tau %1, ATLAS9 vs MARCS").arg(logTau)), at(atlas),
                              at(marcs), 120.0);
        }
    }
};

QTEST_APPLESS_MAIN(TestSynthEos)
#include "test_synth_eos.moc"
