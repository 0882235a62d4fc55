// The run record: written line by line, read back whole or followed while it grows.
#include "TestSupport.h"
#include "base/Error.h"
#include "train/RunRecord.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace remap;
using namespace remap::train;
using nlohmann::json;

namespace {

StepReport step(std::int64_t globalStep, double loss)
{
    StepReport s;
    s.epoch = static_cast<int>((globalStep - 1) / 4);
    s.stepInEpoch = static_cast<int>((globalStep - 1) % 4);
    s.stepsPerEpoch = 4;
    s.globalStep = globalStep;
    s.totalSteps = 12;
    s.learningRate = 1e-3;
    s.loss = loss;
    s.taskLosses = {0.5, 0.25, 0.125, 0.0625};
    s.samplesPerSecond = 123.5;
    s.etaSeconds = 9.0;
    return s;
}

EpochReport epoch(int index, double trainLoss)
{
    EpochReport e;
    e.epoch = index;
    e.epochs = 3;
    e.trainLoss = trainLoss;
    e.validation.params[0] = {2, 10.0, 5.0, 4.0, 11.0, 0.5};
    e.validation.loss = 0.75;
    e.learningRate = 5e-4;
    e.seconds = 1.5;
    e.etaSeconds = 3.0;
    e.improved = index == 1;
    StarPrediction s;
    s.id = "star-" + std::to_string(index);
    s.reference = {5000.0, 4.4, std::nan("")};
    s.mean = {5010.0, 4.3, 0.1};
    s.p16 = {4950.0, 4.1, -0.1};
    s.p84 = {5070.0, 4.5, 0.3};
    e.predictions = {s};
    return e;
}

void appendRaw(const std::string& path, const std::string& text)
{
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << text;
}

std::string recordFile(const QTemporaryDir& dir)
{
    return (std::filesystem::path(dir.path().toStdString()) / kRecordFileName).string();
}

}  // namespace

class TestTrainRecord : public QObject {
    Q_OBJECT
private slots:
    void writeAndReadBack();
    void truncatedLastLineIsIgnored();
    void resumedRunKeepsTheLatest();
    void corruptLineNamesFileAndLine();
    void missingRecord();
    void followerReturnsOnlyNewLines();
    void followerRestartsOnANewRecord();
    void concurrentWritersKeepLinesWhole();
};

void TestTrainRecord::writeAndReadBack()
{
    QTemporaryDir dir;
    const std::string run = dir.filePath("run").toStdString();  // created by the writer
    {
        RunRecordWriter w(run, false);
        w.write({{"type", "start"}, {"mode", "pretrain"}, {"train_rows", 100}});
        for (int s = 1; s <= 3; ++s) w.writeStep(step(s, 2.0 / s));
        w.writeEpoch(epoch(-1, 0.0));
        w.writeEpoch(epoch(0, 1.5));
        w.writeMessage("checkpoint written");
        w.writeEpoch(epoch(1, 1.0));
        QVERIFY(!RunRecord::read(run).finished());
        QCOMPARE(RunRecord::read(run).status(), std::string("running"));
        w.write({{"type", "end"}, {"status", "finished"}, {"epochs_done", 2}});
    }
    const RunRecord r = RunRecord::read(run);
    QCOMPARE(r.start["train_rows"].get<int>(), 100);
    const QRegularExpression iso("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$");
    QVERIFY2(iso.match(QString::fromStdString(r.start["time"].get<std::string>())).hasMatch(),
             r.start["time"].get<std::string>().c_str());
    QCOMPARE(r.steps.size(), std::size_t{3});
    QCOMPARE(r.steps[2].globalStep, std::int64_t{3});
    QCOMPARE(r.steps[2].stepInEpoch, 2);
    QCOMPARE(r.steps[1].loss, 1.0);
    QCOMPARE(r.steps[0].taskLosses[3], 0.0625);
    QCOMPARE(r.steps[0].samplesPerSecond, 123.5);
    QCOMPARE(r.epochs.size(), std::size_t{2});
    QVERIFY(r.baseline.has_value());
    QCOMPARE(r.baseline->epoch, -1);
    const EpochReport& e = r.epochs[1];
    QCOMPARE(e.epoch, 1);
    QCOMPARE(e.trainLoss, 1.0);
    QVERIFY(e.improved);
    QCOMPARE(e.validation.params[0].rmse, 11.0);
    QCOMPARE(e.validation.loss, 0.75);
    QCOMPARE(e.predictions.size(), std::size_t{1});
    QCOMPARE(e.predictions[0].id, std::string("star-1"));
    QCOMPARE(e.predictions[0].p84[1], 4.5);
    QVERIFY(std::isnan(e.predictions[0].reference[2]));  // unknown survives as null
    QCOMPARE(r.messages, std::vector<std::string>{"checkpoint written"});
    QVERIFY(r.finished());
    QCOMPARE(r.status(), std::string("finished"));

    // Every line is one JSON object with a type.
    std::ifstream in(run + "/" + kRecordFileName);
    std::string line;
    int lines = 0;
    while (std::getline(in, line)) {
        ++lines;
        QVERIFY(json::parse(line).contains("type"));
    }
    QCOMPARE(lines, 9);
}

