#pragma once

// A SAMP 1.3 callable client on the Standard Profile: finds the hub through its lockfile, registers,
// declares metadata and subscriptions, receives notifications and calls on a loopback XML-RPC server,
// sends notifications and calls, keeps the list of other clients, and notices when the hub goes away
// (its shutdown event, a disconnect, or pings that fail). Every operation is asynchronous: results
// arrive as signals in this object's thread and nothing waits in a nested event loop. The destructor
// unregisters (with at most about one second of blocking socket I/O, no event loop).

#include "HubDiscovery.h"
#include "SampTypes.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QUrl>

namespace remap::samp {

class XmlRpcCaller;
class XmlRpcServer;
struct XmlRpcCall;
struct XmlRpcResult;

struct SampClientOptions {
    QString name = QStringLiteral("REMAP Studio");  // samp.name
    QString description = QStringLiteral("Stellar parameters (Teff, log g, [Fe/H]) from spectra with deep-REMAP");
    QUrl iconUrl;           // samp.icon.url, optional
    QUrl documentationUrl;  // samp.documentation.url, optional
    QString version;        // remap.version, optional
    // MTypes the application handles (delivered by messageReceived); the hub events and samp.app.ping
    // are always subscribed and handled here.
    QStringList subscriptions;
    int callTimeoutMs = 5000;      // per XML-RPC call to the hub
    int pingIntervalMs = 5000;     // hub liveness check while connected; 0 turns it off
    int requestTimeoutMs = 10000;  // an incoming request must arrive completely within this
};

class SampClient : public QObject {
    Q_OBJECT

public:
    enum class State { Disconnected, Connecting, Connected, Disconnecting };
    Q_ENUM(State)

    explicit SampClient(SampClientOptions options = {}, QObject* parent = nullptr);
    ~SampClient() override;

    // Finds the hub ($SAMP_HUB or ~/.samp) and registers. Ends in connected() or connectionFailed().
    void connectToHub();
    void connectToHub(const HubEndpoint& hub);
    // Unregisters; ends in disconnected(). Does nothing when not connected.
    void disconnectFromHub();

    State state() const { return state_; }
    bool isConnected() const { return state_ == State::Connected; }
    QString selfId() const { return selfId_; }
    QString hubId() const { return hubId_; }
    const HubEndpoint& hub() const { return hub_; }
    QUrl callbackUrl() const;

    // The other clients (the hub's own client included), as last reported by the hub.
    QList<SampClientInfo> clients() const;
    // Those subscribed to `mtype`, the hub's client excluded.
    QList<SampClientInfo> clientsSubscribedTo(const QString& mtype) const;

    // Sending. Parameters are converted to SAMP strings (toSampValue). A failure is reported by
    // sendFailed(tag, error); the tag is returned so the caller can match it.
    QString notify(const QString& recipientId, const QString& mtype, const QVariantMap& params);
    QString notifyAll(const QString& mtype, const QVariantMap& params);
    // Responses arrive as responseReceived(tag, responderId, response).
    QString call(const QString& recipientId, const QString& mtype, const QVariantMap& params);
    QString callAll(const QString& mtype, const QVariantMap& params);

    // Answers an incoming call (msgId from messageReceived). Each call must be answered once.
    void reply(const QString& msgId, const SampResponse& response);

signals:
    void connected();
    void connectionFailed(const QString& reason);
    void disconnected(const QString& reason);
    void clientsChanged();
    // An application MType. msgId is empty for a notification; for a call, reply(msgId, ...) is due.
    void messageReceived(const QString& senderId, const QString& mtype, const QVariantMap& params,
                         const QString& msgId);
    void responseReceived(const QString& tag, const QString& responderId, const remap::samp::SampResponse& response);
    void sendFailed(const QString& tag, const QString& error);
    // Problems that do not end the connection (a bad request from the hub, a refused reply).
    void warning(const QString& text);

private:
    void hubCall(const QString& method, QVariantList params, std::function<void(const XmlRpcResult&)> done);
    void fail(const QString& reason);
    void lose(const QString& reason);
    void resetConnection();
    void finishRegistration();
    void refreshClients();
    void fetchClientDetails(const QString& id);
    void ping();
    QVariant onIncoming(const XmlRpcCall& call);
    void onMessage(const QString& senderId, const QVariantMap& message, const QString& msgId);
    bool handleHubEvent(const QString& mtype, const QVariantMap& params);
    QString send(const QString& method, const QString& recipientId, const QString& mtype, const QVariantMap& params,
                 bool isCall);
    void unregisterBlocking();

    SampClientOptions options_;
    State state_ = State::Disconnected;
    HubEndpoint hub_;
    QString privateKey_, selfId_, hubId_;
    XmlRpcServer* server_ = nullptr;
    XmlRpcCaller* caller_ = nullptr;
    QTimer pingTimer_;
    bool pingInFlight_ = false;
    QHash<QString, SampClientInfo> clients_;
    int nextTag_ = 1;
    int generation_ = 0;  // bumped on every (dis)connection: late callbacks of an old one are ignored
};

}  // namespace remap::samp
