// The training rows of a run: fine-tuning rehearsal (a seeded draw of grid rows joins the observed
// stars), held-out validation rows, and clear errors when the sets do not fit together.
#include "TestSupport.h"
#include "TinyTrainingData.h"
#include "base/Error.h"
#include "train/TrainData.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <set>
#include <string>

using namespace remap;
using namespace remap::train;

class TestTrainData : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void rehearsalAddsASeededDrawOfTheRehearsalSet();
    void rehearsalIsOnlyForFineTuning();
    void rehearsalOnAnotherGridIsAClearError();
    void rehearsalKeysRoundTripAndAreChecked();

private:
    std::string path(const char* name) const { return dir_.filePath(name).toStdString(); }
    TrainConfig finetune(int rehearsalRows, std::uint64_t seed = 5) const
    {
        TrainConfig c;
        c.mode = TrainMode::Finetune;
        c.trainSet = path("stars.h5");
        c.validationSet = path("calibration.h5");
        c.finetune.rehearsalSet = path("grid.h5");
        c.finetune.rehearsalRows = rehearsalRows;
        c.seed = seed;
        return c;
    }
    QTemporaryDir dir_;
    SilentProgress quiet_;
};

void TestTrainData::initTestCase()
{
    QVERIFY(dir_.isValid());
    test::writeTinyTrainingSet(path("stars.h5"), 20, 64, 1, DatasetKind::Observed);
    test::writeTinyTrainingSet(path("calibration.h5"), 6, 64, 2, DatasetKind::Observed);
    test::writeTinyTrainingSet(path("grid.h5"), 50, 64, 3);
    test::writeTinyTrainingSet(path("grid-wide.h5"), 50, 96, 3);
}

void TestTrainData::rehearsalAddsASeededDrawOfTheRehearsalSet()
{
    const SpectraTable stars = loadSpectraTable(path("stars.h5"), quiet_);
    const SpectraTable grid = loadSpectraTable(path("grid.h5"), quiet_);
    const TrainData data = loadTrainData(finetune(15), quiet_);
    QCOMPARE(data.train.size(), std::size_t{35});
    QCOMPARE(data.train.flux.size(), std::size_t{35 * 64});
    QCOMPARE(data.validation.size(), std::size_t{6});
    // The observed stars come first and unchanged; the other 15 are distinct rows of the grid set,
    // each with its own flux and label.
    for (std::size_t i = 0; i < 20; ++i) QCOMPARE(data.train.sources[i], stars.sources[i]);
    QVERIFY(std::equal(stars.flux.begin(), stars.flux.end(), data.train.flux.begin()));
    std::set<std::string> drawn;
    for (std::size_t i = 20; i < 35; ++i) {
        const auto at = std::find(grid.sources.begin(), grid.sources.end(), data.train.sources[i]);
        QVERIFY2(at != grid.sources.end(), data.train.sources[i].c_str());
        const auto g = static_cast<std::size_t>(at - grid.sources.begin());
        QVERIFY(data.train.labels[i] == grid.labels[g]);
        QCOMPARE(data.train.flux[i * 64 + 7], grid.flux[g * 64 + 7]);
        drawn.insert(data.train.sources[i]);
    }
    QCOMPARE(drawn.size(), std::size_t{15});  // without replacement

    // The same seed draws the same rows; another seed other rows; asking for more takes all.
    const TrainData again = loadTrainData(finetune(15), quiet_);
    QVERIFY(again.train.sources == data.train.sources);
    const TrainData other = loadTrainData(finetune(15, 6), quiet_);
    QVERIFY(other.train.sources != data.train.sources);
    QCOMPARE(loadTrainData(finetune(500), quiet_).train.size(), std::size_t{70});
    QCOMPARE(loadTrainData(finetune(0), quiet_).train.size(), std::size_t{20});
}

void TestTrainData::rehearsalIsOnlyForFineTuning()
{
    TrainConfig c = finetune(15);
    c.mode = TrainMode::Pretrain;
    QCOMPARE(loadTrainData(c, quiet_).train.size(), std::size_t{20});
}

void TestTrainData::rehearsalOnAnotherGridIsAClearError()
{
    TrainConfig c = finetune(15);
    c.finetune.rehearsalSet = path("grid-wide.h5");
    try {
        loadTrainData(c, quiet_);
        QFAIL("a rehearsal set on another wavelength grid was accepted");
    } catch (const Error& e) {
        const std::string what = e.what();
        QVERIFY2(what.find("grid-wide.h5") != std::string::npos, e.what());
        QVERIFY2(what.find("96 pixels") != std::string::npos && what.find("64 pixels") != std::string::npos, e.what());
    }
}

void TestTrainData::rehearsalKeysRoundTripAndAreChecked()
{
    const TrainConfig c = finetune(15);
    const TrainConfig back = TrainConfig::fromJson(c.toJson());
    QCOMPARE(back.finetune.rehearsalSet, c.finetune.rehearsalSet);
    QCOMPARE(back.finetune.rehearsalRows, 15);
    TrainConfig noSet = c;
    noSet.finetune.rehearsalSet.clear();
    QVERIFY_THROWS_EXCEPTION(Error, noSet.validate());
    TrainConfig negative = c;
    negative.finetune.rehearsalRows = -1;
    QVERIFY_THROWS_EXCEPTION(Error, negative.validate());
}

QTEST_GUILESS_MAIN(TestTrainData)
#include "test_train_data.moc"
