// Data-parallel training on c10d: option checks, the one-process group, real Gloo groups of worker
// processes on loopback (distributed_worker), failure handling, and the equivalence of a 2-process run
// with a 1-process run of the same global batch.
#include <torch/torch.h>

#include "TestSupport.h"
#include "TinyTrainingData.h"
#include "base/Error.h"
#include "ml/TorchBundle.h"
#include "train/Distributed.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace remap;
using remap::train::DistributedOptions;

namespace {

struct Run {
    int exitCode;
    QByteArray err;
};

// Runs distributed_worker; a run that outlives waitSeconds is killed and reported as -1.
Run runWorker(const QStringList& args, int waitSeconds)
{
    QProcess p;
    p.start(REMAP_DISTRIBUTED_WORKER, args);
    if (!p.waitForFinished(waitSeconds * 1000)) {
        p.kill();
        p.waitForFinished();
        return {-1, p.readAllStandardError()};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, p.readAllStandardError()};
}

// Runs `remap ARGS`; returns the exit code (-1: still running after waitSeconds, killed).
Run runRemap(const QStringList& args, int waitSeconds)
{
    QProcess p;
    p.start(REMAP_EXE, args);
    if (!p.waitForFinished(waitSeconds * 1000)) {
        p.kill();
        p.waitForFinished();
        return {-1, p.readAllStandardError()};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, p.readAllStandardError()};
}

std::vector<nlohmann::json> recordLines(const QString& runDir, const std::string& type)
{
    std::vector<nlohmann::json> lines;
    std::ifstream in(QDir(runDir).filePath("record.jsonl").toStdString());
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        auto j = nlohmann::json::parse(line);
        if (j.value("type", "") == type) lines.push_back(std::move(j));
    }
    return lines;
}

std::map<std::string, at::Tensor> parametersOf(const QString& bundlePath)
{
    ModelBundle bundle = ModelBundle::load(bundlePath.toStdString());
    std::map<std::string, at::Tensor> out;
    for (const auto& p : bundleNetwork(bundle)->named_parameters(true)) out[p.key()] = p.value().detach().clone();
    return out;
}

DistributedOptions options(int rank, int worldSize, int port)
{
    DistributedOptions o;
    o.rank = rank;
    o.worldSize = worldSize;
    o.masterPort = port;
    return o;
}

}  // namespace

class TestTrainDistributed : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void badOptionsAreUsageErrors_data();
    void badOptionsAreUsageErrors();
    void goodOptionsPass();
    void oneProcessGroupIsTheIdentity();
    void freePortCanBeBound();
    void launcherRejectsItsOwnFlags();
    void workersAgreeOnLoopback_data();
    void workersAgreeOnLoopback();
    void failedWorkerStopsTheOthers();
    void missingPeerFailsWithinTheTimeout_data();
    void missingPeerFailsWithinTheTimeout();
    void twoProcessesTrainLikeOneWithTwoMicroBatches();
};

void TestTrainDistributed::badOptionsAreUsageErrors_data()
{
    QTest::addColumn<int>("rank");
    QTest::addColumn<int>("worldSize");
    QTest::addColumn<int>("port");
    QTest::addColumn<int>("timeout");
    QTest::addColumn<QString>("backend");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("negative rank") << -1 << 2 << 29500 << 10 << "auto"
                                   << "--rank -1";
    QTest::newRow("rank == world") << 2 << 2 << 29500 << 10 << "auto"
                                   << "ranks 0 to 1";
    QTest::newRow("empty world") << 0 << 0 << 29500 << 10 << "auto"
                                 << "--world-size";
    QTest::newRow("port too big") << 0 << 2 << 70000 << 10 << "auto"
                                  << "70000";
    QTest::newRow("no port for a group") << 0 << 2 << 0 << 10 << "auto"
                                         << "--master-port";
    QTest::newRow("zero timeout") << 0 << 2 << 29500 << 0 << "auto"
                                  << "timeout";
    QTest::newRow("unknown backend") << 0 << 2 << 29500 << 10 << "mpi"
                                     << "'mpi'";
}

void TestTrainDistributed::badOptionsAreUsageErrors()
{
    QFETCH(int, rank);
    QFETCH(int, worldSize);
    QFETCH(int, port);
    QFETCH(int, timeout);
    QFETCH(QString, backend);
    QFETCH(QString, mentions);
    DistributedOptions o = options(rank, worldSize, port);
    o.timeoutSeconds = timeout;
    o.backend = backend.toStdString();
    try {
        o.validate();
        QFAIL("validate() accepted bad options");
    } catch (const UsageError& e) {
        QVERIFY2(QString(e.what()).contains(mentions), e.what());
    }
    // connect() checks too, before opening any socket.
    QVERIFY_THROWS_EXCEPTION(UsageError, train::ProcessGroup::connect(o, "cpu"));
}