void TestTrainRecord::truncatedLastLineIsIgnored()
{
    QTemporaryDir dir;
    const std::string run = dir.path().toStdString();
    {
        RunRecordWriter w(run, false);
        w.writeStep(step(1, 1.0));
        w.writeStep(step(2, 0.9));
    }
    appendRaw(recordFile(dir), R"({"type": "step", "epoch": 0, "st)");
    const RunRecord r = RunRecord::read(run);
    QCOMPARE(r.steps.size(), std::size_t{2});
    QVERIFY(!r.finished());
}

void TestTrainRecord::resumedRunKeepsTheLatest()
{
    QTemporaryDir dir;
    const std::string run = dir.path().toStdString();
    {
        RunRecordWriter w(run, false);
        w.write({{"type", "start"}, {"resumed_from", nullptr}});
        w.writeEpoch(epoch(-1, 0.0));
        for (int s = 1; s <= 6; ++s) w.writeStep(step(s, 1.0));
        w.writeEpoch(epoch(0, 1.4));
        w.writeEpoch(epoch(1, 1.2));  // cancelled right after: the checkpoint is from epoch 0
        w.write({{"type", "end"}, {"status", "cancelled"}});
    }
    {
        RunRecordWriter w(run, true);  // resume from the end of epoch 0
        w.write({{"type", "start"}, {"resumed_from", "checkpoint.pt"}});
        for (int s = 5; s <= 8; ++s) w.writeStep(step(s, 0.5));
        w.writeEpoch(epoch(1, 1.1));
        w.writeEpoch(epoch(2, 0.9));
    }
    const RunRecord r = RunRecord::read(run);
    QCOMPARE(r.start["resumed_from"].get<std::string>(), std::string("checkpoint.pt"));
    QVERIFY(!r.finished());  // running again after the resume
    QCOMPARE(r.epochs.size(), std::size_t{3});
    QCOMPARE(r.epochs[0].trainLoss, 1.4);
    QCOMPARE(r.epochs[1].trainLoss, 1.1);  // the resumed epoch 1, not the cancelled one
    QCOMPARE(r.epochs[2].epoch, 2);
    QVERIFY(r.baseline.has_value());
    QCOMPARE(r.steps.size(), std::size_t{8});
    QCOMPARE(r.steps[3].loss, 1.0);  // step 4 from the first session
    QCOMPARE(r.steps[4].loss, 0.5);  // step 5 replaced by the resumed session
    QCOMPARE(r.steps.back().globalStep, std::int64_t{8});
}

