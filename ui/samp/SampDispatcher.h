#pragma once

// The seam between SAMP and the application: SampDispatcher subscribes a SampClient to
// spectrum.load.ssa-generic, table.load.votable and table.load.fits, checks each message's
// parameters, and hands a typed request to a SampLoadHandler (the GUI: a spectrum opens in Inspect, a
// table of spectra in Catalog). The handler answers through SampReply, now or when its background
// load has finished; a reply that is dropped unanswered answers samp.error itself, so a sender is
// never left waiting.

#include "SampTypes.h"

#include <QObject>
#include <QPointer>
#include <QUrl>

#include <memory>

namespace remap::samp {

class SampClient;

struct SpectrumLoadRequest {
    QUrl url;            // file:, http: or https:
    QString spectrumId;  // spectrum-id, may be empty
    QString name;        // name, may be empty
    QVariantMap meta;    // SSA metadata (utype or UCD -> value), may be empty
    QString senderId;
    QString senderName;  // samp.name of the sender, else its id
};

struct TableLoadRequest {
    enum class Format { VoTable, Fits };
    Format format = Format::VoTable;
    QUrl url;
    QString tableId;  // table-id, may be empty
    QString name;
    QString senderId;
    QString senderName;
};

// Answers one call once. Copies share the answer; for a notification every answer is a no-op.
class SampReply {
public:
    SampReply() = default;
    SampReply(SampClient* client, QString msgId);

    void ok(const QVariantMap& result = {}) const;
    void error(const QString& text) const;
    bool isCall() const;
    bool answered() const;

private:
    struct State;
    std::shared_ptr<State> state_;
};

class SampLoadHandler {
public:
    virtual ~SampLoadHandler() = default;
    virtual void loadSpectrum(const SpectrumLoadRequest& request, SampReply reply) = 0;
    virtual void loadTable(const TableLoadRequest& request, SampReply reply) = 0;
};

class SampDispatcher : public QObject {
    Q_OBJECT

public:
    // Adds the three MTypes to `options.subscriptions` before the client is created.
    static QStringList subscriptions();

    // The handler must outlive the dispatcher (the GUI owns both).
    SampDispatcher(SampClient* client, SampLoadHandler* handler, QObject* parent = nullptr);

signals:
    // A message refused before it reached the handler (bad or missing url, unsupported scheme).
    void refused(const QString& mtype, const QString& senderName, const QString& reason);

private:
    void onMessage(const QString& senderId, const QString& mtype, const QVariantMap& params, const QString& msgId);

    QPointer<SampClient> client_;
    SampLoadHandler* handler_;
};

}  // namespace remap::samp