void TestTrainDistributed::goodOptionsPass()
{
    options(0, 1, 0).validate();  // one process needs no port
    options(3, 4, 1).validate();
    DistributedOptions o = options(1, 2, 65535);
    o.backend = "gloo";
    o.validate();
    QVERIFY_THROWS_EXCEPTION(UsageError, train::ProcessGroup::connect(options(0, 1, 0), "tpu"));
}

void TestTrainDistributed::oneProcessGroupIsTheIdentity()
{
    auto group = train::ProcessGroup::connect(DistributedOptions{}, "cpu");
    QCOMPARE(group->rank(), 0);
    QCOMPARE(group->worldSize(), 1);
    std::vector<at::Tensor> tensors{torch::tensor({1.5f, -2.0f}), torch::tensor({7}, torch::kInt64)};
    group->allReduceSum(tensors);
    group->broadcast(tensors, 0);
    QVERIFY(torch::equal(tensors[0], torch::tensor({1.5f, -2.0f})));
    QCOMPARE(tensors[1].item<int64_t>(), int64_t{7});
    QCOMPARE(group->allReduceSum(2.25), 2.25);
    QCOMPARE(group->broadcastFlag(false), false);
    QCOMPARE(group->broadcastFlag(true), true);
    group->barrier();
}

void TestTrainDistributed::freePortCanBeBound()
{
    const int port = train::findFreePort();
    QVERIFY2(port > 0 && port <= 65535, qPrintable(QString::number(port)));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::close(fd);
    QCOMPARE(rc, 0);
}

void TestTrainDistributed::launcherRejectsItsOwnFlags()
{
    QVERIFY_THROWS_EXCEPTION(UsageError, train::launchLocalWorkers(2, {"remap", "train", "--nproc", "2"}));
    QVERIFY_THROWS_EXCEPTION(UsageError, train::launchLocalWorkers(2, {"remap", "--rank=1"}));
    QVERIFY_THROWS_EXCEPTION(UsageError, train::launchLocalWorkers(0, {"remap"}));
    QVERIFY_THROWS_EXCEPTION(UsageError, train::launchLocalWorkers(2, {}));
}

void TestTrainDistributed::workersAgreeOnLoopback_data()
{
    QTest::addColumn<int>("nproc");
    QTest::newRow("2 processes") << 2;
    QTest::newRow("3 processes") << 3;
}

// distributed_worker --launch N goes through launchLocalWorkers, which re-executes the worker with
// --rank/--world-size/--master-addr/--master-port; every rank checks every collective's result.
void TestTrainDistributed::workersAgreeOnLoopback()
{
    QFETCH(int, nproc);
    const Run run = runWorker({"--launch", QString::number(nproc), "--timeout", "60"}, 90);
    QVERIFY2(run.exitCode == 0, run.err.constData());
}

// Rank 1 exits with status 3 before joining; rank 0 would wait 120 s for it. The launcher must stop
// rank 0 at once and return rank 1's status.
void TestTrainDistributed::failedWorkerStopsTheOthers()
{
    const Run run = runWorker({"--launch", "2", "--fail-rank", "1", "--timeout", "120"}, 60);
    QCOMPARE(run.exitCode, 3);
}

void TestTrainDistributed::missingPeerFailsWithinTheTimeout_data()
{
    QTest::addColumn<int>("rank");
    QTest::newRow("rank 0 waits for rank 1") << 0;
    QTest::newRow("rank 1 finds no master") << 1;
}

// One process of a world of two, with a 3 s timeout: a clear error naming the master and the rank,
// long before the test's own limit.
void TestTrainDistributed::missingPeerFailsWithinTheTimeout()
{
    QFETCH(int, rank);
    const int port = train::findFreePort();
    const Run run = runWorker({"--rank", QString::number(rank), "--world-size", "2", "--master-addr", "127.0.0.1",
                               "--master-port", QString::number(port), "--timeout", "3"},
                              45);
    QVERIFY2(run.exitCode == 2, run.err.constData());
    const QString err = QString::fromUtf8(run.err);
    QVERIFY2(err.contains(QString("127.0.0.1:%1").arg(port)), qPrintable(err));
    QVERIFY2(err.contains(QString("rank %1 of 2").arg(rank)), qPrintable(err));
    QVERIFY2(err.contains("cannot join"), qPrintable(err));
}

