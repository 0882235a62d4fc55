#include "XmlRpcCaller.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace remap::samp {

XmlRpcCaller::XmlRpcCaller(QUrl endpoint, int timeoutMs, QObject* parent)
    : QObject(parent), endpoint_(std::move(endpoint)), timeoutMs_(timeoutMs), network_(new QNetworkAccessManager(this))
{
    // The hub is local: a proxy from the environment must not intercept the traffic.
    network_->setProxy(QNetworkProxy::NoProxy);
}

XmlRpcCaller::~XmlRpcCaller()
{
    abortAll();
}

void XmlRpcCaller::abortAll()
{
    for (QNetworkReply* reply : network_->findChildren<QNetworkReply*>()) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void XmlRpcCaller::call(const QString& method, const QVariantList& params, Callback done)
{
    QNetworkRequest request(endpoint_);
    request.setHeader(QNetworkRequest::ContentTypeHeader, "text/xml");
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    QNetworkReply* reply = network_->post(request, encodeCall(method, params));
    auto* timer = new QTimer(reply);
    timer->setSingleShot(true);
    auto timedOut = std::make_shared<bool>(false);
    connect(timer, &QTimer::timeout, reply, [reply, timedOut] {
        *timedOut = true;
        reply->abort();
    });
    timer->start(timeoutMs_);
    connect(reply, &QNetworkReply::downloadProgress, reply, [reply](qint64 received, qint64) {
        if (received > kMaxResponseBytes) reply->abort();
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply, method, done, timedOut] {
        reply->deleteLater();
        XmlRpcResult result;
        const QString where = method + " at " + endpoint_.toString();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (*timedOut) {
            result.failure = XmlRpcResult::Failure::Timeout;
            result.error = where + ": no answer within " + QString::number(timeoutMs_ / 1000.0) + " s";
        } else if (reply->error() != QNetworkReply::NoError && status == 0) {
            result.failure = XmlRpcResult::Failure::Unreachable;
            result.error = where + ": " + reply->errorString();
        } else if (status != 200) {
            result.failure = XmlRpcResult::Failure::Malformed;
            result.error = where + ": HTTP status " + QString::number(status);
        } else {
            try {
                const XmlRpcResponse response = decodeResponse(reply->readAll());
                if (response.fault) {
                    result.failure = XmlRpcResult::Failure::Fault;
                    result.error = where + ": the hub refused (" + response.fault->message + ")";
                } else {
                    result.value = response.value;
                }
            } catch (const std::exception& e) {
                result.failure = XmlRpcResult::Failure::Malformed;
                result.error = where + ": " + QString::fromUtf8(e.what());
            }
        }
        done(result);
    });
}

}  // namespace remap::samp
