// Prediction tables in CSV, FITS and HDF5, and the JSON form, read back independently.
#include "TestSupport.h"
#include "base/Error.h"
#include "io/FitsFile.h"
#include "ml/PredictionWriter.h"

#include <hdf5.h>
#include <QTemporaryDir>
#include <QTest>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace remap;

namespace {

std::vector<Prediction> twoPredictions()
{
    Prediction a;
    a.source = "dir/star, one.fits";  // a comma: the CSV must quote it
    a.teff = summarizePosterior({5000, 5100, 5200, 5300, 5400}, {0.1, 0.2, 0.4, 0.2, 0.1});
    a.logg = summarizePosterior({4.0, 4.5, 5.0}, {0.25, 0.5, 0.25});
    a.feh = summarizePosterior({-0.5, 0.0, 0.5}, {0.6, 0.3, 0.1});
    a.flags = {"low_snr", "outside_trained_range:feh"};
    a.embedding = {1.0f, 0.0f};
    a.snr = 15.0;
    a.rv = std::nan("");
    Prediction b = a;
    b.source = "b.fits";
    b.flags.clear();
    b.rv = -12.5;
    b.embedding = {0.0f, 1.0f};
    return {a, b};
}

std::vector<std::string> lines(const std::string& path)
{
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

}  // namespace

class TestWriter : public QObject {
    Q_OBJECT
private slots:
    void csv();
    void fits();
    void hdf5();
    void json();
    void errors();

private:
    QTemporaryDir dir_;
};

void TestWriter::csv()
{
    const auto path = dir_.filePath("p.csv").toStdString();
    writePredictions(path, twoPredictions(), {{5150.0, 4.4, NAN}, {NAN, NAN, NAN}});
    const auto rows = lines(path);
    QCOMPARE(rows.size(), std::size_t(3));
    QVERIFY(rows[0].rfind("file,teff_mean,teff_median,teff_mode,teff_p16,teff_p84,teff_hdi68_lo", 0) == 0);
    QVERIFY(rows[0].find(",snr,rv_kms,masked_fraction,teff_ref,logg_ref,feh_ref,flags") != std::string::npos);
    // teff mean 5200, p16 5080 (hand values of the symmetric histogram, see test_ml_posterior)
    QVERIFY2(rows[1].rfind("\"dir/star, one.fits\",5200,5200,5200,5080,5320,", 0) == 0, rows[1].c_str());
    QVERIFY2(rows[1].find(",15,nan,0,5150,4.4,nan,low_snr; outside_trained_range:feh") != std::string::npos,
             rows[1].c_str());
    QVERIFY2(rows[2].find(",-12.5,") != std::string::npos, rows[2].c_str());
}

void TestWriter::fits()
{
    const auto path = dir_.filePath("p.fits").toStdString();
    writePredictions(path, twoPredictions(), {}, "test-model");
    auto file = FitsFile::open(path);
    QCOMPARE(file.keyString("MODEL").value_or(""), std::string("test-model"));
    QVERIFY(file.moveToNamed("PREDICTIONS"));
    QCOMPARE(file.rowCount(), 2L);
    const auto mean = file.readColumn(*file.findColumn("TEFF_MEAN"));
    QCOMPARE(mean.size(), std::size_t(2));
    REMAP_COMPARE_ABS("Teff mean", mean[1], 5200.0, 1e-9);
    const auto p84 = file.readColumn(*file.findColumn("LOGG_P84"));
    // log g bins 4.0/4.5/5.0 (edges 3.75..5.25), p = .25 .5 .25: p84 = 4.75 + (0.84 - 0.75) / 0.25 * 0.5 = 4.93
    REMAP_COMPARE_ABS("log g p84", p84[0], 4.93, 1e-12);
    QCOMPARE(file.readStringColumn(*file.findColumn("FILE"))[1], std::string("b.fits"));
    QCOMPARE(file.readStringColumn(*file.findColumn("FLAGS"))[0], std::string("low_snr; outside_trained_range:feh"));
    QCOMPARE(file.readColumn(*file.findColumn("FEH_PROB"), 1), (std::vector<double>{0.6f, 0.3f, 0.1f}));
    QCOMPARE(file.keyDouble("TEFF_MIN").value_or(0), 4950.0);
    QCOMPARE(file.keyInt("TEFF_NBIN").value_or(0), 5LL);
}

void TestWriter::hdf5()
{
    const auto path = dir_.filePath("p.h5").toStdString();
    writePredictions(path, twoPredictions(), {}, "test-model");
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    QVERIFY(file >= 0);
    double p16[2];
    hid_t set = H5Dopen2(file, "/predictions/teff_p16", H5P_DEFAULT);
    QVERIFY(H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, p16) >= 0);
    H5Dclose(set);
    QCOMPARE(p16[1], 5080.0);
    float probs[6];
    set = H5Dopen2(file, "/posteriors/logg/probabilities", H5P_DEFAULT);
    QVERIFY(H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, probs) >= 0);
    H5Dclose(set);
    QCOMPARE(probs[4], 0.5f);
    float embedding[4];
    set = H5Dopen2(file, "/predictions/embedding", H5P_DEFAULT);
    QVERIFY(H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, embedding) >= 0);
    H5Dclose(set);
    QCOMPARE(embedding[3], 1.0f);
    H5Fclose(file);
}

void TestWriter::json()
{
    const auto preds = twoPredictions();
    const auto j = predictionToJson(preds[0]);
    QCOMPARE(j["file"].get<std::string>(), preds[0].source);
    for (const char* p : {"teff", "logg", "feh"})
        for (const char* k : {"mean", "median", "mode", "p16", "p84"}) QVERIFY2(j[p].contains(k), k);
    QCOMPARE(j["teff"]["p84"].get<double>(), 5320.0);
    QVERIFY(j["rv_kms"].is_null());
    QCOMPARE(predictionToJson(preds[1])["rv_kms"].get<double>(), -12.5);
    QCOMPARE(j["flags"].size(), std::size_t(2));
}

void TestWriter::errors()
{
    QVERIFY_THROWS_EXCEPTION(Error, writePredictions(dir_.filePath("p.xlsx").toStdString(), twoPredictions()));
    QVERIFY_THROWS_EXCEPTION(Error,
                             writePredictions(dir_.filePath("p.csv").toStdString(), twoPredictions(), {{1, 2, 3}}));
    QVERIFY_THROWS_EXCEPTION(Error, writePredictions(dir_.filePath("missing/p.csv").toStdString(), twoPredictions()));
}

QTEST_GUILESS_MAIN(TestWriter)
#include "test_ml_writer.moc"