// The same global batch split over 2 processes (remap train --nproc 2) or run as 2 micro-batches in one
// process: the summed gradients, hence every step's loss and the final weights, agree. (Batch-norm
// running statistics are not compared: with 2 processes they are rank 0's, as in PyTorch DDP.)
void TestTrainDistributed::twoProcessesTrainLikeOneWithTwoMicroBatches()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    constexpr int kPixels = 128;
    const std::string set = dir.filePath("tiny.h5").toStdString();
    test::writeTinyTrainingSet(set, 200, kPixels, 11);  // 160 training rows: 5 steps of 32
    auto writeConfig = [&](const QString& name, int microBatches) {
        auto config = test::tinyTrainConfigJson(set, dir.filePath("unused").toStdString(), kPixels, 1);
        config["micro_batches"] = microBatches;
        std::ofstream(dir.filePath(name).toStdString()) << config.dump(2);
        return dir.filePath(name);
    };
    const QString oneConfig = writeConfig("one.json", 2), twoConfig = writeConfig("two.json", 1);
    const QString oneRun = dir.filePath("one"), twoRun = dir.filePath("two");

    QElapsedTimer timer;
    timer.start();
    const Run one = runRemap({"train", "pretrain", "--config", oneConfig, "--out", oneRun, "-q"}, 240);
    const qint64 oneMs = timer.restart();
    QVERIFY2(one.exitCode == 0, one.err.constData());
    const Run two = runRemap({"train", "pretrain", "--config", twoConfig, "--out", twoRun, "-q", "--nproc", "2"}, 240);
    const qint64 twoMs = timer.elapsed();
    QVERIFY2(two.exitCode == 0, two.err.constData());
    qInfo("wall time of the tiny run: 1 process %.1f s, 2 processes %.1f s", oneMs / 1000.0, twoMs / 1000.0);

    const auto startOne = recordLines(oneRun, "start"), startTwo = recordLines(twoRun, "start");
    QCOMPARE(startOne.size(), std::size_t{1});
    QCOMPARE(startTwo.size(), std::size_t{1});
    QCOMPARE(startOne[0].at("world_size").get<int>(), 1);
    QCOMPARE(startTwo[0].at("world_size").get<int>(), 2);

    const auto stepsOne = recordLines(oneRun, "step"), stepsTwo = recordLines(twoRun, "step");
    QCOMPARE(stepsOne.size(), std::size_t{5});
    QCOMPARE(stepsTwo.size(), stepsOne.size());
    double worstLoss = 0.0, worstWeight = 0.0;
    for (std::size_t i = 0; i < stepsOne.size(); ++i) {
        QCOMPARE(stepsTwo[i].at("global_step").get<int>(), stepsOne[i].at("global_step").get<int>());
        worstLoss =
            std::max(worstLoss, std::abs(stepsTwo[i].at("loss").get<double>() - stepsOne[i].at("loss").get<double>()));
        REMAP_COMPARE_ABS(qPrintable(QString("loss of step %1").arg(i + 1)), stepsTwo[i].at("loss").get<double>(),
                          stepsOne[i].at("loss").get<double>(), 1e-5);
    }
    // The run learned something: otherwise equal weights would prove little.
    QVERIFY(stepsOne.back().at("loss").get<double>() < stepsOne.front().at("loss").get<double>());

    const auto weightsOne = parametersOf(QDir(oneRun).filePath("model.remap"));
    const auto weightsTwo = parametersOf(QDir(twoRun).filePath("model.remap"));
    QCOMPARE(weightsTwo.size(), weightsOne.size());
    QVERIFY(!weightsOne.empty());
    for (const auto& [name, w] : weightsOne) {
        const auto it = weightsTwo.find(name);
        QVERIFY2(it != weightsTwo.end(), name.c_str());
        QCOMPARE(it->second.sizes(), w.sizes());
        const double diff = (it->second - w).abs().max().item<double>();
        QVERIFY2(diff <= 1e-5, qPrintable(QString("%1 differs by %2").arg(QString::fromStdString(name)).arg(diff)));
        worstWeight = std::max(worstWeight, diff);
    }
    qInfo("largest difference: step loss %.3g, weight %.3g (%zu tensors); loss %.4f -> %.4f", worstLoss, worstWeight,
          weightsOne.size(), stepsOne.front().at("loss").get<double>(), stepsOne.back().at("loss").get<double>());
}

QTEST_GUILESS_MAIN(TestTrainDistributed)
#include "test_train_distributed.moc"
