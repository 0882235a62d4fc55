// The training loop (core/train/Trainer.cpp) on the tiny set: it learns, a cancelled and resumed
// run is the same computation as an uninterrupted one, cancellation leaves a usable checkpoint,
// the run record is complete, fine-tuning keeps frozen stages, and bad inputs are named.
#include "TestSupport.h"
#include "TinyTrainingData.h"
#include "base/Error.h"
#include "ml/TorchBundle.h"
#include "train/Checkpoint.h"
#include "train/RunRecord.h"
#include "train/Trainer.h"

#include <QTemporaryDir>
#include <QtTest>

#include <torch/serialize.h>

#include <atomic>
#include <filesystem>
#include <fstream>

using namespace remap;
using namespace remap::train;

namespace {

constexpr int kPixels = 128;
constexpr std::size_t kRows = 320;  // 256 training + 64 validation rows: 8 steps of 32 per epoch

// Records what the trainer reports; cancels on the Nth poll (0 = never).
class TestObserver final : public TrainingObserver {
public:
    explicit TestObserver(int cancelOnPoll = 0) : cancelOnPoll_(cancelOnPoll) {}
    bool cancelRequested() const override
    {
        const int n = ++polls_;
        return cancelOnPoll_ > 0 && n >= cancelOnPoll_;
    }
    void onStep(const StepReport& s) override { steps.push_back(s); }
    void onEpoch(const EpochReport& e) override { epochs.push_back(e); }
    void onMessage(const std::string& m) override { messages.push_back(m); }

    std::vector<StepReport> steps;
    std::vector<EpochReport> epochs;
    std::vector<std::string> messages;

private:
    int cancelOnPoll_;
    mutable std::atomic<int> polls_{0};
};

// The network state (parameters and batch-norm buffers) stored in a checkpoint.
std::map<std::string, torch::Tensor> checkpointWeights(const std::string& path)
{
    torch::serialize::InputArchive root, net;
    root.load_from(path);
    root.read("network", net);
    RemapNet model(test::tinyNetworkConfig(kPixels), LabelBins{}.counts());
    model->load(net);
    std::map<std::string, torch::Tensor> out;
    for (const auto& p : model->named_parameters()) out[p.key()] = p.value().clone();
    for (const auto& b : model->named_buffers()) out[b.key()] = b.value().clone();
    return out;
}

std::map<std::string, torch::Tensor> bundleWeights(const std::string& path)
{
    auto bundle = ModelBundle::load(path);
    std::map<std::string, torch::Tensor> out;
    for (const auto& p : bundleNetwork(bundle)->named_parameters()) out[p.key()] = p.value().clone();
    for (const auto& b : bundleNetwork(bundle)->named_buffers()) out[b.key()] = b.value().clone();
    return out;
}

double maxDifference(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b,
                     const std::string& prefix = "")
{
    double worst = 0.0;
    for (const auto& [name, t] : a) {
        if (name.rfind(prefix, 0) != 0) continue;
        worst = std::max(worst, (t.to(torch::kFloat64) - b.at(name).to(torch::kFloat64)).abs().max().item<double>());
    }
    return worst;
}

QString errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        qInfo("expected error: %s", e.what());
        return QString::fromStdString(e.what());
    }
    return {};
}

}  // namespace

