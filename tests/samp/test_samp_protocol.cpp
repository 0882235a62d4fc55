// The SAMP client's own parts: XML-RPC encoded and decoded as Python's xmlrpc.client does (the peer
// every astropy hub uses), malformed XML refused, lockfile discovery, and a client facing a hub that
// is absent, silent, talks garbage, refuses, or disappears: always a clear signal within the time
// limit, never a hang. All sockets are on 127.0.0.1.

#include "TestSupport.h"
#include "base/Error.h"
#include "samp/HubDiscovery.h"
#include "samp/SampClient.h"
#include "samp/XmlRpc.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace remap::samp;

namespace {

QByteArray python(const QString& code, const QByteArray& input = {})
{
    QProcess p;
    p.start("/usr/bin/python3", {"-c", code});
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(30000) || p.exitCode() != 0) return "ERROR " + p.readAllStandardError();
    return p.readAllStandardOutput();
}

// A stand-in hub speaking just enough XML-RPC over HTTP, in one of several (mis)behaviours.
class FakeHub : public QObject {
public:
    enum class Mode { Good, Silent, Garbage, Fault };
    Mode mode = Mode::Good;
    QTcpServer server;
    QList<XmlRpcCall> calls;
    QList<QTcpSocket*> held;

    FakeHub()
    {
        server.listen(QHostAddress::LocalHost, 0);
        connect(&server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = server.nextPendingConnection()) {
                auto buffer = std::make_shared<QByteArray>();
                connect(s, &QTcpSocket::readyRead, this, [this, s, buffer] { onData(s, *buffer); });
            }
        });
    }

    HubEndpoint endpoint() const
    {
        HubEndpoint hub;
        hub.secret = "s3cret";
        hub.profileVersion = "1.3";
        hub.xmlrpcUrl = QUrl("http://127.0.0.1:" + QString::number(server.serverPort()) + "/");
        return hub;
    }

    QStringList methods() const
    {
        QStringList out;
        for (const auto& c : calls) out << c.method;
        return out;
    }

private:
    void onData(QTcpSocket* s, QByteArray& buffer)
    {
        buffer += s->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0) return;
        qsizetype length = 0;
        for (const QByteArray& line : buffer.left(end).split('\n'))
            if (line.toLower().startsWith("content-length:")) length = line.mid(15).trimmed().toLongLong();
        if (buffer.size() < end + 4 + length) return;
        const XmlRpcCall call = decodeCall(buffer.mid(end + 4, length));
        buffer.clear();
        calls.push_back(call);
        QByteArray body;
        switch (mode) {
            case Mode::Silent:
                held.push_back(s);
                return;
            case Mode::Garbage:
                body = "<html>not xml-rpc";
                break;
            case Mode::Fault:
                body = encodeFault(7, "Bad secret code");
                break;
            case Mode::Good:
                body = call.method == "samp.hub.register"
                           ? encodeResponse(QVariantMap{
                                 {"samp.private-key", "key-1"}, {"samp.self-id", "cli#1"}, {"samp.hub-id", "hub"}})
                       : call.method == "samp.hub.getRegisteredClients" ? encodeResponse(QVariantList{"hub"})
                                                                        : encodeResponse(QVariantMap());
        }
        s->write("HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\nContent-Length: " + QByteArray::number(body.size()) +
                 "\r\n\r\n" + body);
        s->disconnectFromHost();
    }
};

// One raw HTTP exchange with our callback server, which runs in this thread: wait with the event loop.
QByteArray post(const QUrl& url, const QByteArray& request)
{
    QTcpSocket s;
    s.connectToHost("127.0.0.1", quint16(url.port()));
    s.write(request);
    QByteArray answer;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 3000) {
        QTest::qWait(5);
        answer += s.readAll();
        if (s.state() == QAbstractSocket::UnconnectedState) break;
    }
    return answer;
}

