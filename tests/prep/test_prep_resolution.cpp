// Gaussian LSF degradation: FWHM of a delta line, quadrature with a declared input resolution,
// skips with warnings, noise and mask propagation, FFT and direct convolution agreeing.
#include "TestSupport.h"
#include "base/Error.h"
#include "prep/Resolution.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace remap;

namespace {

Spectrum flatSpectrum(double a, double step, std::size_t n, double value = 0.0)
{
    Spectrum s;
    for (std::size_t i = 0; i < n; ++i) s.wavelength.push_back(a + step * static_cast<double>(i));
    s.flux.assign(n, value);
    s.ivar.assign(n, 0.0);
    s.mask.assign(n, 0);
    s.medium = Medium::Air;
    return s;
}

// FWHM of the single peak of (wavelength, profile) by linear interpolation at half maximum.
double measureFwhm(const std::vector<double>& w, const std::vector<double>& f)
{
    const auto peak = static_cast<std::size_t>(std::max_element(f.begin(), f.end()) - f.begin());
    const double half = 0.5 * f[peak];
    std::size_t l = peak, r = peak;
    while (l > 0 && f[l] > half) --l;
    while (r + 1 < f.size() && f[r] > half) ++r;
    const double wl = w[l] + (half - f[l]) / (f[l + 1] - f[l]) * (w[l + 1] - w[l]);
    const double wr = w[r - 1] + (half - f[r - 1]) / (f[r] - f[r - 1]) * (w[r] - w[r - 1]);
    return wr - wl;
}

}  // namespace

class TestResolution : public QObject {
    Q_OBJECT
private slots:
    void deltaLineFwhm_data()
    {
        QTest::addColumn<double>("R");
        QTest::newRow("R=3000") << 3000.0;
        QTest::newRow("R=11000") << 11000.0;
        QTest::newRow("R=50000") << 50000.0;
    }
    void deltaLineFwhm()
    {
        QFETCH(double, R);
        Spectrum s = flatSpectrum(5900.0, 0.005, 40001);
        const std::size_t centre = 20000;  // 6000.0 A
        s.flux[centre] = 1.0;
        std::vector<std::string> warnings;
        const Spectrum out = degradeResolution(s, R, &warnings);
        QVERIFY(warnings.empty());
        QCOMPARE(out.size(), s.size());
        const double expected = s.wavelength[centre] / R;
        REMAP_COMPARE_REL("FWHM of a degraded delta line", measureFwhm(out.wavelength, out.flux), expected, 0.02);
        double area = 0;
        for (double f : out.flux) area += f * 0.005;
        REMAP_COMPARE_REL("line area", area, 0.005, 1e-3);
        QCOMPARE(declaredResolvingPower(out), R);
    }

    // An input declared at R_in = 20000 is broadened only by the quadrature difference.
    void declaredInputResolution()
    {
        Spectrum s = flatSpectrum(5900.0, 0.005, 40001, 1.0);
        const double c = 6000.0, sigmaIn = c / 20000.0 / 2.3548200450309493;
        for (std::size_t i = 0; i < s.size(); ++i) {
            const double t = (s.wavelength[i] - c) / sigmaIn;
            s.flux[i] = 1.0 - 0.5 * std::exp(-0.5 * t * t);
        }
        s.metadata[kResolvingPowerKey] = "20000";
        const Spectrum out = degradeResolution(s, 11000.0);
        std::vector<double> depth(out.size());
        for (std::size_t i = 0; i < out.size(); ++i) depth[i] = 1.0 - out.flux[i];
        REMAP_COMPARE_REL("FWHM after quadrature degradation", measureFwhm(out.wavelength, depth), c / 11000.0, 0.02);
    }

    void coarserInputIsReturnedWithWarning()
    {
        // 0.5 A pixels at 6000 A carry at most R = 6000 < 11000.
        Spectrum s = flatSpectrum(5900.0, 0.5, 401, 1.0);
        s.flux[200] = 0.3;
        std::vector<std::string> warnings;
        const Spectrum out = degradeResolution(s, 11000.0, &warnings);
        QCOMPARE(warnings.size(), std::size_t(1));
        QCOMPARE(out.flux, s.flux);
        QCOMPARE(out.wavelength, s.wavelength);

        Spectrum declared = flatSpectrum(5900.0, 0.01, 20001, 1.0);
        declared.metadata[kResolvingPowerKey] = "5000";
        warnings.clear();
        QCOMPARE(degradeResolution(declared, 11000.0, &warnings).flux, declared.flux);
        QCOMPARE(warnings.size(), std::size_t(1));
        declared.metadata[kResolvingPowerKey] = "11000";  // already there: silent copy
        warnings.clear();
        QCOMPARE(degradeResolution(declared, 11000.0, &warnings).flux, declared.flux);
        QVERIFY(warnings.empty());
    }

    // White noise keeps its per-pixel ivar (the documented "as if independent" convention) and
    // its measured scatter drops by the kernel's noise-equivalent width.
    void noiseAndIvar()
    {
        const double sigma = 0.05, step = 0.02;
        Spectrum s = flatSpectrum(5000.0, step, 50001, 1.0);
        std::mt19937_64 rng(99);
        std::normal_distribution<double> noise(0.0, sigma);
        for (double& f : s.flux) f += noise(rng);
        s.ivar.assign(s.size(), 1.0 / (sigma * sigma));
        const double R = 11000.0;
        const Spectrum out = degradeResolution(s, R);
        double sum = 0, sum2 = 0;
        std::size_t n = 0;
        for (std::size_t i = 1000; i + 1000 < out.size(); ++i) {
            REMAP_COMPARE_REL("ivar of degraded white noise", out.ivar[i], 1.0 / (sigma * sigma), 0.01);
            sum += out.flux[i];
            sum2 += out.flux[i] * out.flux[i];
            ++n;
        }
        const double mean = sum / static_cast<double>(n);
        const double stdev = std::sqrt(sum2 / static_cast<double>(n) - mean * mean);
        // Smoothing white noise of pixel width d with a Gaussian of sigma_l: sigma^2 d / (2 sqrt(pi) sigma_l).
        const double sigmaLambda = 5500.0 / R / 2.3548200450309493;
        const double expected = sigma * std::sqrt(step / (2.0 * std::sqrt(M_PI) * sigmaLambda));
        REMAP_COMPARE_REL("scatter of smoothed white noise", stdev, expected, 0.05);
        REMAP_COMPARE_REL("mean level", mean, 1.0, 1e-3);
    }

