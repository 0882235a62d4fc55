#pragma once

// Asynchronous XML-RPC calls to one endpoint (the hub) over HTTP, each with a time limit. Results are
// delivered to a callback in the caller's thread; nothing blocks and nothing waits in a nested loop.

#include "XmlRpc.h"

#include <QObject>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;

namespace remap::samp {

struct XmlRpcResult {
    enum class Failure { None, Unreachable, Timeout, Fault, Malformed };
    Failure failure = Failure::None;
    QVariant value;
    QString error;  // in words, when failure != None

    bool ok() const { return failure == Failure::None; }
};

class XmlRpcCaller : public QObject {
    Q_OBJECT

public:
    using Callback = std::function<void(const XmlRpcResult&)>;

    XmlRpcCaller(QUrl endpoint, int timeoutMs, QObject* parent = nullptr);
    ~XmlRpcCaller() override;

    // `done` runs later, exactly once, unless this object is destroyed first.
    void call(const QString& method, const QVariantList& params, Callback done);
    const QUrl& endpoint() const { return endpoint_; }
    // Aborts the calls in flight without running their callbacks.
    void abortAll();

    static constexpr qint64 kMaxResponseBytes = 16 * 1024 * 1024;

private:
    QUrl endpoint_;
    int timeoutMs_;
    QNetworkAccessManager* network_;
};

}  // namespace remap::samp
