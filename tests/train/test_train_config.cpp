// The training configuration: defaults, JSON round trip, partial files, and errors that name the key.
#include "TestSupport.h"
#include "base/Error.h"
#include "train/TrainConfig.h"

#include <QTemporaryDir>
#include <QTest>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace remap;
using namespace remap::train;
using nlohmann::json;

namespace {

// The message of the remap::Error that fromJson throws for `text`, or "" when it does not throw.
std::string errorOf(const std::string& text)
{
    try {
        TrainConfig::fromJson(json::parse(text));
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

void writeFile(const std::string& path, const std::string& text)
{
    std::ofstream(path) << text;
}

}  // namespace

class TestTrainConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultsAreValid();
    void roundTrip();
    void partialObjectKeepsDefaults();
    void errorsNameTheKey_data();
    void errorsNameTheKey();
    void validateChecksTheModesData();
    void loadResolvesRelativePaths();
    void loadErrorsNameTheFile();
    void modeNames();
};

void TestTrainConfig::defaultsAreValid()
{
    const TrainConfig c;
    c.validate();  // throws on failure
    QCOMPARE(c.toJson()["mode"].get<std::string>(), std::string("pretrain"));
    QCOMPARE(c.toJson()["augmentation"]["snr_min"].get<double>(), 25.0);
    QCOMPARE(c.toJson()["network"]["input_length"].get<int>(), 4096);
    QCOMPARE(c.toJson()["loss"]["asl"]["gamma_neg"].get<double>(), 4.0);
    QCOMPARE(c.toJson()["bins"]["teff"]["count"].get<int>(), 140);
}

void TestTrainConfig::roundTrip()
{
    TrainConfig c;
    c.mode = TrainMode::Finetune;
    c.trainSet = "/data/train.h5";
    c.validationSet = "/data/cal.h5";
    c.epochs = 7;
    c.batchSize = 32;
    c.microBatches = 4;
    c.seed = 12345678901234ull;
    c.device = "cpu";
    c.optimizer.learningRate = 3e-4;
    c.schedule.kind = ScheduleKind::OneCycle;
    c.schedule.warmupEpochs = 0.5;
    c.augmentation.enabled = false;
    c.augmentation.snrMax = 400.0;
    c.sampling.balance = ClassBalance::InverseFrequency;
    c.finetune.freezeStages = 2;
    c.earlyStopping.monitor = "teff_rmse";
    c.loss.weighting = TaskWeighting::Uncertainty;
    c.loss.headWeights = {1.0, 2.0, 0.5};
    c.loss.triplet.mining = TripletMining::SemiHard;
    c.network.stageWidths = {8, 16};
    c.network.blocksPerStage = {1, 1};
    c.network.stageKernels = {5, 3};
    c.bins.teff = {3000.0, 8000.0, 200};
    const json j = c.toJson();
    const TrainConfig back = TrainConfig::fromJson(j);
    QVERIFY2(back.toJson() == j, back.toJson().dump().c_str());  // every field survives, nested objects and enums too
    QVERIFY(back.mode == TrainMode::Finetune);
    QVERIFY(back.schedule.kind == ScheduleKind::OneCycle);
    QVERIFY(back.sampling.balance == ClassBalance::InverseFrequency);
    QCOMPARE(back.seed, 12345678901234ull);
    QVERIFY(back.network == c.network);
    QVERIFY(back.bins == c.bins);
    QCOMPARE(back.loss.headWeights[1], 2.0);
}

void TestTrainConfig::partialObjectKeepsDefaults()
{
    const auto c = TrainConfig::fromJson(json::parse(R"({
        "epochs": 3,
        "augmentation": {"snr_min": 40},
        "loss": {"asl": {"clip": 0.1}},
        "network": {"embedding_size": 8},
        "bins": {"logg": {"count": 55}}
    })"));
    QCOMPARE(c.epochs, 3);
    QCOMPARE(c.augmentation.snrMin, 40.0);
    QCOMPARE(c.augmentation.snrMax, 250.0);  // default kept beside the given sibling
    QCOMPARE(c.augmentation.noiseProbability, 0.9);
    QCOMPARE(c.loss.asl.clip, 0.1);
    QCOMPARE(c.loss.asl.gammaNeg, 4.0);
    QCOMPARE(c.network.embeddingSize, 8);
    QCOMPARE(c.network.inputLength, 4096);
    QCOMPARE(c.bins.logg.count, 55);
    QCOMPARE(c.bins.logg.max, 5.5);
    QCOMPARE(c.batchSize, 64);
    QVERIFY(TrainConfig::fromJson(json::object()).toJson() == TrainConfig{}.toJson());
}

void TestTrainConfig::errorsNameTheKey_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown nested key") << R"({"augmentation": {"snr_mn": 10}})"
                                        << "training config: unknown key augmentation.snr_mn";
    QTest::newRow("unknown top key") << R"({"epoch": 10})"
                                     << "unknown key epoch";
    QTest::newRow("unknown loss key") << R"({"loss": {"triplet": {"margn": 1}}})"
                                      << "unknown key loss.triplet.margn";
    QTest::newRow("unknown network key") << R"({"network": {"width": 1}})"
                                         << "unknown key network.width";
    QTest::newRow("wrong type") << R"({"epochs": "ten"})"
                                << "epochs must be an integer";
    QTest::newRow("float for int") << R"({"batch_size": 6.5})"
                                   << "batch_size must be an integer";
    QTest::newRow("wrong nested type") << R"({"optimizer": {"learning_rate": true}})"
                                       << "optimizer.learning_rate must be a number";
    QTest::newRow("object expected") << R"({"schedule": 3})"
                                     << "schedule must be an object";
    QTest::newRow("array element") << R"({"network": {"stage_widths": [8, "x"]}})"
                                   << "network.stage_widths[1] must be an integer";
    QTest::newRow("null") << R"({"device": null})"
                          << "device must not be null";
    QTest::newRow("negative seed") << R"({"seed": -1})"
                                   << "seed must be a non-negative integer";
    QTest::newRow("epochs range") << R"({"epochs": 0})"
                                  << "epochs must be at least 1";
    QTest::newRow("micro batches") << R"({"batch_size": 4, "micro_batches": 8})"
                                   << "micro_batches must not exceed batch_size";
    QTest::newRow("snr order") << R"({"augmentation": {"snr_min": 300}})"
                               << "augmentation.snr_min must not exceed augmentation.snr_max";
    QTest::newRow("probability") << R"({"augmentation": {"mask_probability": 1.5}})"
                                 << "augmentation.mask_probability must lie in [0, 1]";
    QTest::newRow("learning rate") << R"({"optimizer": {"learning_rate": 0}})"
                                   << "optimizer.learning_rate must be a positive number";
    QTest::newRow("fraction") << R"({"validation_fraction": 1.0})"
                              << "validation_fraction must lie in [0, 1)";
    QTest::newRow("mode enum") << R"({"mode": "train"})"
                               << "mode must be pretrain or finetune, not 'train'";
    QTest::newRow("schedule enum") << R"({"schedule": {"kind": "linear"}})"
                                   << "schedule.kind must be one of cosine, one_cycle, constant, not 'linear'";
    QTest::newRow("balance enum") << R"({"sampling": {"balance": "sqrt"}})"
                                  << "sampling.balance must be one of";
    QTest::newRow("monitor") << R"({"early_stopping": {"monitor": "accuracy"}})"
                             << "early_stopping.monitor must be one of val_loss";
    QTest::newRow("device") << R"({"device": "tpu"})"
                            << "device must be one of auto, cpu, cuda";
    QTest::newRow("loss enum") << R"({"loss": {"weighting": "equal"}})"
                               << "loss: ";
    QTest::newRow("loss range") << R"({"loss": {"asl": {"clip": 1.5}}})"
                                << "clip must lie in [0, 1)";
    QTest::newRow("head weights") << R"({"loss": {"head_weights": [1, 2]}})"
                                  << "loss.head_weights must have 3 values";
    QTest::newRow("network") << R"({"network": {"stem_kernel": 4}})"
                             << "training config: network: ";
    QTest::newRow("bins") << R"({"bins": {"feh": {"min": 1.0, "max": 0.0}}})"
                          << "training config: bins: ";
    QTest::newRow("not an object") << R"([1, 2])"
                                   << "training config: expected a JSON object";
}

