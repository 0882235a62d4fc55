// REMAP's SAMP client against astropy's SAMP hub and an astropy client (Debian python3-astropy), all on
// 127.0.0.1 in a temporary HOME: discovery by $SAMP_HUB, registration, a spectrum.load.ssa-generic call
// loaded and answered samp.ok (and a bad one samp.error), samp.app.ping, a VOTable written by
// core/tables sent to the Python client and read there by astropy with identical values, and the
// hub's shutdown noticed.

#include "TestSupport.h"
#include "base/Error.h"
#include "io/SpectrumReader.h"
#include "samp/SampClient.h"
#include "samp/SampDispatcher.h"
#include "tables/AspcapTable.h"
#include "tables/TableWriters.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cmath>

using namespace remap::samp;

namespace {

// Loads the spectrum the way the GUI will (core/io), answering a moment later as a background load would.
class TestLoadHandler : public SampLoadHandler {
public:
    QList<SpectrumLoadRequest> spectra;
    QList<TableLoadRequest> tables;

    void loadSpectrum(const SpectrumLoadRequest& request, SampReply reply) override
    {
        spectra.push_back(request);
        QTimer::singleShot(50, [request, reply] {
            try {
                const remap::Spectrum s = remap::readSpectrum(request.url.toLocalFile().toStdString());
                reply.ok({{"pixels", QString::number(s.flux.size())}});
            } catch (const remap::Error& e) {
                reply.error(QString::fromUtf8(e.what()));
            }
        });
    }
    void loadTable(const TableLoadRequest& request, SampReply reply) override
    {
        tables.push_back(request);
        reply.ok();
    }
};

}  // namespace

class TestSampAstropy : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString skipReason_;
    QProcess peer_;
    QByteArray pending_;
    QList<QJsonObject> events_;
    QString peerErrors_;
    TestLoadHandler handler_;
    SampClient* client_ = nullptr;
    SampDispatcher* dispatcher_ = nullptr;
    QString ourIdSeenByPeer_;

    void send(const QJsonObject& command) { peer_.write(QJsonDocument(command).toJson(QJsonDocument::Compact) + "\n"); }

    // The next event of this kind from the peer; an empty object after `timeoutMs`.
    QJsonObject waitEvent(const QString& kind, int timeoutMs = 15000)
    {
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < timeoutMs) {
            for (qsizetype i = 0; i < events_.size(); ++i)
                if (events_[i]["event"].toString() == kind) return events_.takeAt(i);
            if (peer_.state() == QProcess::NotRunning && events_.isEmpty()) break;
            QTest::qWait(10);
        }
        qWarning("no '%s' event from samp_peer.py; its stderr: %s", qPrintable(kind), qPrintable(peerErrors_));
        return {};
    }