class TestTrainLoop : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string trainSet_;
    std::string path(const std::string& name) const
    {
        return dir_.filePath(QString::fromStdString(name)).toStdString();
    }

    // The tiny config with micro-batches (chunking, batch-norm per chunk) and every augmentation on.
    TrainOptions options(const std::string& run, int epochs = 2) const
    {
        auto j = test::tinyTrainConfigJson(trainSet_, path(run), kPixels, epochs);
        j["micro_batches"] = 2;
        TrainOptions o;
        o.config = TrainConfig::fromJson(j);
        return o;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        torch::set_num_threads(1);
        trainSet_ = path("tiny.h5");
        test::writeTinyTrainingSet(trainSet_, kRows, kPixels, 7);
    }

    void lossFallsAndRecordIsComplete()
    {
        TestObserver observer;
        const auto result = runTraining(options("plain", 8), observer);
        QCOMPARE(result.status, std::string("finished"));
        QCOMPARE(result.epochsDone, 8);
        QCOMPARE(observer.steps.size(), std::size_t(64));  // 8 epochs x ceil(256 / 32)
        QCOMPARE(observer.steps.back().globalStep, std::int64_t(64));
        QCOMPARE(observer.epochs.size(), std::size_t(8));
        // The untrained network spreads its posteriors over all bins (cross-entropy ~ln 100 = 4.6 per
        // head); learning the lines must pull the loss clearly below that.
        auto meanLoss = [&](std::size_t from) {
            double sum = 0.0;
            for (std::size_t i = from; i < from + 8; ++i) sum += observer.steps[i].loss;
            return sum / 8.0;
        };
        const double first = meanLoss(0), last = meanLoss(56);
        qInfo("training loss (8-step means) %.3f -> %.3f; validation loss %.3f -> %.3f; log g rmse %.2f", first, last,
              observer.epochs.front().validation.loss, observer.epochs.back().validation.loss,
              result.finalMetrics[Param::Logg].rmse);
        QVERIFY2(last < first - 0.5, qPrintable(QString("loss %1 -> %2").arg(first).arg(last)));
        QVERIFY(observer.epochs.back().validation.loss < observer.epochs.front().validation.loss - 0.3);
        QCOMPARE(observer.epochs.back().predictions.size(), std::size_t(64));
        // log g (the line widths) is learned first: its error must be well below the spread of the
        // labels (uniform over 4 dex: sigma 1.15 dex).
        QVERIFY2(result.finalMetrics[Param::Logg].rmse < 0.8,
                 qPrintable(QString::number(result.finalMetrics[Param::Logg].rmse)));

        const auto record = RunRecord::read(path("plain"));
        QCOMPARE(record.status(), std::string("finished"));
        QCOMPARE(record.start["config"]["epochs"].get<int>(), 8);
        QCOMPARE(record.start["train_rows"].get<int>(), 256);
        QCOMPARE(record.start["validation_rows"].get<int>(), 64);
        QCOMPARE(record.steps.size(), std::size_t(64));  // log_every_steps = 1
        QCOMPARE(record.epochs.size(), std::size_t(8));
        QCOMPARE(record.end["epochs_done"].get<int>(), 8);
        QCOMPARE(record.end["best_epoch"].get<int>(), result.bestEpoch);
        QVERIFY(std::filesystem::is_regular_file(path("plain/config.json")));
        QVERIFY(std::filesystem::is_regular_file(path("plain/best.remap")));

        // The bundle: card from the config, the training set's preprocessing, a reference set.
        const auto bundle = ModelBundle::load(result.bundlePath);
        QCOMPARE(bundle.card().network, test::tinyNetworkConfig(kPixels));
        QCOMPARE(bundle.card().training["mode"].get<std::string>(), std::string("pretrain"));
        QCOMPARE(bundle.card().training["epochs_done"].get<int>(), result.bestEpoch + 1);
        QCOMPARE(bundle.reference().size(), std::size_t(32));
        REMAP_COMPARE_REL("card teff rmse", bundle.card().metrics["teff"]["rmse"].get<double>(),
                          result.finalMetrics[Param::Teff].rmse, 1e-12);
    }

    // Without early stopping the run's model is its last epoch (best.remap still holds the best one).
    void withoutEarlyStoppingTheModelIsTheLastEpoch()
    {
        TestObserver observer;
        auto o = options("last", 3);
        o.config.earlyStopping.enabled = false;
        o.config.earlyStopping.minDelta = 1e9;  // only the first epoch counts as an improvement
        const auto result = runTraining(o, observer);
        QCOMPARE(result.status, std::string("finished"));
        QCOMPARE(result.bestEpoch, 0);
        QCOMPARE(observer.epochs.size(), std::size_t(3));
        const auto& last = observer.epochs.back().validation;
        const auto model = ModelBundle::load(result.bundlePath);
        QCOMPARE(model.card().metrics["epoch"].get<int>(), 2);
        REMAP_COMPARE_REL("model.remap teff rmse = last epoch's", model.card().metrics["teff"]["rmse"].get<double>(),
                          last[Param::Teff].rmse, 1e-12);
        REMAP_COMPARE_REL("result metrics = last epoch's", result.finalMetrics[Param::Logg].rmse,
                          last[Param::Logg].rmse, 1e-12);
        const auto best = ModelBundle::load(path("last/best.remap"));
        QCOMPARE(best.card().metrics["epoch"].get<int>(), result.bestEpoch);
    }

    // Cancelling anywhere (between steps, between the micro-batches of a step, during validation)
    // and resuming gives the weights and metrics of the uninterrupted run.
    void resumeIsTheSameComputation_data()
    {
        QTest::addColumn<int>("cancelOnPoll");
        // Polls: 2 per step (before it and between its 2 micro-batches), 1 per validation (64 rows in
        // one batch of 128): 17 per epoch.
        constexpr int epoch = 2 * 8 + 1;
        QTest::newRow("between steps 3 and 4 of epoch 2") << epoch + 2 * 3 + 1;
        QTest::newRow("between the micro-batches of step 4") << epoch + 2 * 3 + 2;
        QTest::newRow("during the validation of epoch 1") << epoch;
    }
    void resumeIsTheSameComputation()
    {
        QFETCH(int, cancelOnPoll);
        static int counter = 0;
        const std::string straight = "straight", cut = "cut" + std::to_string(++counter);
        if (!std::filesystem::exists(path(straight + "/checkpoint.pt"))) {
            TestObserver observer;
            runTraining(options(straight), observer);
        }
        TestObserver cancelling(cancelOnPoll);
        QVERIFY_THROWS_EXCEPTION(Cancelled, runTraining(options(cut), cancelling));
        const auto partial = RunRecord::read(path(cut));
        QCOMPARE(partial.status(), std::string("cancelled"));
        qInfo("cancelled after %zu steps", cancelling.steps.size());

        auto o = options(cut);
        o.resume = true;
        TestObserver resumed;
        const auto result = runTraining(o, resumed);
        QCOMPARE(result.epochsDone, 2);
        const double diff = maxDifference(checkpointWeights(path(straight + "/checkpoint.pt")),
                                          checkpointWeights(path(cut + "/checkpoint.pt")));
        QVERIFY2(diff <= 1e-6, qPrintable(QString("weights differ by %1").arg(diff)));
        const auto a = RunRecord::read(path(straight)), b = RunRecord::read(path(cut));
        QCOMPARE(b.status(), std::string("finished"));
        QCOMPARE(b.epochs.size(), a.epochs.size());
        for (Param p : kAllParams)
            REMAP_COMPARE_ABS("final rmse", b.epochs.back().validation[p].rmse, a.epochs.back().validation[p].rmse,
                              1e-9);
        REMAP_COMPARE_ABS("final validation loss", b.epochs.back().validation.loss, a.epochs.back().validation.loss,
                          1e-9);
        REMAP_COMPARE_ABS("epoch 2 train loss", b.epochs.back().trainLoss, a.epochs.back().trainLoss, 1e-9);
    }

    void cancelTakesEffectWithinAStep()
    {
        TestObserver observer(4);  // step 1 runs (2 polls), the 4th poll is between the micro-batches of step 2
        QVERIFY_THROWS_EXCEPTION(Cancelled, runTraining(options("cancel"), observer));
        QCOMPARE(observer.steps.size(), std::size_t(1));
        const auto state = readCheckpointState(path("cancel/checkpoint.pt"));
        QCOMPARE(state["global_step"].get<int>(), 1);
        QCOMPARE(state["step_in_epoch"].get<int>(), 1);
        QCOMPARE(state["epoch"].get<int>(), 0);
        const auto record = RunRecord::read(path("cancel"));
        QCOMPARE(record.end["status"].get<std::string>(), std::string("cancelled"));
        QVERIFY(record.end["bundle"].is_null());
        checkpointWeights(path("cancel/checkpoint.pt"));  // loadable
    }

    void finetuneKeepsFrozenStages()
    {
        const std::string pretrained = path("straight/model.remap");
        if (!std::filesystem::exists(pretrained)) {
            TestObserver observer;
            runTraining(options("straight"), observer);
        }
        const std::string stars = path("stars.h5");
        test::writeTinyTrainingSet(stars, 48, kPixels, 99, DatasetKind::Observed, 80.0);
        const std::string calib = path("calib.h5");
        test::writeTinyTrainingSet(calib, 24, kPixels, 98, DatasetKind::Observed, 80.0);

        auto j = test::tinyTrainConfigJson(stars, path("fine"), kPixels, 1);
        j["mode"] = "finetune";
        j["validation_set"] = calib;
        j["batch_size"] = 16;
        j["model_name"] = "tiny-finetuned";
        j["finetune"] = {{"freeze_stages", 2}, {"early_stages", 3}, {"early_lr_factor", 0.1}};
        TrainOptions o;
        o.config = TrainConfig::fromJson(j);
        o.fromBundle = pretrained;
        TestObserver observer;
        const auto result = runTraining(o, observer);
        QCOMPARE(observer.epochs.size(), std::size_t(2));
        QCOMPARE(observer.epochs.front().epoch, -1);
        const auto record = RunRecord::read(path("fine"));
        QVERIFY(record.baseline.has_value());
        QCOMPARE(record.baseline->predictions.size(), std::size_t(24));
        QCOMPARE(result.baselineMetrics[Param::Teff].n, 24);

        const auto before = bundleWeights(pretrained), after = bundleWeights(result.bundlePath);
        // freeze_stages 2: the stem and residual stage 0, batch-norm statistics included.
        QCOMPARE(maxDifference(before, after, "stem."), 0.0);
        QCOMPARE(maxDifference(before, after, "stages.0."), 0.0);
        QVERIFY(maxDifference(before, after, "stages.1.") > 0.0);
        QVERIFY(maxDifference(before, after, "head_teff.") > 0.0);
        const auto bundle = ModelBundle::load(result.bundlePath);
        QCOMPARE(bundle.card().name, std::string("tiny-finetuned"));
        QCOMPARE(bundle.card().training["from"]["path"].get<std::string>(), pretrained);
    }

    void badInputsAreNamed()
    {
        // A validation set on another grid: both files named.
        const std::string other = path("other.h5");
        test::writeTinyTrainingSet(other, 16, kPixels + 8, 3);
        auto o = options("bad");
        o.config.validationSet = other;
        auto msg = errorOf([&] {
            TestObserver observer;
            runTraining(o, observer);
        });
        QVERIFY2(msg.contains("other.h5") && msg.contains("tiny.h5"), qPrintable(msg));

        // The network's input length must be the set's pixel count.
        o = options("bad");
        o.config.network.inputLength = kPixels * 2;
        msg = errorOf([&] {
            TestObserver observer;
            runTraining(o, observer);
        });
        QVERIFY2(msg.contains("tiny.h5") && msg.contains("256"), qPrintable(msg));

        // Fine-tuning a model whose input length differs from the set.
        const std::string stars = path("wide.h5");
        test::writeTinyTrainingSet(stars, 16, kPixels + 8, 5, DatasetKind::Observed);
        if (!std::filesystem::exists(path("straight/model.remap"))) {
            TestObserver observer;
            runTraining(options("straight"), observer);
        }
        auto j = test::tinyTrainConfigJson(stars, path("bad"), kPixels + 8, 1);
        j["mode"] = "finetune";
        j["validation_set"] = stars;
        o = TrainOptions{};
        o.config = TrainConfig::fromJson(j);
        o.fromBundle = path("straight/model.remap");
        msg = errorOf([&] {
            TestObserver observer;
            runTraining(o, observer);
        });
        QVERIFY2(msg.contains("model.remap") && msg.contains("wide.h5"), qPrintable(msg));

        // Resuming without a checkpoint, or with another configuration.
        o = options("nothing-here");
        o.resume = true;
        msg = errorOf([&] {
            TestObserver observer;
            runTraining(o, observer);
        });
        QVERIFY2(msg.contains("checkpoint.pt"), qPrintable(msg));
        o = options("straight");
        o.resume = true;
        o.config.optimizer.learningRate = 0.5;
        msg = errorOf([&] {
            TestObserver observer;
            runTraining(o, observer);
        });
        QVERIFY2(msg.contains("optimizer") && msg.contains("checkpoint.pt"), qPrintable(msg));

        // A damaged checkpoint.
        std::filesystem::create_directories(path("damaged"));
        std::ofstream(path("damaged/checkpoint.pt")) << "not a zip file";
        o = options("damaged");
        o.resume = true;
        msg = errorOf([&] {
            TestObserver observer;
            runTraining(o, observer);
        });
        QVERIFY2(msg.contains("damaged/checkpoint.pt"), qPrintable(msg));
    }

    void raisingEpochsContinuesARun()
    {
        if (!std::filesystem::exists(path("straight/checkpoint.pt"))) {
            TestObserver observer;
            runTraining(options("straight"), observer);
        }
        std::filesystem::copy(path("straight"), path("longer"), std::filesystem::copy_options::recursive);
        auto o = options("longer", 3);
        o.resume = true;
        TestObserver observer;
        const auto result = runTraining(o, observer);
        QCOMPARE(result.epochsDone, 3);
        QCOMPARE(observer.steps.size(), std::size_t(8));  // only the third epoch ran
        QCOMPARE(observer.steps.front().globalStep, std::int64_t(17));
        const auto record = RunRecord::read(path("longer"));
        QCOMPARE(record.epochs.size(), std::size_t(3));
        QVERIFY(!record.start["resumed_from"].is_null());
    }
};

QTEST_GUILESS_MAIN(TestTrainLoop)
#include "test_train_loop.moc"