void TestTrainConfig::errorsNameTheKey()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    const std::string message = errorOf(text.toStdString());
    QVERIFY2(!message.empty(), "no error");
    QVERIFY2(message.find(expected.toStdString()) != std::string::npos, message.c_str());
}

void TestTrainConfig::validateChecksTheModesData()
{
    TrainConfig c;
    c.mode = TrainMode::Finetune;
    // fromJson reads it (the CLI may still add the calibration set), validate() does not accept it.
    const TrainConfig parsed = TrainConfig::fromJson(c.toJson());
    try {
        parsed.validate();
        QFAIL("fine-tuning without a validation set passed validate()");
    } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find("validation_set") != std::string::npos, e.what());
    }
    c.validationSet = "cal.h5";
    c.validate();

    TrainConfig p;
    p.validationFraction = 0.0;
    QVERIFY_THROWS_EXCEPTION(Error, p.validate());
    p.validationSet = "val.h5";
    p.validate();
    p.augmentation.snrMin = 500.0;  // validate() checks the values too
    QVERIFY_THROWS_EXCEPTION(Error, p.validate());
}

void TestTrainConfig::loadResolvesRelativePaths()
{
    QTemporaryDir dir;
    const std::filesystem::path base = dir.path().toStdString();
    std::filesystem::create_directories(base / "configs");
    const std::string path = (base / "configs" / "run.json").string();
    writeFile(path, R"({
        "train_set": "../data/train.h5",
        "validation_set": "/abs/val.h5",
        "output_dir": "runs/first",
        "epochs": 2
    })");
    const TrainConfig c = TrainConfig::load(path);
    QCOMPARE(c.trainSet, (base / "data" / "train.h5").string());
    QCOMPARE(c.validationSet, std::string("/abs/val.h5"));
    QCOMPARE(c.outputDir, (base / "configs" / "runs" / "first").string());
    QCOMPARE(c.rvTemplate, std::string());  // empty stays empty
    QCOMPARE(c.epochs, 2);
}

