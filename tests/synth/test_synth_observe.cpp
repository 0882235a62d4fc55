// The instrument model, the demo survey and the Cramer-Rao bounds.
#include "TestSupport.h"

#include "base/Error.h"
#include "io/SpectrumReader.h"
#include "prep/AirVacuum.h"
#include "synth/InformationContent.h"
#include "synth/Observe.h"
#include "synth/Survey.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace remap;
using namespace remap::synth;
namespace fs = std::filesystem;

namespace {

StellarParameters sunLike()
{
    StellarParameters p;
    p.teff = 5800;
    p.logg = 4.4;
    p.feh = 0.0;
    return p;
}

std::string firstLine(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// Wavelength of the flux minimum near `guess` (parabola through the lowest pixel and neighbours).
double lineCentre(const Spectrum& s, double guess, double halfWidth)
{
    std::size_t k = 0;
    double best = 1e300;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (std::fabs(s.wavelength[i] - guess) < halfWidth && s.flux[i] < best) {
            best = s.flux[i];
            k = i;
        }
    const double a = s.flux[k - 1], b = s.flux[k], c = s.flux[k + 1];
    return s.wavelength[k] + 0.5 * (a - c) / (a - 2 * b + c) * (s.wavelength[k + 1] - s.wavelength[k]);
}

}  // namespace

class TestSynthObserve : public QObject {
    Q_OBJECT

private slots:
    void instrumentGrid()
    {
        const InstrumentModel instrument;
        const auto w = instrumentWavelengths(instrument);
        QCOMPARE(w.size(), std::size_t(4096));
        REMAP_COMPARE_ABS("first pixel", w.front(), 5000.0, 1e-9);
        REMAP_COMPARE_ABS("last pixel", w.back(), 5700.0, 1e-9);
        const double step = std::log(w[1] / w[0]);
        REMAP_COMPARE_REL("log-uniform", std::log(w[3000] / w[2999]), step, 1e-9);
        const auto [lo, hi] = requiredVacuumWindow(instrument, 100.0);
        QVERIFY(lo < airToVacuum(5000.0) * (1 - 100.0 / 299792.458) &&
                hi > airToVacuum(5700.0) * (1 + 100.0 / 299792.458));
    }

