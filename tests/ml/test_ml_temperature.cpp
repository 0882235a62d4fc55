// Temperature scaling: the fit recovers a known over-dispersion, and the card keeps T (optional key).
#include "base/Error.h"
#include "ml/ModelBundle.h"
#include "ml/TemperatureFit.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace remap;

namespace {

// Gaussian posterior over `centres` with mean mu and width s: p_k ~ exp(-(c_k - mu)^2 / (2 s^2)).
std::vector<double> gaussianPosterior(const std::vector<double>& centres, double mu, double s)
{
    std::vector<double> p(centres.size());
    double sum = 0.0;
    for (std::size_t k = 0; k < p.size(); ++k) sum += p[k] = std::exp(-0.5 * std::pow((centres[k] - mu) / s, 2));
    for (double& v : p) v /= sum;
    return p;
}

}  // namespace

class TestTemperature : public QObject {
    Q_OBJECT
private slots:
    // Truth scatters by sigma around the posterior means, posteriors are twice as wide: tempering a
    // Gaussian by T scales its width by sqrt(T), so the calibrated T is (1/2)^2 = 0.25.
    void recoversOverDispersion()
    {
        const ParameterBins bins{-10.0, 10.0, 200};
        const auto centres = bins.centres();
        std::mt19937_64 rng(7);
        std::normal_distribution<double> noise(0.0, 1.0);
        std::uniform_real_distribution<double> where(-4.0, 4.0);
        std::vector<std::vector<double>> probs;
        std::vector<int> refs;
        for (int i = 0; i < 3000; ++i) {
            const double mu = where(rng);
            probs.push_back(gaussianPosterior(centres, mu, 2.0));
            refs.push_back(bins.indexOf(mu + noise(rng)));
        }
        const TemperatureFit fit = fitTemperature(probs, refs);
        QVERIFY2(std::abs(fit.temperature - 0.25) < 0.03, qPrintable(QString::number(fit.temperature)));
        QVERIFY(fit.nllAfter < fit.nllBefore);
        QCOMPARE(fit.stars, 3000);
        // A calibrated set stays at T = 1.
        std::vector<int> calibratedRefs;
        std::vector<std::vector<double>> calibratedProbs;
        for (int i = 0; i < 3000; ++i) {
            const double mu = where(rng);
            calibratedProbs.push_back(gaussianPosterior(centres, mu, 1.0));
            calibratedRefs.push_back(bins.indexOf(mu + noise(rng)));
        }
        QVERIFY(std::abs(fitTemperature(calibratedProbs, calibratedRefs).temperature - 1.0) < 0.1);
    }

    // The same over-dispersed set: the coverage fit brings [p16, p84] to 68.3 % (it was ~95 %).
    void coverageFitHitsTarget()
    {
        const ParameterBins bins{-10.0, 10.0, 200};
        const auto centres = bins.centres();
        std::mt19937_64 rng(11);
        std::normal_distribution<double> noise(0.0, 1.0);
        std::uniform_real_distribution<double> where(-4.0, 4.0);
        std::vector<std::vector<double>> probs;
        std::vector<double> refs;
        for (int i = 0; i < 2000; ++i) {
            const double mu = where(rng);
            probs.push_back(gaussianPosterior(centres, mu, 2.0));
            refs.push_back(mu + noise(rng));
        }
        const TemperatureFit fit = fitTemperatureForCoverage(probs, centres, refs);
        QVERIFY2(fit.coverageBefore > 0.9, qPrintable(QString::number(fit.coverageBefore)));
        QVERIFY2(std::abs(fit.coverageAfter - 0.6827) < 0.02, qPrintable(QString::number(fit.coverageAfter)));
        QVERIFY2(std::abs(fit.temperature - 0.25) < 0.05, qPrintable(QString::number(fit.temperature)));
    }

    void temperedMatchesWidth()
    {
        const ParameterBins bins{-10.0, 10.0, 400};
        const auto centres = bins.centres();
        const auto tempered = temperedProbabilities(gaussianPosterior(centres, 1.0, 2.0), 0.25);
        const auto expected = gaussianPosterior(centres, 1.0, 1.0);
        for (std::size_t k = 0; k < centres.size(); ++k) QVERIFY(std::abs(tempered[k] - expected[k]) < 1e-9);
    }

    void rejectsBadInput()
    {
        QVERIFY_THROWS_EXCEPTION(Error, fitTemperature({}, {}));
        QVERIFY_THROWS_EXCEPTION(Error, fitTemperature({{0.5, 0.5}}, {2}));
    }

    void cardKeepsTemperature()
    {
        ModelCard card;
        card.name = "t";
        card.temperature = {0.5, 0.7, 2.0};
        const nlohmann::json j = card;
        const ModelCard back = j.get<ModelCard>();
        QCOMPARE(back.temperature[2], 2.0);
        nlohmann::json old = j;
        old.erase("temperature");  // bundles written before temperature scaling existed
        QCOMPARE(old.get<ModelCard>().temperature[0], 1.0);
        old["temperature"] = {1.0, -1.0, 1.0};
        QVERIFY_THROWS_EXCEPTION(Error, old.get<ModelCard>());
    }
};

QTEST_APPLESS_MAIN(TestTemperature)
#include "test_ml_temperature.moc"
