// Echelle data (issue 11): IRAF multispec with the non-linear dispersion functions of onedspec
// "specwcs" (Chebyshev, Legendre, cubic and linear spline, pixel and sampled arrays, weighted
// functions, LTV offsets, bands), 2-D order images with a wavelength extension, and the merge of the
// orders into one spectrum. Wavelengths are compared with numpy/scipy evaluations of IRAF's formulas
// (trap_fixtures.py); merged values with the merge rule applied to the fixtures' known parameters.

#include "TrapFixtures.h"

#include <QObject>

#include <cmath>

using namespace remap;
using namespace remap::traptest;

class TestIoEchelle : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    nlohmann::json all_ = nlohmann::json::array();

    const nlohmann::json& find(const std::string& file)
    {
        for (const auto& e : all_)
            if (e["file"] == file) return e;
        static const nlohmann::json none;
        return none;
    }

    static std::size_t nearest(const Spectrum& s, double w)
    {
        const auto it = std::lower_bound(s.wavelength.begin(), s.wavelength.end(), w);
        return static_cast<std::size_t>(it - s.wavelength.begin());
    }

private slots:
    void initTestCase()
    {
        if (!havePython()) QSKIP("no /usr/bin/python3 (astropy writes the fixtures)");
        QVERIFY(dir_.isValid());
        QString error;
        all_ = writeFixtures(dir_, {"multispec", "merge"}, error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void wholeFiles_data() { addRows(all_); }
    void wholeFiles()
    {
        QFETCH(int, index);
        runRow(dir_, all_, index);
    }

    // Every order read alone (--order N) against the IRAF formula, wavelength by wavelength.
    void eachOrderAlone_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("order");
        for (const char* file :
             {"multispec_dtype2.fits", "multispec_apall_bands.fits", "r.ESPRE.2019-03-02T02:37:42.123_S2D_A.fits"}) {
            const auto& e = find(file);
            for (std::size_t k = 0; k < e["orders"].size(); ++k)
                QTest::newRow(qPrintable(QString("%1 order %2").arg(file).arg(k + 1))) << QString(file) << int(k + 1);
        }
    }
    void eachOrderAlone()
    {
        QFETCH(QString, file);
        QFETCH(int, order);
        const auto& e = find(file.toStdString());
        const auto& o = e["orders"][static_cast<std::size_t>(order - 1)];
        ReadOptions options;
        options.order = order;
        const Spectrum s = readSpectrum(pathOf(dir_, e), options);
        QCOMPARE(s.provenance.orders, 1);
        compareArray("wavelength", s.wavelength, o["wave"], 1e-10, 0.0);
        compareArray("flux", s.flux, o["flux"], 1e-6, 1e-30, &s.mask);
        if (o.contains("ivar")) compareArray("ivar", s.ivar, o["ivar"], 1e-6, 1e-30, &s.mask);
        if (o.contains("masked")) {
            std::vector<int> want = o["masked"].get<std::vector<int>>();
            QVERIFY2(maskedIndices(s) == want, listText(maskedIndices(s)).c_str());
        }
        QCOMPARE(std::string(toString(s.medium)), e["medium"].get<std::string>());
        options.order = static_cast<int>(e["orders"].size()) + 1;
        QVERIFY_THROWS_EXCEPTION(Error, readSpectrum(pathOf(dir_, e), options));
    }

    // By default the orders become one spectrum spanning them all, on an increasing grid.
    void ordersMergeByDefault()
    {
        const auto& e = find("multispec_dtype2.fits");
        const Spectrum s = readSpectrum(pathOf(dir_, e));
        const auto& orders = e["orders"];
        QCOMPARE(s.provenance.orders, static_cast<int>(orders.size()));
        double lo = INFINITY, hi = -INFINITY;
        for (const auto& o : orders) {
            lo = std::min(lo, o["wave"].front().get<double>());
            hi = std::max(hi, o["wave"].back().get<double>());
        }
        QVERIFY(s.wavelength.front() >= lo - 1e-9 && s.wavelength.front() < lo + 0.1);
        QVERIFY(s.wavelength.back() <= hi + 1e-9 && s.wavelength.back() > hi - 0.1);
        QVERIFY2(s.provenance.layout.find("non-linear") != std::string::npos, s.provenance.layout.c_str());
    }

    // Three orders, flux (F + delta_k) B, sigma s_k B and the blaze B as a 'flat' band: after dividing by
    // B, a pixel seen by one order is F + delta_k; in an overlap the inverse-variance mean
    // F + sum(delta_k / s_k^2) / sum(1 / s_k^2) with ivar sum(1 / s_k^2); where B < 10 % of its peak
    // the order is trimmed.
    void overlapsCombineByInverseVariance()
    {
        const auto& e = find("merge_overlap_ivar.fits");
        const Spectrum s = readSpectrum(pathOf(dir_, e));
        const auto starts = e["starts"].get<std::vector<double>>();
        const auto deltas = e["deltas"].get<std::vector<double>>();
        const auto sigmas = e["sigmas"].get<std::vector<double>>();
        const double dw = e["dw"].get<double>(), f0 = e["f0"].get<double>(), f1 = e["f1"].get<double>();
        const int n = e["npix_order"].get<int>();
        QCOMPARE(s.provenance.orders, 3);
        QCOMPARE(static_cast<long>(s.provenance.masked.trimmed), e["trimmed"].get<long>());
        // Untrimmed pixels of order k: B(p) >= 0.1 with B = exp(-(p - n/2)^2 / (2 (n/5)^2)).
        const double half = (n / 5.0) * std::sqrt(2.0 * std::log(10.0));
        auto kept = [&](std::size_t k, double w) {
            const double p = (w - starts[k]) / dw + 1.0;
            return p >= 1.0 && p <= n && std::abs(p - n / 2.0) <= half - 1.0;
        };
        int single = 0, overlap = 0;
        for (std::size_t g = 0; g < s.size(); g += 7) {
            const double w = s.wavelength[g];
            double sumW = 0, sumWD = 0;
            int covering = 0;
            bool edge = false;
            for (std::size_t k = 0; k < 3; ++k) {
                const double p = (w - starts[k]) / dw + 1.0;
                if (std::abs(std::abs(p - n / 2.0) - half) < 2.0) edge = true;  // next to a trim edge
                if (!kept(k, w)) continue;
                ++covering;
                sumW += 1.0 / (sigmas[k] * sigmas[k]);
                sumWD += deltas[k] / (sigmas[k] * sigmas[k]);
            }
            if (edge || covering == 0) continue;
            QVERIFY2(!s.mask[g], qPrintable(QString("pixel at %1 A is masked").arg(w)));
            const double expected = f0 + f1 * (w - 5000.0) + sumWD / sumW;
            REMAP_COMPARE_REL(QString("merged flux at %1 A").arg(w, 0, 'f', 3), s.flux[g], expected, 1e-6);
            REMAP_COMPARE_REL(QString("merged ivar at %1 A").arg(w, 0, 'f', 3), s.ivar[g], sumW, 1e-4);
            (covering > 1 ? overlap : single)++;
        }
        QVERIFY2(single > 100 && overlap > 0, qPrintable(QString("single %1, overlap %2").arg(single).arg(overlap)));
        // The trimmed ends are not in the merge: it starts at order 1's first pixel with B >= 10 %.
        const double firstKept = starts[0] + dw * (std::ceil(n / 2.0 - half) - 1.0);
        QVERIFY2(
            std::abs(s.wavelength.front() - firstKept) < dw,
            qPrintable(QString("merge starts at %1, first kept pixel %2").arg(s.wavelength.front()).arg(firstKept)));
        QCOMPARE(s.fluxUnit, std::string("relative (divided by the blaze)"));
    }

    // Raw counts through a blaze the file does not give: divided by the estimated blaze, the merged
    // continuum (truly 1) is flat; undivided it would follow the blaze down to 40 % at order edges.
    void rawOrdersAreDividedByTheirBlaze()
    {
        const auto& e = find("merge_raw_counts.fits");
        const Spectrum s = readSpectrum(pathOf(dir_, e));
        QCOMPARE(s.provenance.orders, e["orders_count"].get<int>());
        QVERIFY(allWarnings(s).find("estimate of its blaze") != std::string::npos);
        std::vector<double> envelopes;
        const std::size_t chunks = 24;
        for (std::size_t c = 0; c < chunks; ++c) {
            std::vector<double> v;
            for (std::size_t i = c * s.size() / chunks; i < (c + 1) * s.size() / chunks; ++i)
                if (!s.mask[i]) v.push_back(s.flux[i]);
            if (v.size() < 50) continue;
            std::sort(v.begin(), v.end());
            envelopes.push_back(v[v.size() * 95 / 100]);
        }
        QVERIFY(envelopes.size() > 15);
        const auto [lo, hi] = std::minmax_element(envelopes.begin(), envelopes.end());
        qInfo("merged raw orders: 95th-percentile envelope %.3f .. %.3f", *lo, *hi);
        QVERIFY2(*hi / *lo < 1.08, qPrintable(QString("envelope %1 .. %2").arg(*lo).arg(*hi)));
    }
};

QTEST_GUILESS_MAIN(TestIoEchelle)
#include "test_io_echelle.moc"