    void observationIsReproducibleAndNoiseMatchesIvar()
    {
        const Synthesizer synthesizer;
        const InstrumentModel instrument;
        ObservationSettings settings;
        settings.snr = 80;
        settings.rvKms = -21.5;
        settings.seed = 42;
        const Spectrum a = observeStar(synthesizer, sunLike(), instrument, settings);
        const Spectrum b = observeStar(synthesizer, sunLike(), instrument, settings);
        QVERIFY(a.medium == Medium::Air);
        QCOMPARE(a.size(), std::size_t(4096));
        QCOMPARE(a.fluxUnit, std::string("electrons"));
        REMAP_COMPARE_ABS("Teff label", *a.labels.teff, 5800.0, 0.0);
        for (std::size_t i = 0; i < a.size(); ++i) QCOMPARE(a.flux[i], b.flux[i]);
        settings.seed = 43;
        const Spectrum c = observeStar(synthesizer, sunLike(), instrument, settings);
        int differ = 0;
        for (std::size_t i = 0; i < a.size(); ++i) differ += a.flux[i] != c.flux[i];
        QVERIFY(differ > 4000);

        // The noise drawn is consistent with ivar: residuals against the noiseless observation with
        // the same blaze, scaled to electrons, have unit variance.
        settings.seed = 42;
        ObservationSettings clean = settings;
        clean.noise = false;
        const Spectrum model = observeStar(synthesizer, sunLike(), instrument, clean);
        const double scale = std::stod(a.metadata.at("GAINSCAL"));
        double chi2 = 0;
        int n = 0;
        std::size_t masked = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a.mask[i]) {
                ++masked;
                QCOMPARE(a.ivar[i], 0.0);
                continue;
            }
            const double r = (a.flux[i] - model.flux[i] * scale) * std::sqrt(a.ivar[i]);
            chi2 += r * r;
            ++n;
        }
        REMAP_COMPARE_REL("reduced chi^2 of the added noise", chi2 / n, 1.0, 0.06);
        QVERIFY2(masked >= static_cast<std::size_t>(instrument.deadPixels), "dead pixels are not masked");
        // At the continuum the S/N is the requested one: C / sqrt(C + RN^2) with C the median continuum.
        double ivarAtTop = 0, fluxAtTop = 0;
        std::vector<std::pair<double, std::size_t>> order;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!a.mask[i]) order.emplace_back(model.flux[i] * scale, i);
        std::sort(order.begin(), order.end());
        const auto& top = order[order.size() * 95 / 100];
        fluxAtTop = top.first;
        ivarAtTop = a.ivar[top.second];
        const double snrTop = fluxAtTop * std::sqrt(ivarAtTop);
        QVERIFY2(snrTop > 0.8 * settings.snr && snrTop < 1.4 * settings.snr,
                 qPrintable(QString("S/N near the continuum %1, requested %2").arg(snrTop).arg(settings.snr)));
    }

    void radialVelocityShiftsLines()
    {
        const Synthesizer synthesizer;
        const InstrumentModel instrument;
        ObservationSettings settings;
        settings.noise = false;
        settings.distortions = false;
        const Spectrum rest = observeStar(synthesizer, sunLike(), instrument, settings);
        settings.rvKms = 60.0;
        const Spectrum moved = observeStar(synthesizer, sunLike(), instrument, settings);
        // Mg I b 5183.60 A (air) moves by lambda v / c (relativistic to 1e-4).
        const double c0 = lineCentre(rest, 5183.6, 1.0);
        const double c1 = lineCentre(moved, 5183.6 * (1 + 60.0 / 299792.458), 1.0);
        REMAP_COMPARE_ABS("Mg b rest wavelength", c0, 5183.6, 0.05);
        REMAP_COMPARE_ABS("Doppler shift of Mg b", c1 - c0, 5183.6 * 60.0 / 299792.458, 0.03);
    }

    void rejectsBadSettings()
    {
        const Synthesizer synthesizer;
        ObservationSettings settings;
        settings.snr = 0;
        QVERIFY_THROWS_EXCEPTION(Error, observeStar(synthesizer, sunLike(), InstrumentModel{}, settings));
        settings.snr = NAN;
        QVERIFY_THROWS_EXCEPTION(Error, observeStar(synthesizer, sunLike(), InstrumentModel{}, settings));
        settings.snr = 50;
        settings.rvKms = 5000;
        QVERIFY_THROWS_EXCEPTION(Error, observeStar(synthesizer, sunLike(), InstrumentModel{}, settings));
        InstrumentModel bad;
        bad.airMax = bad.airMin;
        QVERIFY_THROWS_EXCEPTION(Error, instrumentWavelengths(bad));
    }

    void surveyLabelsAreRealistic()
    {
        const SurveySpec spec;  // the full demo sizes: drawing is cheap
        const auto stars = drawSurveyStars(spec);
        QCOMPARE(stars.size(), std::size_t(300 + 30 + 732));
        std::size_t giants = 0, candidates = 0, metalPoor = 0;
        double fehSum = 0;
        for (const auto& s : stars) {
            QVERIFY(s.params.teff >= 4500 && s.params.teff <= 6500);
            QVERIFY(s.snr >= 30 && s.snr <= 150);
            QVERIFY(s.params.feh >= -2.0 && s.params.feh <= 0.5);
            fehSum += s.params.feh;
            if (s.params.feh < -1.0) ++metalPoor;
            if (s.sample == SurveySample::GiantCandidate) {
                ++candidates;
                if (s.isGiant) {
                    ++giants;
                    QVERIFY(s.params.logg >= 2.0 && s.params.logg <= 3.5);
                }
            } else {
                QVERIFY(s.params.logg >= 4.0 && s.params.logg <= 4.7);
            }
        }
        const double fraction = static_cast<double>(giants) / static_cast<double>(candidates);
        QVERIFY2(fraction > 0.25 && fraction < 0.35, qPrintable(QString("giant fraction %1").arg(fraction)));
        REMAP_COMPARE_ABS("mean [Fe/H]", fehSum / static_cast<double>(stars.size()), -0.05, 0.03);
        QVERIFY2(metalPoor < stars.size() / 50, "too many metal-poor stars for a realistic, imbalanced sample");
        // Deterministic.
        const auto again = drawSurveyStars(spec);
        for (std::size_t i = 0; i < stars.size(); ++i) {
            QCOMPARE(again[i].params.teff, stars[i].params.teff);
            QCOMPARE(again[i].seed, stars[i].seed);
        }
    }

    void writesASurvey()
    {
        QTemporaryDir dir;
        const std::string out = dir.path().toStdString();
        SurveySpec spec;
        spec.dwarfs = 3;
        spec.calibration = 2;
        spec.giants = 4;
        spec.threads = 2;
        SilentProgress progress;
        const SurveyReport report = writeDemoSurvey(spec, out, progress);
        QCOMPARE(report.written, std::size_t(9));
        for (const char* name : {"dwarfs.csv", "dwarfs.fits", "calibration.csv", "calibration.fits", "giants.csv",
                                 "giants.fits", "giants_truth.csv"})
            QVERIFY2(fs::is_regular_file(fs::path(out) / name), name);
        QCOMPARE(firstLine(out + "/dwarfs.csv"), std::string("id,file,snr,rv,teff,logg,feh,alpha"));
        QCOMPARE(firstLine(out + "/giants.csv"), std::string("id,file,snr"));
        QVERIFY(firstLine(out + "/giants_truth.csv").find("logg") != std::string::npos);

        const auto stars = drawSurveyStars(spec);
        const Spectrum dwarf = readSpectrum(out + "/" + stars[0].file);
        QCOMPARE(dwarf.provenance.format, std::string("remap-1d"));
        QCOMPARE(dwarf.size(), std::size_t(4096));
        QVERIFY(dwarf.medium == Medium::Air);
        QVERIFY(dwarf.labels.teff);
        REMAP_COMPARE_ABS("reference Teff in the spectrum", *dwarf.labels.teff, stars[0].params.teff, 1e-9);
        const Spectrum giant = readSpectrum(out + "/" + stars.back().file);
        QVERIFY2(!giant.labels.any(), "a giant candidate's spectrum carries its true labels");
        // Resumable.
        const SurveyReport again = writeDemoSurvey(spec, out, progress);
        QCOMPARE(again.skipped, std::size_t(9));
    }

    void cramerRaoBoundScalesWithSnr()
    {
        const Synthesizer synthesizer;
        FisherSettings settings;
        settings.snr = 100;
        const auto at100 = cramerRaoBound(synthesizer, sunLike(), settings);
        settings.snr = 200;
        const auto at200 = cramerRaoBound(synthesizer, sunLike(), settings);
        for (int k = 0; k < kFisherParameters; ++k) {
            const double b = at100.bound[static_cast<std::size_t>(k)];
            QVERIFY2(std::isfinite(b) && b > 0, "the bound is not finite and positive");
            REMAP_COMPARE_REL(qPrintable(QString("bound ratio S/N 100 / 200 for parameter %1").arg(k)),
                              b / at200.bound[static_cast<std::size_t>(k)], 2.0, 0.01);
        }
        // Sanity of magnitude for a solar-type star at S/N 100 and R = 11,000.
        QVERIFY(at100.bound[0] > 1.0 && at100.bound[0] < 200.0);
        QVERIFY(at100.bound[1] > 0.001 && at100.bound[1] < 0.5);
        QVERIFY(at100.bound[2] > 0.001 && at100.bound[2] < 0.2);
        // Per-pixel information adds up to the Fisher diagonal.
        double sum = 0;
        for (double v : at100.pixels.information[0]) sum += v;
        REMAP_COMPARE_REL("sum of per-pixel Teff information", sum, at100.fisher[0][0], 1e-9);
        // Steps halved: the same bound (the model is smooth).
        settings.snr = 100;
        settings.teffStep /= 2;
        settings.loggStep /= 2;
        settings.fehStep /= 2;
        const auto halved = cramerRaoBound(synthesizer, sunLike(), settings);
        for (int k = 0; k < kFisherParameters; ++k)
            REMAP_COMPARE_REL("bound with halved steps", halved.bound[static_cast<std::size_t>(k)],
                              at100.bound[static_cast<std::size_t>(k)], 0.05);
    }
};

QTEST_APPLESS_MAIN(TestSynthObserve)
#include "test_synth_observe.moc"
