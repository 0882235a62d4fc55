#pragma once

// The callable client's endpoint: an XML-RPC server over HTTP/1.1 on the loopback interface only.
// Each connection carries one POST; a request that is malformed, too large (16 MiB) or not complete
// within the timeout is answered with an HTTP error or dropped, never waited on.

#include "XmlRpc.h"

#include <QObject>
#include <QTcpServer>
#include <QUrl>

#include <functional>

namespace remap::samp {

class XmlRpcServer : public QObject {
    Q_OBJECT

public:
    // Returns the result value, or throws XmlRpcServer::Fault to answer with a fault.
    using Handler = std::function<QVariant(const XmlRpcCall& call)>;
    struct Fault {
        int code;
        QString message;
    };

    explicit XmlRpcServer(Handler handler, QObject* parent = nullptr);

    // Listens on 127.0.0.1 at a free port; false (and errorString()) when that fails.
    bool listen();
    void close();
    bool isListening() const { return server_.isListening(); }
    QUrl url() const;  // http://127.0.0.1:<port>/xmlrpc
    QString errorString() const { return server_.errorString(); }

    void setRequestTimeout(int ms) { requestTimeoutMs_ = ms; }
    static constexpr qint64 kMaxRequestBytes = 16 * 1024 * 1024;

private:
    void onNewConnection();

    Handler handler_;
    QTcpServer server_;
    int requestTimeoutMs_ = 10000;
    int openConnections_ = 0;
};

}  // namespace remap::samp
