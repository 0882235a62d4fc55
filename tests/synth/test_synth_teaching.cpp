// The teaching fast path: interpolated node spectra of the full synthesizer.
#include "TestSupport.h"

#include "base/Error.h"
#include "synth/Synthesizer.h"
#include "synth/TeachingGrid.h"

#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <cmath>

using namespace remap;
using namespace remap::synth;

namespace {

// A 3 x 2 x 2 lattice around the Sun over the Mg b region.
TeachingGridSpec smallSpec()
{
    return TeachingGridSpec{.teffMin = 5400,
                            .teffMax = 5800,
                            .teffStep = 200,
                            .loggMin = 4.0,
                            .loggMax = 4.5,
                            .loggStep = 0.5,
                            .fehMin = -0.5,
                            .fehMax = 0.0,
                            .fehStep = 0.5,
                            .step = 0.02,
                            .windowMin = 5160.0,
                            .windowMax = 5220.0};
}

}  // namespace

class TestSynthTeaching : public QObject {
    Q_OBJECT

private slots:
    void nodesAreTheFullSynthesis()
    {
        const Synthesizer s;
        TeachingGrid grid(s, smallSpec());
        QCOMPARE(grid.nodeCount(), std::size_t(3 * 2 * 2));
        QVERIFY(!grid.ready(5600, 4.5, 0.0));
        std::vector<double> flux, continuum;
        grid.spectrum(5600, 4.5, 0.0, flux, &continuum);
        QVERIFY(grid.ready(5600, 4.5, 0.0));
        StellarParameters p;
        p.teff = 5600;
        p.logg = 4.5;
        SynthesisResult r;
        SynthesisWorkspace ws;
        s.synthesize(p, grid.wavelengths(), r, ws);
        for (std::size_t i = 0; i < flux.size(); ++i) {
            REMAP_COMPARE_ABS("node normalized flux (uint16 storage)", flux[i] / continuum[i],
                              r.flux[i] / r.continuum[i], 1e-5);
            REMAP_COMPARE_REL("node continuum (float log every 64 pixels)", continuum[i], r.continuum[i], 5e-5);
        }
    }

    void interpolationBetweenNodesIsClose()
    {
        // Mid-cell (100 K, 0.25 dex, 0.25 dex from the nodes) in the Mg b region: the interpolated normalized
        // spectrum against a direct synthesis at full resolution (0.009 RMS measured; most of it from the 0.5-dex
        // [Fe/H] step), the continuum to 1 %.
        const Synthesizer s;
        TeachingGrid grid(s, smallSpec());
        std::vector<double> flux, continuum;
        const double t = 5500, g = 4.25, z = -0.25;
        grid.spectrum(t, g, z, flux, &continuum);
        StellarParameters p;
        p.teff = t;
        p.logg = g;
        p.feh = z;
        SynthesisResult r;
        SynthesisWorkspace ws;
        s.synthesize(p, grid.wavelengths(), r, ws);
        double sum = 0, worstContinuum = 0;
        for (std::size_t i = 0; i < flux.size(); ++i) {
            const double d = flux[i] / continuum[i] - r.flux[i] / r.continuum[i];
            sum += d * d;
            worstContinuum = std::max(worstContinuum, std::fabs(continuum[i] / r.continuum[i] - 1.0));
        }
        const double rms = std::sqrt(sum / static_cast<double>(flux.size()));
        QVERIFY2(rms < 0.012, qPrintable(QString("mid-cell RMS interpolation error %1").arg(rms)));
        QVERIFY2(worstContinuum < 0.015, qPrintable(QString("continuum interpolation error %1").arg(worstContinuum)));
        // Fast once the cell is cached.
        const auto start = std::chrono::steady_clock::now();
        for (int k = 0; k < 10; ++k) grid.spectrum(t + 10 * k, g, z, flux);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        QVERIFY2(ms / 10 < 100, qPrintable(QString("%1 ms per interpolated spectrum").arg(ms / 10)));
    }

    void cacheFileRoundTrip()
    {
        const Synthesizer s;
        QTemporaryDir dir;
        const std::string path = dir.path().toStdString() + "/teaching.bin";
        std::vector<double> a, b;
        {
            TeachingGrid grid(s, smallSpec());
            grid.prepare(5500, 4.25, -0.25, 2);
            QCOMPARE(grid.cachedNodes(), std::size_t(8));
            grid.save(path);
            grid.spectrum(5500, 4.25, -0.25, a);
        }
        TeachingGrid again(s, smallSpec());
        QVERIFY(again.load(path));
        QCOMPARE(again.cachedNodes(), std::size_t(8));
        QVERIFY(again.ready(5500, 4.25, -0.25));
        again.spectrum(5500, 4.25, -0.25, b);
        for (std::size_t i = 0; i < a.size(); ++i) QCOMPARE(a[i], b[i]);
        // A cache made for another lattice (or physics) is ignored.
        TeachingGridSpec other = smallSpec();
        other.step = 0.01;
        TeachingGrid different(s, other);
        QVERIFY(!different.load(path));
        QVERIFY(!different.load(dir.path().toStdString() + "/missing.bin"));
    }

    void outsideTheLatticeIsRefused()
    {
        const Synthesizer s;
        TeachingGrid grid(s, smallSpec());
        std::vector<double> flux;
        QVERIFY(!grid.covers(5900, 4.5, 0.0));
        QVERIFY_THROWS_EXCEPTION(Error, grid.spectrum(5900, 4.5, 0.0, flux));
        QVERIFY_THROWS_EXCEPTION(Error, grid.prepare(5500, 3.0, 0.0));
        TeachingGridSpec bad = smallSpec();
        bad.windowMin = 4000;
        QVERIFY_THROWS_EXCEPTION(Error, TeachingGrid(s, bad));
        // The default lattice covers the synthesizer's domain up to 7000 K.
        const TeachingGrid full(s);
        QCOMPARE(full.nodeCount(), std::size_t(17 * 10 * 7));
        QVERIFY(full.covers(5777, 4.44, 0.0) && full.covers(3800, 0.5, -2.5) && full.covers(7000, 5.0, 0.5));
    }
};

QTEST_APPLESS_MAIN(TestSynthTeaching)
#include "test_synth_teaching.moc"
