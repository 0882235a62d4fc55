#include "SampClient.h"

#include "XmlRpc.h"
#include "XmlRpcCaller.h"
#include "XmlRpcServer.h"

#include <QMetaMethod>
#include <QNetworkProxy>
#include <QSet>
#include <QTcpSocket>

#include <algorithm>

namespace remap::samp {
namespace {

QStringList builtInSubscriptions()
{
    return {mtype::kPing,
            mtype::kHubShutdown,
            mtype::kHubDisconnect,
            mtype::kClientRegister,
            mtype::kClientUnregister,
            mtype::kClientMetadata,
            mtype::kClientSubscriptions};
}

bool isString(const QVariant& v)
{
    return v.typeId() == QMetaType::QString;
}

bool isMap(const QVariant& v)
{
    return v.typeId() == QMetaType::QVariantMap;
}

}  // namespace

SampClient::SampClient(SampClientOptions options, QObject* parent) : QObject(parent), options_(std::move(options))
{
    qRegisterMetaType<remap::samp::SampResponse>();
    connect(&pingTimer_, &QTimer::timeout, this, &SampClient::ping);
}

SampClient::~SampClient()
{
    if (!privateKey_.isEmpty()) unregisterBlocking();
}

QUrl SampClient::callbackUrl() const
{
    return server_ ? server_->url() : QUrl();
}

void SampClient::connectToHub()
{
    if (state_ != State::Disconnected) return;
    HubEndpoint hub;
    try {
        hub = readLockfile(lockfilePathFromEnvironment());
    } catch (const std::exception& e) {
        // Reported after returning, as every other outcome is.
        const QString why = QString::fromUtf8(e.what());
        QMetaObject::invokeMethod(
            this, [this, why] { emit connectionFailed(why); }, Qt::QueuedConnection);
        return;
    }
    connectToHub(hub);
}

void SampClient::connectToHub(const HubEndpoint& hub)
{
    if (state_ != State::Disconnected) return;
    state_ = State::Connecting;
    ++generation_;
    hub_ = hub;
    server_ = new XmlRpcServer([this](const XmlRpcCall& c) { return onIncoming(c); }, this);
    server_->setRequestTimeout(options_.requestTimeoutMs);
    caller_ = new XmlRpcCaller(hub.xmlrpcUrl, options_.callTimeoutMs, this);
    if (!server_->listen()) {
        const QString why = "cannot listen on the loopback interface: " + server_->errorString();
        const int generation = generation_;
        QMetaObject::invokeMethod(
            this,
            [this, why, generation] {
                if (generation == generation_) fail(why);
            },
            Qt::QueuedConnection);
        return;
    }
    hubCall("samp.hub.register", {hub.secret}, [this](const XmlRpcResult& r) {
        if (!r.ok()) return fail("the SAMP hub refused the registration: " + r.error);
        const QVariantMap ids = r.value.toMap();
        privateKey_ = ids.value("samp.private-key").toString();
        selfId_ = ids.value("samp.self-id").toString();
        hubId_ = ids.value("samp.hub-id").toString();
        if (privateKey_.isEmpty() || selfId_.isEmpty())
            return fail("the SAMP hub's answer to samp.hub.register lacks samp.private-key or samp.self-id");
        hubCall("samp.hub.setXmlrpcCallback", {privateKey_, server_->url().toString()}, [this](const XmlRpcResult& r) {
            if (!r.ok()) return fail("the SAMP hub refused the callback address: " + r.error);
            QVariantMap metadata{{"samp.name", options_.name}, {"samp.description.text", options_.description}};
            if (options_.iconUrl.isValid()) metadata["samp.icon.url"] = options_.iconUrl.toString();
            if (options_.documentationUrl.isValid())
                metadata["samp.documentation.url"] = options_.documentationUrl.toString();
            if (!options_.version.isEmpty()) metadata["remap.version"] = options_.version;
            hubCall("samp.hub.declareMetadata", {privateKey_, metadata}, [this](const XmlRpcResult& r) {
                if (!r.ok()) return fail("the SAMP hub refused the metadata: " + r.error);
                QVariantMap subscriptions;
                for (const QString& m : builtInSubscriptions() + options_.subscriptions)
                    subscriptions.insert(m, QVariantMap());
                hubCall("samp.hub.declareSubscriptions", {privateKey_, subscriptions}, [this](const XmlRpcResult& r) {
                    if (!r.ok()) return fail("the SAMP hub refused the subscriptions: " + r.error);
                    finishRegistration();
                });
            });
        });
    });
}

void SampClient::finishRegistration()
{
    state_ = State::Connected;
    if (options_.pingIntervalMs > 0) pingTimer_.start(options_.pingIntervalMs);
    emit connected();
    refreshClients();
}

void SampClient::hubCall(const QString& method, QVariantList params, std::function<void(const XmlRpcResult&)> done)
{
    if (!caller_) return;
    const int generation = generation_;
    caller_->call(method, params, [this, generation, done, method](const XmlRpcResult& r) {
        if (generation != generation_) return;  // an answer for a connection that is gone
        if (!r.ok() && r.failure == XmlRpcResult::Failure::Unreachable && state_ == State::Connected)
            return lose("the SAMP hub is gone: " + r.error);
        done(r);
    });
}

void SampClient::fail(const QString& reason)
{
    resetConnection();
    emit connectionFailed(reason);
}

void SampClient::lose(const QString& reason)
{
    resetConnection();
    emit disconnected(reason);
}

void SampClient::resetConnection()
{
    pingTimer_.stop();
    pingInFlight_ = false;
    if (caller_ && !privateKey_.isEmpty() && state_ == State::Connecting) {
        // Registered half-way: tell the hub, and let the caller go once it answered (or timed out).
        XmlRpcCaller* caller = caller_;
        caller->call("samp.hub.unregister", {privateKey_}, [caller](const XmlRpcResult&) { caller->deleteLater(); });
    } else if (caller_) {
        caller_->abortAll();
        caller_->deleteLater();
    }
    caller_ = nullptr;
    if (server_) {
        server_->close();
        server_->deleteLater();
        server_ = nullptr;
    }
    privateKey_.clear();
    selfId_.clear();
    hubId_.clear();
    const bool hadClients = !clients_.isEmpty();
    clients_.clear();
    ++generation_;
    state_ = State::Disconnected;
    if (hadClients) emit clientsChanged();
}

void SampClient::disconnectFromHub()
{
    if (state_ != State::Connected) return;
    state_ = State::Disconnecting;
    pingTimer_.stop();
    hubCall("samp.hub.unregister", {privateKey_}, [this](const XmlRpcResult&) {
        privateKey_.clear();  // unregistered, or the hub is gone: either way nothing is left to undo
        resetConnection();
        emit disconnected("disconnected from the SAMP hub");
    });
}

void SampClient::ping()
{
    if (state_ != State::Connected || pingInFlight_) return;
    pingInFlight_ = true;
    hubCall("samp.hub.ping", {}, [this](const XmlRpcResult& r) {
        pingInFlight_ = false;
        if (!r.ok() && r.failure != XmlRpcResult::Failure::Fault) lose("the SAMP hub stopped answering: " + r.error);
    });
}

QList<SampClientInfo> SampClient::clients() const
{
    QList<SampClientInfo> out = clients_.values();
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

QList<SampClientInfo> SampClient::clientsSubscribedTo(const QString& mtype) const
{
    QList<SampClientInfo> out;
    for (const auto& c : clients())
        if (c.id != hubId_ && c.isSubscribed(mtype)) out.push_back(c);
    return out;
}

void SampClient::refreshClients()
{
    hubCall("samp.hub.getRegisteredClients", {privateKey_}, [this](const XmlRpcResult& r) {
        if (!r.ok()) return emit warning("could not list the SAMP clients: " + r.error);
        QSet<QString> ids;
        for (const QVariant& v : r.value.toList()) {
            const QString id = v.toString();
            if (id.isEmpty() || id == selfId_) continue;
            ids.insert(id);
            if (!clients_.contains(id)) clients_.insert(id, SampClientInfo{id, {}, {}});
            fetchClientDetails(id);
        }
        for (auto it = clients_.begin(); it != clients_.end();) it = ids.contains(it.key()) ? ++it : clients_.erase(it);
        emit clientsChanged();
    });
}

void SampClient::fetchClientDetails(const QString& id)
{
    hubCall("samp.hub.getMetadata", {privateKey_, id}, [this, id](const XmlRpcResult& r) {
        if (!r.ok() || !clients_.contains(id)) return;
        clients_[id].metadata = r.value.toMap();
        emit clientsChanged();
    });
    hubCall("samp.hub.getSubscriptions", {privateKey_, id}, [this, id](const XmlRpcResult& r) {
        if (!r.ok() || !clients_.contains(id)) return;
        clients_[id].subscriptions = r.value.toMap();
        emit clientsChanged();
    });
}

QVariant SampClient::onIncoming(const XmlRpcCall& call)
{
    const QVariantList& p = call.params;
    const auto require = [&](qsizetype count) {
        if (p.size() != count)
            throw XmlRpcServer::Fault{2, call.method + " takes " + QString::number(count) + " parameters"};
        if (!isString(p[0]) || p[0].toString() != privateKey_ || privateKey_.isEmpty())
            throw XmlRpcServer::Fault{3, "wrong private key"};
    };
    // Each message is handled after this request has been answered: the hub is not kept waiting,
    // and whatever a slot does cannot run inside the HTTP handler.
    const int generation = generation_;
    const auto later = [this, generation](auto work) {
        QMetaObject::invokeMethod(
            this,
            [this, generation, work] {
                if (generation == generation_) work();
            },
            Qt::QueuedConnection);
    };
    if (call.method == "samp.client.receiveNotification") {
        require(3);
        if (!isString(p[1]) || !isMap(p[2])) throw XmlRpcServer::Fault{2, "receiveNotification(key, sender, message)"};
        later([this, sender = p[1].toString(), message = p[2].toMap()] { onMessage(sender, message, {}); });
    } else if (call.method == "samp.client.receiveCall") {
        require(4);
        if (!isString(p[1]) || !isString(p[2]) || !isMap(p[3]))
            throw XmlRpcServer::Fault{2, "receiveCall(key, sender, msg-id, message)"};
        later([this, sender = p[1].toString(), id = p[2].toString(), message = p[3].toMap()] {
            onMessage(sender, message, id);
        });
    } else if (call.method == "samp.client.receiveResponse") {
        require(4);
        if (!isString(p[1]) || !isString(p[2]) || !isMap(p[3]))
            throw XmlRpcServer::Fault{2, "receiveResponse(key, responder, msg-tag, response)"};
        later([this, responder = p[1].toString(), tag = p[2].toString(), response = p[3].toMap()] {
            emit responseReceived(tag, responder, SampResponse::fromMap(response));
        });
    } else {
        throw XmlRpcServer::Fault{1, "no such method: " + call.method};
    }
    return QString();
}

void SampClient::onMessage(const QString& senderId, const QVariantMap& message, const QString& msgId)
{
    const bool isCall = !msgId.isEmpty();
    const QString mtype = message.value("samp.mtype").toString();
    const QVariant rawParams = message.value("samp.params");
    if (mtype.isEmpty() || (rawParams.isValid() && !isMap(rawParams))) {
        emit warning("a SAMP message from " + senderId + " has no samp.mtype or its samp.params is not a map");
        if (isCall) reply(msgId, SampResponse::error("the message has no samp.mtype or samp.params is not a map"));
        return;
    }
    const QVariantMap params = rawParams.toMap();
    if (mtype == mtype::kPing) {
        if (isCall) reply(msgId, SampResponse::ok());
        return;
    }
    if (mtype.startsWith("samp.hub.")) {
        const bool fromHub = senderId == hubId_;
        // Answer before acting: a shutdown or disconnect ends the connection the reply needs.
        if (isCall) reply(msgId, fromHub ? SampResponse::ok() : SampResponse::error("hub events come from the hub"));
        if (fromHub) handleHubEvent(mtype, params);
        return;
    }
    bool subscribed = false;
    for (const QString& s : options_.subscriptions) subscribed = subscribed || mtypeMatches(s, mtype);
    if (!subscribed) {
        if (isCall) reply(msgId, SampResponse::error(options_.name + " is not subscribed to " + mtype));
        return;
    }
    if (isCall && !isSignalConnected(QMetaMethod::fromSignal(&SampClient::messageReceived))) {
        reply(msgId, SampResponse::error(options_.name + " cannot handle " + mtype + " now"));
        return;
    }
    emit messageReceived(senderId, mtype, params, msgId);
}

bool SampClient::handleHubEvent(const QString& mtype, const QVariantMap& params)
{
    const QString id = params.value("id").toString();
    if (mtype == mtype::kHubShutdown) {
        privateKey_.clear();  // the hub forgets every client: nothing to unregister
        lose("the SAMP hub shut down");
    } else if (mtype == mtype::kHubDisconnect) {
        privateKey_.clear();
        const QString reason = params.value("reason").toString();
        lose("the SAMP hub disconnected " + options_.name + (reason.isEmpty() ? QString() : ": " + reason));
    } else if (id.isEmpty() || id == selfId_) {
        return false;
    } else if (mtype == mtype::kClientRegister) {
        clients_.insert(id, SampClientInfo{id, {}, {}});
        fetchClientDetails(id);
        emit clientsChanged();
    } else if (mtype == mtype::kClientUnregister) {
        if (clients_.remove(id)) emit clientsChanged();
    } else if (mtype == mtype::kClientMetadata) {
        clients_[id].id = id;
        clients_[id].metadata = params.value("metadata").toMap();
        emit clientsChanged();
    } else if (mtype == mtype::kClientSubscriptions) {
        clients_[id].id = id;
        clients_[id].subscriptions = params.value("subscriptions").toMap();
        emit clientsChanged();
    } else {
        return false;
    }
    return true;
}

QString SampClient::send(const QString& method, const QString& recipientId, const QString& mtype,
                         const QVariantMap& params, bool isCall)
{
    const QString tag = "remap-" + QString::number(nextTag_++);
    if (state_ != State::Connected) {
        QMetaObject::invokeMethod(
            this, [this, tag] { emit sendFailed(tag, "not connected to a SAMP hub"); }, Qt::QueuedConnection);
        return tag;
    }
    const QVariantMap message{{"samp.mtype", mtype}, {"samp.params", toSampValue(params)}};
    QVariantList args{privateKey_};
    if (!recipientId.isEmpty()) args.push_back(recipientId);
    if (isCall) args.push_back(tag);
    args.push_back(message);
    hubCall(method, args, [this, tag](const XmlRpcResult& r) {
        if (!r.ok()) emit sendFailed(tag, r.error);
    });
    return tag;
}

QString SampClient::notify(const QString& recipientId, const QString& mtype, const QVariantMap& params)
{
    return send("samp.hub.notify", recipientId, mtype, params, false);
}

QString SampClient::notifyAll(const QString& mtype, const QVariantMap& params)
{
    return send("samp.hub.notifyAll", {}, mtype, params, false);
}

QString SampClient::call(const QString& recipientId, const QString& mtype, const QVariantMap& params)
{
    return send("samp.hub.call", recipientId, mtype, params, true);
}

QString SampClient::callAll(const QString& mtype, const QVariantMap& params)
{
    return send("samp.hub.callAll", {}, mtype, params, true);
}

void SampClient::reply(const QString& msgId, const SampResponse& response)
{
    if (msgId.isEmpty() || privateKey_.isEmpty()) return;
    hubCall("samp.hub.reply", {privateKey_, msgId, response.toMap()}, [this, msgId](const XmlRpcResult& r) {
        if (!r.ok()) emit warning("the SAMP hub refused the reply to " + msgId + ": " + r.error);
    });
}

void SampClient::unregisterBlocking()
{
    // The event loop may already be gone: plain blocking socket calls, each bounded.
    QTcpSocket socket;
    socket.setProxy(QNetworkProxy::NoProxy);
    socket.connectToHost(hub_.xmlrpcUrl.host(), quint16(hub_.xmlrpcUrl.port(80)));
    if (!socket.waitForConnected(300)) return;
    const QByteArray body = encodeCall("samp.hub.unregister", {privateKey_});
    const QByteArray path = hub_.xmlrpcUrl.path().isEmpty() ? "/" : hub_.xmlrpcUrl.path().toUtf8();
    socket.write("POST " + path + " HTTP/1.1\r\nHost: " + hub_.xmlrpcUrl.host().toUtf8() +
                 "\r\nContent-Type: text/xml\r\nContent-Length: " + QByteArray::number(body.size()) +
                 "\r\nConnection: close\r\n\r\n" + body);
    if (socket.waitForBytesWritten(300)) socket.waitForReadyRead(400);
    privateKey_.clear();
}

}  // namespace remap::samp