void TestTrainRecord::corruptLineNamesFileAndLine()
{
    QTemporaryDir dir;
    const std::string run = dir.path().toStdString();
    {
        RunRecordWriter w(run, false);
        w.writeStep(step(1, 1.0));
    }
    appendRaw(recordFile(dir), "this is not json\n");
    appendRaw(recordFile(dir), R"({"type": "step", "epoch": 0)");  // partial: never reached
    try {
        RunRecord::read(run);
        QFAIL("no error for a corrupt line");
    } catch (const Error& e) {
        QCOMPARE(e.file(), recordFile(dir));
        QVERIFY2(std::string(e.what()).find("line 2") != std::string::npos, e.what());
    }
    // A well-formed JSON line of a known type with fields missing is also reported.
    QTemporaryDir dir2;
    appendRaw(recordFile(dir2), "{\"type\": \"epoch\", \"epoch\": 1}\n");
    try {
        RunRecord::read(dir2.path().toStdString());
        QFAIL("no error for an incomplete epoch line");
    } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find("line 1") != std::string::npos, e.what());
    }
    // The follower reports the same line, after handing out the good one before it.
    RunRecordFollower f(run);
    QCOMPARE(f.poll().size(), std::size_t{1});
    try {
        f.poll();
        QFAIL("the follower accepted a corrupt line");
    } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find("line 2") != std::string::npos, e.what());
    }
}

void TestTrainRecord::missingRecord()
{
    QTemporaryDir dir;
    QVERIFY_THROWS_EXCEPTION(Error, RunRecord::read(dir.path().toStdString()));
    RunRecordFollower f(dir.path().toStdString());
    QVERIFY(f.poll().empty());
}

void TestTrainRecord::followerReturnsOnlyNewLines()
{
    QTemporaryDir dir;
    const std::string run = dir.path().toStdString();
    RunRecordFollower f(run);
    QVERIFY(f.poll().empty());  // no file yet
    RunRecordWriter w(run, false);
    w.writeStep(step(1, 1.0));
    w.writeStep(step(2, 0.9));
    auto lines = f.poll();
    QCOMPARE(lines.size(), std::size_t{2});
    QCOMPARE(lines[1]["global_step"].get<int>(), 2);
    QVERIFY(f.poll().empty());
    w.writeMessage("hello");
    lines = f.poll();
    QCOMPARE(lines.size(), std::size_t{1});
    QCOMPARE(lines[0]["text"].get<std::string>(), std::string("hello"));

    // A line written in two parts comes out once, whole.
    const std::string text = stepToJson(step(3, 0.8)).dump();
    appendRaw(recordFile(dir), text.substr(0, 20));
    QVERIFY(f.poll().empty());
    appendRaw(recordFile(dir), text.substr(20) + "\n" + R"({"type": "mess)");
    lines = f.poll();
    QCOMPARE(lines.size(), std::size_t{1});
    QCOMPARE(stepFromJson(lines[0]).globalStep, std::int64_t{3});
    appendRaw(recordFile(dir), R"(age", "text": "two"})"
                               "\n");
    lines = f.poll();
    QCOMPARE(lines.size(), std::size_t{1});
    QCOMPARE(lines[0]["text"].get<std::string>(), std::string("two"));
}

void TestTrainRecord::followerRestartsOnANewRecord()
{
    QTemporaryDir dir;
    const std::string run = dir.path().toStdString();
    RunRecordFollower f(run);
    {
        RunRecordWriter w(run, false);
        for (int s = 1; s <= 5; ++s) w.writeStep(step(s, 1.0));
    }
    QCOMPARE(f.poll().size(), std::size_t{5});
    RunRecordWriter w(run, false);  // a new run replaces the record
    w.writeMessage("new run");
    const auto lines = f.poll();
    QCOMPARE(lines.size(), std::size_t{1});
    QCOMPARE(lines[0]["text"].get<std::string>(), std::string("new run"));
}

void TestTrainRecord::concurrentWritersKeepLinesWhole()
{
    QTemporaryDir dir;
    const std::string run = dir.path().toStdString();
    RunRecordWriter w(run, false);
    auto work = [&w](int offset) {
        for (int i = 0; i < 200; ++i) w.writeStep(step(offset + i, 1.0));
    };
    std::thread a(work, 1), b(work, 1001);
    a.join();
    b.join();
    RunRecordFollower f(run);
    QCOMPARE(f.poll().size(), std::size_t{400});  // every line parsed
}

QTEST_GUILESS_MAIN(TestTrainRecord)
#include "test_train_record.moc"
