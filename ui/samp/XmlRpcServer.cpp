#include "XmlRpcServer.h"

#include "base/Error.h"

#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace remap::samp {
namespace {

constexpr int kMaxHeaderBytes = 16 * 1024;
constexpr int kMaxConnections = 64;

QByteArray httpResponse(int status, const char* reason, const QByteArray& body, const char* type = "text/xml")
{
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\nContent-Type: " + type +
           "; charset=utf-8\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" +
           body;
}

}  // namespace

XmlRpcServer::XmlRpcServer(Handler handler, QObject* parent) : QObject(parent), handler_(std::move(handler))
{
    connect(&server_, &QTcpServer::newConnection, this, &XmlRpcServer::onNewConnection);
}

bool XmlRpcServer::listen()
{
    return server_.isListening() || server_.listen(QHostAddress::LocalHost, 0);
}

void XmlRpcServer::close()
{
    server_.close();
}

QUrl XmlRpcServer::url() const
{
    QUrl u;
    u.setScheme("http");
    u.setHost("127.0.0.1");
    u.setPort(server_.serverPort());
    u.setPath("/xmlrpc");
    return u;
}

void XmlRpcServer::onNewConnection()
{
    while (QTcpSocket* socket = server_.nextPendingConnection()) {
        if (openConnections_ >= kMaxConnections || !socket->peerAddress().isLoopback()) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        ++openConnections_;
        socket->setParent(this);
        auto* timer = new QTimer(socket);
        timer->setSingleShot(true);
        connect(timer, &QTimer::timeout, socket, &QTcpSocket::abort);
        timer->start(requestTimeoutMs_);
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            --openConnections_;
            socket->deleteLater();
        });
        auto buffer = std::make_shared<QByteArray>();
        auto answered = std::make_shared<bool>(false);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer, answered] {
            if (*answered) {
                socket->readAll();
                return;
            }
            buffer->append(socket->readAll());
            const auto respond = [&](const QByteArray& response) {
                *answered = true;
                socket->write(response);
                socket->disconnectFromHost();
            };
            const qsizetype headerEnd = buffer->indexOf("\r\n\r\n");
            if (headerEnd < 0) {
                if (buffer->size() > kMaxHeaderBytes) respond(httpResponse(431, "Request Header Fields Too Large", {}));
                return;
            }
            const QList<QByteArray> lines = buffer->left(headerEnd).split('\n');
            const QList<QByteArray> requestLine = lines.front().trimmed().split(' ');
            if (requestLine.size() != 3 || !requestLine[2].startsWith("HTTP/1."))
                return respond(httpResponse(400, "Bad Request", {}));
            if (requestLine[0] != "POST") return respond(httpResponse(405, "Method Not Allowed", {}));
            qint64 length = -1;
            bool expectContinue = false;
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines[i].trimmed();
                const qsizetype colon = line.indexOf(':');
                if (colon <= 0) continue;
                const QByteArray name = line.left(colon).trimmed().toLower();
                const QByteArray value = line.mid(colon + 1).trimmed();
                if (name == "content-length") {
                    bool ok = false;
                    length = value.toLongLong(&ok);
                    if (!ok || length < 0) return respond(httpResponse(400, "Bad Request", {}));
                } else if (name == "expect" && value.toLower() == "100-continue") {
                    expectContinue = true;
                } else if (name == "transfer-encoding") {
                    return respond(httpResponse(411, "Length Required", {}));
                }
            }
            if (length < 0) return respond(httpResponse(411, "Length Required", {}));
            if (length > kMaxRequestBytes) return respond(httpResponse(413, "Payload Too Large", {}));
            const qint64 have = buffer->size() - (headerEnd + 4);
            if (have < length) {
                if (expectContinue && have == 0) socket->write("HTTP/1.1 100 Continue\r\n\r\n");
                return;
            }
            const QByteArray body = buffer->mid(headerEnd + 4, length);
            QByteArray answer;
            try {
                answer = encodeResponse(handler_(decodeCall(body)));
            } catch (const Fault& f) {
                answer = encodeFault(f.code, f.message);
            } catch (const std::exception& e) {
                answer = encodeFault(1, QString::fromUtf8(e.what()));
            }
            respond(httpResponse(200, "OK", answer));
        });
    }
}

}  // namespace remap::samp