QByteArray httpPost(const QByteArray& body)
{
    return "POST /xmlrpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: " +
           QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

class TestSampProtocol : public QObject {
    Q_OBJECT

    SampClientOptions quickOptions()
    {
        SampClientOptions o;
        o.callTimeoutMs = 500;
        o.pingIntervalMs = 200;
        o.requestTimeoutMs = 500;
        o.subscriptions = {"spectrum.load.ssa-generic"};
        return o;
    }

private slots:
    void encodingReadsInPython()
    {
        const QVariantMap value{{"text", QString::fromUtf8("caf\xc3\xa9 <&> \"q\"")},
                                {"int", 42},
                                {"big", qlonglong(1) << 40},
                                {"yes", true},
                                {"x", 0.1},
                                {"list", QVariantList{"a", QVariantMap{{"k", "v"}}}},
                                {"empty", QVariantMap()}};
        const QByteArray xml = encodeCall("samp.hub.notify", {"key", value});
        const QByteArray out = python(
            "import sys, json, xmlrpc.client as x\n"
            "p, m = x.loads(sys.stdin.buffer.read())\n"
            "print(json.dumps({'method': m, 'params': p}))",
            xml);
        const QJsonObject json = QJsonDocument::fromJson(out).object();
        QVERIFY2(!json.isEmpty(), out.constData());
        QCOMPARE(json["method"].toString(), QString("samp.hub.notify"));
        const QJsonObject v = json["params"].toArray()[1].toObject();
        QCOMPARE(v["text"].toString(), QString::fromUtf8("caf\xc3\xa9 <&> \"q\""));
        QCOMPARE(v["int"].toInt(), 42);
        QCOMPARE(v["big"].toDouble(), double(qlonglong(1) << 40));
        QCOMPARE(v["yes"].toBool(), true);
        QCOMPARE(v["x"].toDouble(), 0.1);
        QCOMPARE(v["list"].toArray()[1].toObject()["k"].toString(), QString("v"));
    }

    void decodesWhatPythonWrites()
    {
        const QByteArray xml = python(
            "import sys, xmlrpc.client as x\n"
            "sys.stdout.write(x.dumps(({'samp.mtype': 'table.load.votable', 'n': 7, "
            "'f': 2.5, 'b': False, 'l': ['x', {}], 's': 'caf\\u00e9 <&>'},), "
            "methodresponse=True, allow_none=True))");
        const XmlRpcResponse r = decodeResponse(xml);
        QVERIFY(!r.fault);
        const QVariantMap m = r.value.toMap();
        QCOMPARE(m["samp.mtype"].toString(), QString("table.load.votable"));
        QCOMPARE(m["n"].toLongLong(), 7LL);
        QCOMPARE(m["f"].toDouble(), 2.5);
        QCOMPARE(m["b"].toBool(), false);
        QCOMPARE(m["l"].toList().size(), qsizetype(2));
        QCOMPARE(m["s"].toString(), QString::fromUtf8("caf\xc3\xa9 <&>"));
        const QByteArray fault = python(
            "import sys, xmlrpc.client as x\n"
            "sys.stdout.write(x.dumps(x.Fault(5, 'Private-key expired')))");
        const XmlRpcResponse f = decodeResponse(fault);
        QVERIFY(f.fault);
        QCOMPARE(f.fault->code, 5);
        QCOMPARE(f.fault->message, QString("Private-key expired"));
        // A value without a type element is a string (XML-RPC's default).
        QCOMPARE(decodeCall("<methodCall><methodName>m</methodName><params><param><value>plain</value></param>"
                            "</params></methodCall>")
                     .params.front()
                     .toString(),
                 QString("plain"));
    }

    void samplesValuesAsStrings()
    {
        const QVariantMap m = toSampValue(QVariantMap{{"b", true}, {"i", 3}, {"d", 0.1}}).toMap();
        QCOMPARE(m["b"], QVariant("1"));
        QCOMPARE(m["i"], QVariant("3"));
        QCOMPARE(m["d"], QVariant("0.1"));
    }

    void refusesMalformedXml_data()
    {
        QTest::addColumn<QByteArray>("xml");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("not xml") << QByteArray("HTTP garbage");
        QTest::newRow("truncated") << QByteArray("<methodResponse><params><param><value><string>x");
        QTest::newRow("wrong root") << QByteArray("<html/>");
        QTest::newRow("unknown type") << QByteArray(
            "<methodResponse><params><param><value><float>1</float></value></param></params></methodResponse>");
        QTest::newRow("bad int") << QByteArray(
            "<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>");
        QTest::newRow("two values") << QByteArray(
            "<methodResponse><params><param><value>a</value></param><param><value>b</value></param></params>"
            "</methodResponse>");
        QTest::newRow("dtd") << QByteArray("<!DOCTYPE m [<!ENTITY a 'x'>]><methodResponse/>");
        QByteArray deep = "<methodResponse><params><param>";
        for (int i = 0; i < 100; ++i) deep += "<value><array><data>";
        QTest::newRow("too deep") << deep;
    }

    void refusesMalformedXml()
    {
        QFETCH(QByteArray, xml);
        QVERIFY_THROWS_EXCEPTION(remap::Error, decodeResponse(xml));
    }

    void findsTheLockfile()
    {
        QCOMPARE(lockfilePath("", "/home/u"), QString("/home/u/.samp"));
        QCOMPARE(lockfilePath("std-lockurl:file:///tmp/a%20b/lock", "/home/u"), QString("/tmp/a b/lock"));
        QVERIFY_THROWS_EXCEPTION(remap::Error, lockfilePath("std-lockurl:http://example.org/lock", "/h"));
        QVERIFY_THROWS_EXCEPTION(remap::Error, lockfilePath("web-profile", "/h"));

        QTemporaryDir dir;
        const auto write = [&](const QByteArray& text) {
            QFile f(dir.filePath("lock"));
            f.open(QIODevice::WriteOnly);
            f.write(text);
            return f.fileName();
        };
        const HubEndpoint hub =
            readLockfile(write("# SAMP lockfile\nsamp.secret=abc\nsamp.hub.xmlrpc.url="
                               "http://127.0.0.1:4321\nsamp.profile.version=1.3\nhub.label=x\n"));
        QCOMPARE(hub.secret, QString("abc"));
        QCOMPARE(hub.xmlrpcUrl.port(), 4321);
        QCOMPARE(hub.entries.value("hub.label"), QString("x"));
        try {
            readLockfile(write("samp.secret=abc\nsamp.profile.version=1.3\n"));
            QFAIL("a lockfile without a URL was accepted");
        } catch (const remap::Error& e) {
            QVERIFY2(QString(e.what()).contains("samp.hub.xmlrpc.url"), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(
            remap::Error,
            readLockfile(write("samp.secret=a\nsamp.hub.xmlrpc.url=ftp://x\nsamp.profile.version=1.3\n")));
        try {
            readLockfile(dir.filePath("none"));
            QFAIL("a missing lockfile was accepted");
        } catch (const remap::Error& e) {
            QVERIFY2(QString(e.what()).contains("no SAMP hub is running"), e.what());
        }
    }

    void badHubsFailClearlyAndQuickly_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<QString>("words");
        QTest::newRow("silent") << int(FakeHub::Mode::Silent) << "no answer within";
        QTest::newRow("garbage") << int(FakeHub::Mode::Garbage) << "malformed XML-RPC";
        QTest::newRow("refusing") << int(FakeHub::Mode::Fault) << "Bad secret code";
        QTest::newRow("absent") << -1 << "refused";
    }

    void badHubsFailClearlyAndQuickly()
    {
        QFETCH(int, mode);
        QFETCH(QString, words);
        FakeHub hub;
        HubEndpoint endpoint = hub.endpoint();
        if (mode < 0)
            hub.server.close();
        else
            hub.mode = FakeHub::Mode(mode);
        SampClient client(quickOptions());
        QSignalSpy failed(&client, &SampClient::connectionFailed);
        QElapsedTimer clock;
        clock.start();
        client.connectToHub(endpoint);
        QVERIFY(failed.wait(5000) || !failed.isEmpty());
        QVERIFY2(clock.elapsed() < 3000, "the failure took longer than the call time limit allows");
        QVERIFY2(failed.front().front().toString().contains(words), qPrintable(failed.front().front().toString()));
        QCOMPARE(client.state(), SampClient::State::Disconnected);
    }

    void callbackServerSurvivesBadRequests()
    {
        FakeHub hub;
        SampClient client(quickOptions());
        QSignalSpy connected(&client, &SampClient::connected);
        client.connectToHub(hub.endpoint());
        QVERIFY(connected.wait(3000) || !connected.isEmpty());
        QCOMPARE(hub.methods().mid(0, 4), QStringList({"samp.hub.register", "samp.hub.setXmlrpcCallback",
                                                       "samp.hub.declareMetadata", "samp.hub.declareSubscriptions"}));
        const QUrl url = client.callbackUrl();
        QCOMPARE(url.host(), QString("127.0.0.1"));

        QVERIFY(post(url, "GARBAGE\r\n\r\n").startsWith("HTTP/1.1 400"));
        QVERIFY(post(url, "GET / HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 405"));
        QVERIFY(post(url, "POST / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n").startsWith("HTTP/1.1 413"));
        QVERIFY(post(url, httpPost("<methodCall>")).contains("<fault>"));
        const QByteArray wrongKey = encodeCall("samp.client.receiveNotification",
                                               {"not-the-key", "hub", QVariantMap{{"samp.mtype", "samp.app.ping"}}});
        QVERIFY(post(url, httpPost(wrongKey)).contains("wrong private key"));
        // An unfinished request is dropped after the request time limit, not waited on forever.
        QElapsedTimer clock;
        clock.start();
        post(url, "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
        QVERIFY(clock.elapsed() < 2500);
        QVERIFY(client.isConnected());

        // A ping call from "cli#2" is answered through samp.hub.reply with samp.ok.
        const QByteArray ping = encodeCall("samp.client.receiveCall",
                                           {"key-1", "cli#2", "msg-7", QVariantMap{{"samp.mtype", "samp.app.ping"}}});
        QVERIFY(post(url, httpPost(ping)).contains("<methodResponse>"));
        QTRY_VERIFY_WITH_TIMEOUT(hub.methods().contains("samp.hub.reply"), 2000);
        const XmlRpcCall reply = hub.calls[hub.methods().indexOf("samp.hub.reply")];
        QCOMPARE(reply.params.size(), 3);
        QCOMPARE(reply.params[1].toString(), QString("msg-7"));
        QCOMPARE(reply.params[2].toMap()["samp.status"].toString(), QString("samp.ok"));

        // A call for an MType nobody handles is answered samp.error, not left waiting.
        const QByteArray unhandled =
            encodeCall("samp.client.receiveCall", {"key-1", "cli#2", "msg-8",
                                                   QVariantMap{{"samp.mtype", "spectrum.load.ssa-generic"},
                                                               {"samp.params", QVariantMap{{"url", "file:///x"}}}}});
        post(url, httpPost(unhandled));
        QTRY_VERIFY_WITH_TIMEOUT(hub.methods().count("samp.hub.reply") == 2, 2000);
        // The client's keep-alive pings may arrive after the reply: look the reply up by method name.
        const XmlRpcCall second = hub.calls[hub.methods().lastIndexOf("samp.hub.reply")];
        QCOMPARE(second.params.size(), 3);
        QCOMPARE(second.params[1].toString(), QString("msg-8"));
        QCOMPARE(second.params[2].toMap()["samp.status"].toString(), QString("samp.error"));

        // The hub goes away without a word: the pings notice it.
        QSignalSpy disconnected(&client, &SampClient::disconnected);
        hub.server.close();
        hub.mode = FakeHub::Mode::Silent;
        QVERIFY(disconnected.wait(3000) || !disconnected.isEmpty());
        QVERIFY2(disconnected.front().front().toString().contains("hub"),
                 qPrintable(disconnected.front().front().toString()));
    }

    void hubDisconnectEventEndsTheConnection()
    {
        FakeHub hub;
        SampClient client(quickOptions());
        QSignalSpy connected(&client, &SampClient::connected);
        client.connectToHub(hub.endpoint());
        QVERIFY(connected.wait(3000) || !connected.isEmpty());
        QSignalSpy disconnected(&client, &SampClient::disconnected);
        const QByteArray bye = encodeCall(
            "samp.client.receiveNotification",
            {"key-1", "hub",
             QVariantMap{{"samp.mtype", "samp.hub.disconnect"}, {"samp.params", QVariantMap{{"reason", "timeout"}}}}});
        post(client.callbackUrl(), httpPost(bye));
        QVERIFY(disconnected.wait(2000) || !disconnected.isEmpty());
        QVERIFY(disconnected.front().front().toString().contains("timeout"));
        QVERIFY(!client.isConnected());
    }

    void destructorUnregisters()
    {
        FakeHub hub;
        {
            SampClient client(quickOptions());
            QSignalSpy connected(&client, &SampClient::connected);
            client.connectToHub(hub.endpoint());
            QVERIFY(connected.wait(3000) || !connected.isEmpty());
        }
        // The blocking unregister reached the hub's socket; let the fake hub read it.
        QTRY_VERIFY_WITH_TIMEOUT(hub.methods().contains("samp.hub.unregister"), 2000);
    }
};

QTEST_GUILESS_MAIN(TestSampProtocol)
#include "test_samp_protocol.moc"