void TestTrainConfig::loadErrorsNameTheFile()
{
    QTemporaryDir dir;
    const std::string missing = dir.filePath("absent.json").toStdString();
    try {
        TrainConfig::load(missing);
        QFAIL("no error for a missing file");
    } catch (const Error& e) {
        QCOMPARE(e.file(), missing);
        QVERIFY2(std::string(e.what()).find("absent.json") != std::string::npos, e.what());
    }

    const std::string broken = dir.filePath("broken.json").toStdString();
    writeFile(broken, "{\n  \"epochs\": 3,\n  \"batch_size\": ,\n}\n");
    try {
        TrainConfig::load(broken);
        QFAIL("no error for invalid JSON");
    } catch (const Error& e) {
        QCOMPARE(e.file(), broken);
        QVERIFY2(std::string(e.what()).find("line 3") != std::string::npos, e.what());
    }

    const std::string typo = dir.filePath("typo.json").toStdString();
    writeFile(typo, R"({"augmentation": {"snr_mn": 10}})");
    try {
        TrainConfig::load(typo);
        QFAIL("no error for an unknown key");
    } catch (const Error& e) {
        QCOMPARE(e.file(), typo);
        QVERIFY2(std::string(e.what()).find("unknown key augmentation.snr_mn") != std::string::npos, e.what());
    }
}

void TestTrainConfig::modeNames()
{
    QCOMPARE(toString(TrainMode::Pretrain), std::string("pretrain"));
    QCOMPARE(toString(TrainMode::Finetune), std::string("finetune"));
    QVERIFY(parseTrainMode("finetune") == TrainMode::Finetune);
    QVERIFY(parseTrainMode("pretrain") == TrainMode::Pretrain);
    QVERIFY_THROWS_EXCEPTION(UsageError, parseTrainMode("Pretrain"));
}

QTEST_GUILESS_MAIN(TestTrainConfig)
#include "test_train_config.moc"