private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        QProcess probe;
        probe.start("/usr/bin/python3", {"-c", "import astropy.samp"});
        if (!probe.waitForFinished(30000) || probe.exitCode() != 0) {
            skipReason_ = "astropy is not installed for /usr/bin/python3 (Debian python3-astropy)";
            return;
        }
        const QString lockfile = dir_.filePath("samp-lock");
        // The hub, the Python client and our client all look only at this temporary lockfile and HOME.
        const QByteArray sampHub = "std-lockurl:" + QUrl::fromLocalFile(lockfile).toEncoded();
        qputenv("SAMP_HUB", sampHub);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("HOME", dir_.path());
        env.insert("XDG_CONFIG_HOME", dir_.path());
        env.insert("XDG_CACHE_HOME", dir_.path());
        env.insert("SAMP_HUB", QString::fromUtf8(sampHub));
        env.remove("http_proxy");
        env.remove("HTTP_PROXY");
        peer_.setProcessEnvironment(env);
        connect(&peer_, &QProcess::readyReadStandardOutput, this, [this] {
            pending_ += peer_.readAllStandardOutput();
            qsizetype nl;
            while ((nl = pending_.indexOf('\n')) >= 0) {
                const auto doc = QJsonDocument::fromJson(pending_.left(nl));
                pending_.remove(0, nl + 1);
                if (doc.isObject()) events_.push_back(doc.object());
            }
        });
        connect(&peer_, &QProcess::readyReadStandardError, this,
                [this] { peerErrors_ += QString::fromUtf8(peer_.readAllStandardError()); });
        peer_.start("/usr/bin/python3",
                    {QString::fromStdString(remap::test::sourceDir()) + "/tests/samp/samp_peer.py", lockfile});
        QVERIFY2(!waitEvent("ready", 30000).isEmpty(), "the astropy hub did not start");
        QVERIFY(QFile::exists(lockfile));

        SampClientOptions options;
        options.subscriptions = SampDispatcher::subscriptions();
        options.version = "test";
        client_ = new SampClient(options, this);
        dispatcher_ = new SampDispatcher(client_, &handler_, this);
    }

    void registersWithTheHub()
    {
        if (!skipReason_.isEmpty()) QSKIP(qPrintable(skipReason_));
        QSignalSpy connected(client_, &SampClient::connected);
        QSignalSpy failed(client_, &SampClient::connectionFailed);
        client_->connectToHub();  // discovery through $SAMP_HUB
        QVERIFY2(connected.wait(10000) || !connected.isEmpty(),
                 failed.isEmpty() ? "no answer" : qPrintable(failed.front().front().toString()));
        QVERIFY(client_->isConnected());
        QVERIFY(client_->callbackUrl().host() == "127.0.0.1");

        send({{"cmd", "find"}, {"name", "REMAP Studio"}});
        const QJsonObject found = waitEvent("found");
        ourIdSeenByPeer_ = found["id"].toString();
        QCOMPARE(ourIdSeenByPeer_, client_->selfId());
        QStringList subscriptions;
        for (const auto& s : found["subscriptions"].toArray()) subscriptions << s.toString();
        for (const char* m : {"spectrum.load.ssa-generic", "table.load.votable", "table.load.fits", "samp.app.ping"})
            QVERIFY2(subscriptions.contains(m), m);
        // Our list of clients knows the Python client by its samp.name.
        QTRY_VERIFY_WITH_TIMEOUT(client_->clientsSubscribedTo("table.load.votable").size() == 1, 5000);
        QCOMPARE(client_->clientsSubscribedTo("table.load.votable").front().name(), QString("python-peer"));
    }

    void answersPing()
    {
        if (!skipReason_.isEmpty()) QSKIP(qPrintable(skipReason_));
        send({{"cmd", "call"}, {"id", ourIdSeenByPeer_}, {"mtype", "samp.app.ping"}, {"params", QJsonObject()}});
        const QJsonObject r = waitEvent("response");
        QCOMPARE(r["response"].toObject()["samp.status"].toString(), QString("samp.ok"));
    }

    void loadsASpectrumAndAnswersOk()
    {
        if (!skipReason_.isEmpty()) QSKIP(qPrintable(skipReason_));
        const QString path = QString::fromStdString(remap::test::fixture("fits/spec-1234-52000-0123.fits"));
        QJsonObject params{{"url", QString(QUrl::fromLocalFile(path).toEncoded())},
                           {"name", "SDSS 1234-52000-0123"},
                           {"meta", QJsonObject{{"Access.Format", "application/fits"}, {"Target.Name", "star"}}}};
        send({{"cmd", "call"},
              {"id", ourIdSeenByPeer_},
              {"mtype", "spectrum.load.ssa-generic"},
              {"params", params},
              {"fits_rows_of", path}});
        const QJsonObject r = waitEvent("response");
        const QJsonObject response = r["response"].toObject();
        QVERIFY2(response["samp.status"].toString() == "samp.ok", qPrintable(QJsonDocument(r).toJson()));
        // What we loaded has as many pixels as astropy finds rows in the file's COADD table.
        QCOMPARE(response["samp.result"].toObject()["pixels"].toString(), QString::number(r["astropy_rows"].toInt()));
        QCOMPARE(handler_.spectra.size(), 1);
        QCOMPARE(handler_.spectra.front().url.toLocalFile(), path);
        QCOMPARE(handler_.spectra.front().name, QString("SDSS 1234-52000-0123"));
        QCOMPARE(handler_.spectra.front().meta.value("Target.Name").toString(), QString("star"));
        QCOMPARE(handler_.spectra.front().senderName, QString("python-peer"));
    }

    void refusesBadSpectraWithSampError_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("words");
        const QString bad = QString::fromStdString(remap::test::fixture("fits/bad_truncated.fits"));
        QTest::newRow("truncated file") << QString(QUrl::fromLocalFile(bad).toEncoded()) << "bad_truncated.fits";
        QTest::newRow("no url") << QString() << "needs a url";
        QTest::newRow("other scheme") << "ftp://example.org/x.fits"
                                      << "not a file:, http: or https: URL";
    }

    void refusesBadSpectraWithSampError()
    {
        if (!skipReason_.isEmpty()) QSKIP(qPrintable(skipReason_));
        QFETCH(QString, url);
        QFETCH(QString, words);
        QJsonObject params;
        if (!url.isEmpty()) params["url"] = url;
        send({{"cmd", "call"}, {"id", ourIdSeenByPeer_}, {"mtype", "spectrum.load.ssa-generic"}, {"params", params}});
        const QJsonObject response = waitEvent("response")["response"].toObject();
        QCOMPARE(response["samp.status"].toString(), QString("samp.error"));
        const QString text = response["samp.error"].toObject()["samp.errortxt"].toString();
        QVERIFY2(text.contains(words), qPrintable(text));
    }

    void sendsATableThatArrivesIntact()
    {
        if (!skipReason_.isEmpty()) QSKIP(qPrintable(skipReason_));
        remap::tables::StarResult sun;
        sun.file = "/data/sun.fits";
        sun.teff = {5772.25, 41.5, 5731.0, 5772.25, 5814.0};
        sun.logg = {4.438, 0.07, 4.36, 4.438, 4.51};
        sun.feh = {0.0125, 0.05, -0.04, 0.0125, 0.06};
        sun.snr = 312.75;
        sun.flags = 1;
        remap::tables::StarResult giant = sun;
        giant.file = "/data/giant.fits";
        giant.teff.value = 4499.5;
        giant.vhelio = -42.125;
        const auto table = remap::tables::aspcapTable({sun, giant}, {"deep-remap", "test", "posterior median"});
        const QString path = dir_.filePath("results.vot");
        remap::tables::writeVoTable(path.toStdString(), table);

        const auto peers = client_->clientsSubscribedTo("table.load.votable");
        QCOMPARE(peers.size(), 1);
        QSignalSpy responses(client_, &SampClient::responseReceived);
        QSignalSpy failures(client_, &SampClient::sendFailed);
        const QString tag = client_->call(peers.front().id, "table.load.votable",
                                          {{"url", QString(QUrl::fromLocalFile(path).toEncoded())},
                                           {"name", "REMAP results"},
                                           {"table-id", "remap-1"}});
        const QJsonObject arrived = waitEvent("table");
        QVERIFY2(!arrived.contains("error"), qPrintable(arrived["error"].toString()));
        QCOMPARE(arrived["params"].toObject()["name"].toString(), QString("REMAP results"));
        QCOMPARE(arrived["sender"].toString(), client_->selfId());
        const QJsonObject columns = arrived["columns"].toObject();
        for (const auto& c : table.columns()) {
            const QJsonObject theirs = columns[QString::fromStdString(c.name)].toObject();
            QVERIFY2(!theirs.isEmpty(), c.name.c_str());
            const QJsonArray values = theirs["values"].toArray();
            QCOMPARE(values.size(), qsizetype(2));
            for (qsizetype r = 0; r < 2; ++r) {
                const auto row = std::size_t(r);
                if (c.type() == remap::tables::ColumnType::Double) {
                    if (std::isnan(c.doubles()[row]))
                        QCOMPARE(values[r].toString(), QString("masked"));
                    else
                        QCOMPARE(values[r].toDouble(), c.doubles()[row]);
                } else if (c.type() == remap::tables::ColumnType::Int64) {
                    QCOMPARE(values[r].toString(), QString::number(c.ints()[row]));
                } else if (c.type() == remap::tables::ColumnType::String) {
                    QCOMPARE(values[r].toString(), QString::fromStdString(c.strings()[row]));
                }
            }
        }
        QCOMPARE(columns["TEFF"].toObject()["unit"].toString(), QString("K"));
        QTRY_VERIFY_WITH_TIMEOUT(!responses.isEmpty() || !failures.isEmpty(), 10000);
        QVERIFY2(failures.isEmpty(), failures.isEmpty() ? "" : qPrintable(failures.front().at(1).toString()));
        QCOMPARE(responses.front().at(0).toString(), tag);
        const auto response = responses.front().at(2).value<SampResponse>();
        QCOMPARE(response.status, SampResponse::Status::Ok);
        QCOMPARE(response.result.value("rows").toString(), QString("2"));
    }

    void noticesTheHubShuttingDown()
    {
        if (!skipReason_.isEmpty()) QSKIP(qPrintable(skipReason_));
        QSignalSpy disconnected(client_, &SampClient::disconnected);
        send({{"cmd", "stop"}});
        QVERIFY(disconnected.wait(10000) || !disconnected.isEmpty());
        QVERIFY2(disconnected.front().front().toString().contains("shut down"),
                 qPrintable(disconnected.front().front().toString()));
        QVERIFY(!client_->isConnected());
        QVERIFY(client_->clients().isEmpty());
        QVERIFY(peer_.waitForFinished(15000));
        // Sending now fails cleanly instead of hanging.
        QSignalSpy failures(client_, &SampClient::sendFailed);
        client_->notifyAll("table.load.votable", {{"url", "file:///x.vot"}});
        QVERIFY(failures.wait(2000) || !failures.isEmpty());
    }

    void cleanupTestCase()
    {
        delete dispatcher_;
        delete client_;
        if (peer_.state() != QProcess::NotRunning) {
            peer_.closeWriteChannel();
            if (!peer_.waitForFinished(5000)) {
                peer_.kill();
                peer_.waitForFinished(2000);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestSampAstropy)
#include "test_samp_astropy.moc"
