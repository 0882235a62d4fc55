// PreprocessSpec: defaults, grid, JSON round trip and the strict reader's error messages.
#include "TestSupport.h"
#include "base/Error.h"
#include "prep/PreprocessSpec.h"

#include <QTest>

#include <cmath>

using namespace remap;
using nlohmann::json;

namespace {

// Error message of fromJson(doc), or "" when it parsed.
std::string errorOf(const json& doc)
{
    try {
        (void)PreprocessSpec::fromJson(doc);
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

}  // namespace

class TestSpec : public QObject {
    Q_OBJECT
private slots:
    void defaultGridIsMarvelsLike()
    {
        const std::vector<double> g = marvelsGrid();
        QCOMPARE(g.size(), std::size_t(4096));
        QCOMPARE(g.front(), 5000.0);
        QCOMPARE(g.back(), 5700.0);
        const double ratio = std::pow(5700.0 / 5000.0, 1.0 / 4095.0);
        for (std::size_t i = 1; i < g.size(); ++i) REMAP_COMPARE_REL("log-uniform step", g[i] / g[i - 1], ratio, 1e-12);
        QVERIFY(PreprocessSpec{}.medium == Medium::Air);
        QCOMPARE(PreprocessSpec{}.resolvingPower, 11000.0);

        PreprocessSpec linear;
        linear.spacing = GridSpacing::Linear;
        linear.nPixels = 701;
        const std::vector<double> l = linear.grid();
        REMAP_COMPARE_REL("linear step", l[1] - l[0], 1.0, 1e-9);
        REMAP_COMPARE_REL("linear step", l[700] - l[699], 1.0, 1e-9);
    }

    void jsonRoundTrip()
    {
        PreprocessSpec s;
        QVERIFY(PreprocessSpec::fromJson(json::parse(s.toJson().dump())) == s);
        s.waveMin = 15100.5;
        s.waveMax = 16999.25;
        s.nPixels = 8575;
        s.spacing = GridSpacing::Linear;
        s.medium = Medium::Vacuum;
        s.resolvingPower = 22500;
        s.correctRv = false;
        s.rvMinKms = -300;
        s.rvMaxKms = 250;
        s.continuum.method = ContinuumMethod::Legendre;
        s.continuum.legendreOrder = 7;
        s.continuum.knotSpacing = 42.5;
        s.continuum.lowerSigma = 2.5;
        s.continuum.upperSigma = 4;
        s.continuum.iterations = 17;
        s.maskedValue = 0.0;
        s.snrWarnBelow = 25;
        const json j = s.toJson();
        QCOMPARE(j.at("grid").at("medium").get<std::string>(), std::string("vacuum"));
        QCOMPARE(j.at("continuum").at("method").get<std::string>(), std::string("legendre"));
        QVERIFY(PreprocessSpec::fromJson(json::parse(j.dump())) == s);
    }

    void badJsonIsExplained_data()
    {
        QTest::addColumn<QString>("edit");
        QTest::addColumn<QString>("expected");
        QTest::newRow("future version") << "/version=2"
                                        << "version 2 is not supported";
        QTest::newRow("missing field") << "-/grid/npix"
                                       << "missing field 'grid.npix'";
        QTest::newRow("missing section") << "-/continuum"
                                         << "missing field 'continuum'";
        QTest::newRow("unknown field") << "+/grid/pixels"
                                       << "unknown field 'grid.pixels'";
        QTest::newRow("wrong type") << "/resolving_power=\"high\""
                                    << "'resolving_power' must be a number";
        QTest::newRow("fractional npix") << "/grid/npix=4096.5"
                                         << "'grid.npix' must be an integer";
        QTest::newRow("zero pixels") << "/grid/npix=0"
                                     << "'grid.npix' must lie between";
        QTest::newRow("reversed range") << "/grid/wave_max=4000"
                                        << "wave_max must be larger than wave_min";
        QTest::newRow("unknown medium") << "/grid/medium=\"unknown\""
                                        << "medium must be air or vacuum";
        QTest::newRow("bad medium word") << "/grid/medium=\"water\""
                                         << "'grid.medium': unknown medium 'water'";
        QTest::newRow("bad spacing") << "/grid/spacing=\"cubic\""
                                     << "unknown grid spacing 'cubic'";
        QTest::newRow("negative R") << "/resolving_power=-5"
                                    << "resolving power must lie between";
        QTest::newRow("bad rv range") << "/rv/min_kms=600"
                                      << "radial-velocity search range";
        QTest::newRow("bad clip") << "/continuum/lower_sigma=0"
                                  << "clipping thresholds";
        QTest::newRow("bool as number") << "/rv/correct=1"
                                        << "'rv.correct' must be true or false";
    }
    void badJsonIsExplained()
    {
        QFETCH(QString, edit);
        QFETCH(QString, expected);
        json doc = PreprocessSpec{}.toJson();
        const std::string e = edit.toStdString();
        if (e[0] == '-') {
            const json::json_pointer p(e.substr(1));
            doc[p.parent_pointer()].erase(p.back());
        } else if (e[0] == '+') {
            doc[json::json_pointer(e.substr(1))] = 1;
        } else {
            const auto eq = e.find('=');
            doc[json::json_pointer(e.substr(0, eq))] = json::parse(e.substr(eq + 1));
        }
        const std::string message = errorOf(doc);
        QVERIFY2(message.find(expected.toStdString()) != std::string::npos,
                 qPrintable(QString("message '%1' lacks '%2'").arg(QString::fromStdString(message), expected)));
    }

    void notAnObject()
    {
        QVERIFY(errorOf(json::array()).find("must be a JSON object") != std::string::npos);
        QVERIFY(errorOf(json::object()).find("missing field 'version'") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestSpec)
#include "test_prep_spec.moc"