    void maskedPixelsDoNotLeak()
    {
        Spectrum s = flatSpectrum(5000.0, 0.01, 20001, 1.0);
        s.ivar.assign(s.size(), 100.0);
        s.flux[10000] = 1e6;
        s.mask[10000] = 1;
        s.ivar[10000] = 0;
        const Spectrum out = degradeResolution(s, 11000.0);
        // sigma at 5100 A is 0.197 A = 19.7 pixels; one 0.01 A pixel carries < 2 % of the kernel weight,
        // so nothing gets masked, and the masked value must not leak.
        for (std::size_t i = 100; i + 100 < out.size(); ++i) {
            QVERIFY2(!out.mask[i], qPrintable(QString("pixel %1 masked").arg(i)));
            REMAP_COMPARE_REL("flux beside a masked pixel", out.flux[i], 1.0, 1e-9);
        }
        // A 1 A wide bad stretch masks the pixels whose kernel is more than 20 % bad, and only those.
        for (std::size_t i = 9950; i <= 10050; ++i) s.mask[i] = 1, s.ivar[i] = 0, s.flux[i] = 1e6;
        const Spectrum out2 = degradeResolution(s, 11000.0);
        QVERIFY(out2.mask[10000]);
        QVERIFY(out2.mask[9950]);
        QVERIFY(!out2.mask[9850] && !out2.mask[10150]);
        QCOMPARE(out2.ivar[10000], 0.0);
        for (std::size_t i = 100; i + 100 < out2.size(); ++i)
            if (!out2.mask[i]) REMAP_COMPARE_REL("flux near a masked stretch", out2.flux[i], 1.0, 1e-9);
        // The ends are masked where the kernel reaches past the data.
        QVERIFY(out2.mask.front() && out2.mask.back());
    }

    void logGridVariant()
    {
        Spectrum s = flatSpectrum(5900.0, 0.005, 40001);
        s.flux[20000] = 1.0;
        const Spectrum out = detail::degradeResolutionOnLogGrid(s, 11000.0, nullptr);
        const double step = std::log(out.wavelength[1] / out.wavelength[0]);
        for (std::size_t i = 1; i + 1 < out.size(); i += 997)
            QVERIFY(std::abs(std::log(out.wavelength[i + 1] / out.wavelength[i]) - step) < 1e-9);
        REMAP_COMPARE_REL("FWHM on the log grid", measureFwhm(out.wavelength, out.flux), 6000.0 / 11000.0, 0.02);
    }

    void fftMatchesDirectConvolution()
    {
        std::mt19937_64 rng(3);
        std::uniform_real_distribution<double> u(-1.0, 1.0);
        std::vector<double> signal(5000);
        for (double& v : signal) v = u(rng);
        // Asymmetric and symmetric short kernels (two direct paths) and a long one (FFT by default).
        const std::vector<std::pair<std::size_t, bool>> cases{{51, false}, {51, true}, {301, false}};
        for (const auto& [nk, symmetric] : cases) {
            std::vector<double> kernel(nk);
            for (double& v : kernel) v = u(rng);
            if (symmetric)
                for (std::size_t j = 0; j < nk / 2; ++j) kernel[nk - 1 - j] = kernel[j];
            // Brute force reference: out[i] = sum_j kernel[j] signal[i + half - j].
            const std::size_t half = nk / 2;
            std::vector<double> ref(signal.size(), 0.0);
            for (std::size_t i = 0; i < signal.size(); ++i)
                for (std::size_t j = 0; j < nk; ++j) {
                    const auto t = static_cast<std::ptrdiff_t>(i + half) - static_cast<std::ptrdiff_t>(j);
                    if (t >= 0 && t < static_cast<std::ptrdiff_t>(signal.size()))
                        ref[i] += kernel[j] * signal[static_cast<std::size_t>(t)];
                }
            for (bool fft : {false, true}) {
                const std::vector<double> out = detail::convolveSame(signal, kernel, fft);
                for (std::size_t i = 0; i < ref.size(); ++i)
                    if (std::abs(out[i] - ref[i]) > 1e-10)
                        QFAIL(qPrintable(remap::test::describeMismatch(fft ? "FFT convolution" : "direct convolution",
                                                                       out[i], ref[i], 1e-10)));
            }
        }
    }

    void badArgumentsThrow()
    {
        const Spectrum s = flatSpectrum(5000.0, 0.01, 100, 1.0);
        QVERIFY_THROWS_EXCEPTION(Error, degradeResolution(s, 0.0));
        QVERIFY_THROWS_EXCEPTION(Error, degradeResolution(s, -5.0));
        QVERIFY_THROWS_EXCEPTION(Error, degradeResolution(flatSpectrum(5000.0, 0.01, 1), 1000.0));
    }
};

QTEST_APPLESS_MAIN(TestResolution)
#include "test_prep_resolution.moc"
