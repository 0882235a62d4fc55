#include "SampDispatcher.h"

#include "SampClient.h"

namespace remap::samp {

struct SampReply::State {
    QPointer<SampClient> client;
    QString msgId;
    bool answered = false;

    void answer(const SampResponse& response)
    {
        if (answered) return;
        answered = true;
        if (client && !msgId.isEmpty()) client->reply(msgId, response);
    }
    ~State() { answer(SampResponse::error("the request was dropped without an answer")); }
};

SampReply::SampReply(SampClient* client, QString msgId) : state_(std::make_shared<State>())
{
    state_->client = client;
    state_->msgId = std::move(msgId);
}

void SampReply::ok(const QVariantMap& result) const
{
    if (state_) state_->answer(SampResponse::ok(result));
}

void SampReply::error(const QString& text) const
{
    if (state_) state_->answer(SampResponse::error(text));
}

bool SampReply::isCall() const
{
    return state_ && !state_->msgId.isEmpty();
}

bool SampReply::answered() const
{
    return !state_ || state_->answered;
}

QStringList SampDispatcher::subscriptions()
{
    return {mtype::kSpectrumLoad, mtype::kTableLoadVoTable, mtype::kTableLoadFits};
}

SampDispatcher::SampDispatcher(SampClient* client, SampLoadHandler* handler, QObject* parent)
    : QObject(parent), client_(client), handler_(handler)
{
    connect(client, &SampClient::messageReceived, this, &SampDispatcher::onMessage);
}

void SampDispatcher::onMessage(const QString& senderId, const QString& mtype, const QVariantMap& params,
                               const QString& msgId)
{
    if (!client_) return;
    const bool spectrum = mtype == mtype::kSpectrumLoad;
    const bool votable = mtype == mtype::kTableLoadVoTable;
    if (!spectrum && !votable && mtype != mtype::kTableLoadFits) return;  // another listener's MType
    QString senderName = senderId;
    for (const auto& c : client_->clients())
        if (c.id == senderId) senderName = c.name();
    SampReply reply(client_, msgId);
    const auto refuse = [&](const QString& reason) {
        emit refused(mtype, senderName, reason);
        reply.error(reason);
    };
    const QVariant rawUrl = params.value("url");
    if (rawUrl.typeId() != QMetaType::QString || rawUrl.toString().trimmed().isEmpty())
        return refuse(mtype + " needs a url parameter");
    const QUrl url(rawUrl.toString().trimmed(), QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != "file" && scheme != "http" && scheme != "https"))
        return refuse("'" + rawUrl.toString() + "' is not a file:, http: or https: URL");
    if (scheme == "file" && !url.host().isEmpty() && url.host() != "localhost")
        return refuse("'" + rawUrl.toString() + "' names a file on another host");
    if (spectrum) {
        SpectrumLoadRequest request;
        request.url = url;
        request.spectrumId = params.value("spectrum-id").toString();
        request.name = params.value("name").toString();
        request.meta = params.value("meta").toMap();
        request.senderId = senderId;
        request.senderName = senderName;
        handler_->loadSpectrum(request, reply);
    } else {
        TableLoadRequest request;
        request.format = votable ? TableLoadRequest::Format::VoTable : TableLoadRequest::Format::Fits;
        request.url = url;
        request.tableId = params.value("table-id").toString();
        request.name = params.value("name").toString();
        request.senderId = senderId;
        request.senderName = senderName;
        handler_->loadTable(request, reply);
    }
}

}  // namespace remap::samp
