// `remap train` as a user runs it: the default config, a tiny pretraining run producing a bundle
// ModelBundle::load accepts, resume with more epochs, Ctrl-C (status 130 and a checkpoint), usage errors.
#include "TestSupport.h"
#include "TinyTrainingData.h"
#include "ml/ModelBundle.h"
#include "train/RunRecord.h"
#include "train/TrainConfig.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <csignal>
#include <filesystem>
#include <fstream>

using namespace remap;

namespace {

using remap::test::Run;
using remap::test::runRemap;

nlohmann::json parse(const QByteArray& text)
{
    return nlohmann::json::parse(text.toStdString());
}

}  // namespace

class TestTrainCli : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString path(const QString& name) const { return dir_.filePath(name); }

    // A config in the temporary folder with paths relative to it (as a user would write it).
    QString writeConfig(const QString& name, int epochs, const nlohmann::json& extra = nlohmann::json::object())
    {
        auto j = test::tinyTrainConfigJson("tiny.h5", "run-from-config", 128, epochs);
        j.merge_patch(extra);
        std::ofstream(path(name).toStdString()) << j.dump(2);
        return path(name);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        test::writeTinyTrainingSet(path("tiny.h5").toStdString(), 160, 128, 11);
    }

    void defaultConfigIsComplete()
    {
        const auto run = runRemap({"train", "config"});
        QCOMPARE(run.exitCode, 0);
        const auto j = parse(run.out);
        // Every key of the defaults, nothing else: reading it back gives the defaults again.
        QCOMPARE(j, train::TrainConfig{}.toJson());
        QCOMPARE(train::TrainConfig::fromJson(j).toJson(), j);

        const auto fine = runRemap({"train", "config", "--mode", "finetune"});
        QCOMPARE(fine.exitCode, 0);
        QCOMPARE(parse(fine.out)["mode"].get<std::string>(), std::string("finetune"));
    }

    void pretrainWritesALoadableBundle()
    {
        const QString config = writeConfig("tiny.json", 2);
        const auto run = runRemap({"train", "pretrain", "--config", config, "--out", path("run"), "--json", "-q"});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        const auto j = parse(run.out);
        QCOMPARE(j["status"].get<std::string>(), std::string("finished"));
        QCOMPARE(j["epochs_done"].get<int>(), 2);
        QCOMPARE(QString::fromStdString(j["bundle"].get<std::string>()), path("run/model.remap"));
        QVERIFY(j["metrics"]["teff"]["n"].get<int>() == 32);  // 20 % of 160 rows held out

        const auto bundle = ModelBundle::load(path("run/model.remap").toStdString());
        QCOMPARE(bundle.card().network, test::tinyNetworkConfig(128));
        QCOMPARE(bundle.card().training["mode"].get<std::string>(), std::string("pretrain"));
        QVERIFY(!bundle.reference().empty());
        const auto record = train::RunRecord::read(path("run").toStdString());
        QCOMPARE(record.status(), std::string("finished"));
        QVERIFY(record.start["command"].get<std::string>().find("--out") != std::string::npos);

        // More epochs on the finished run continue it from its checkpoint.
        const auto more = runRemap({"train", "pretrain", "--config", config, "--out", path("run"), "--resume",
                                    "--epochs", "3", "--json", "-q"});
        QVERIFY2(more.exitCode == 0, more.err.constData());
        QCOMPARE(parse(more.out)["epochs_done"].get<int>(), 3);
        QCOMPARE(train::RunRecord::read(path("run").toStdString()).epochs.size(), std::size_t(3));
    }

    void progressLinesOnStderr()
    {
        const QString config = writeConfig("tiny.json", 1);
        const auto run = runRemap({"train", "pretrain", "--config", config, "--out", path("progress")});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.err.contains("epoch 1/1") && run.err.contains("spectra/s") && run.err.contains("ETA"),
                 run.err.constData());
        QVERIFY2(run.err.contains("val loss"), run.err.constData());  // the epoch table
        QVERIFY2(run.out.contains("model.remap") && run.out.contains("RMSE"), run.out.constData());
    }

    void interruptWritesACheckpoint()
    {
        const QString config = writeConfig("long.json", 500);
        QProcess p;
        p.start(REMAP_EXE, {"train", "pretrain", "--config", config, "--out", path("interrupted"), "-q"});
        QVERIFY(p.waitForStarted());
        // Wait for the first step in the record, then press Ctrl-C.
        const std::string record = path("interrupted/record.jsonl").toStdString();
        QElapsedTimer timer;
        timer.start();
        bool stepped = false;
        while (!stepped && timer.elapsed() < 60000) {
            QThread::msleep(50);
            std::ifstream in(record);
            std::string line;
            while (std::getline(in, line))
                if (line.find("\"type\":\"step\"") != std::string::npos) stepped = true;
        }
        QVERIFY(stepped);
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 130);
        QVERIFY(std::filesystem::is_regular_file(path("interrupted/checkpoint.pt").toStdString()));
        QCOMPARE(train::RunRecord::read(path("interrupted").toStdString()).status(), std::string("cancelled"));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("no config") << QStringList{"train", "pretrain"} << 2 << "--config";
        QTest::newRow("finetune without --from")
            << QStringList{"train", "finetune", "--config", "CONFIG"} << 2 << "--from";
        QTest::newRow("bad device") << QStringList{"train", "pretrain", "--config", "CONFIG", "--device", "tpu"} << 2
                                    << "tpu";
        QTest::newRow("unknown key") << QStringList{"train", "pretrain", "--config", "TYPO"} << 1 << "typo.json";
        QTest::newRow("mode of the file")
            << QStringList{"train", "finetune", "--config", "PRETRAIN", "--from", "CONFIG"} << 2 << "pretrain";
    }
    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(int, status);
        QFETCH(QString, mentions);
        const QString config = writeConfig("tiny.json", 1);
        {
            std::ofstream(path("typo.json").toStdString()) << R"({"train_set": "tiny.h5", "epoch": 3})";
            std::ofstream(path("pretrain.json").toStdString()) << R"({"mode": "pretrain", "train_set": "tiny.h5"})";
        }
        for (auto& a : args) {
            if (a == "CONFIG") a = config;
            if (a == "TYPO") a = path("typo.json");
            if (a == "PRETRAIN") a = path("pretrain.json");
        }
        const auto run = runRemap(args);
        QVERIFY2(run.exitCode == status, run.err.constData());
        QVERIFY2(run.err.contains(mentions.toUtf8()), run.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestTrainCli)
#include "test_train_cli.moc"
