#pragma once

// SAMP's vocabulary: the MTypes REMAP Studio speaks, responses, and the other clients of a hub.

#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVariantMap>

namespace remap::samp {

namespace mtype {
inline constexpr const char* kSpectrumLoad = "spectrum.load.ssa-generic";
inline constexpr const char* kTableLoadVoTable = "table.load.votable";
inline constexpr const char* kTableLoadFits = "table.load.fits";
inline constexpr const char* kPing = "samp.app.ping";
inline constexpr const char* kHubShutdown = "samp.hub.event.shutdown";
inline constexpr const char* kHubDisconnect = "samp.hub.disconnect";
inline constexpr const char* kClientRegister = "samp.hub.event.register";
inline constexpr const char* kClientUnregister = "samp.hub.event.unregister";
inline constexpr const char* kClientMetadata = "samp.hub.event.metadata";
inline constexpr const char* kClientSubscriptions = "samp.hub.event.subscriptions";
}  // namespace mtype

// What a receiver answers to a call: samp.ok, samp.warning or samp.error.
struct SampResponse {
    enum class Status { Ok, Warning, Error };
    Status status = Status::Ok;
    QVariantMap result;  // samp.result
    QString errorText;   // samp.error / samp.errortxt

    static SampResponse ok(const QVariantMap& result = {}) { return {Status::Ok, result, {}}; }
    static SampResponse error(const QString& text) { return {Status::Error, {}, text}; }

    QVariantMap toMap() const;
    // A response map as another client sent it; an unknown or missing status reads as Error.
    static SampResponse fromMap(const QVariantMap& map);
};

// Another client registered with the hub.
struct SampClientInfo {
    QString id;                 // the hub's public id ("cli#3")
    QVariantMap metadata;       // samp.name, samp.description.text, samp.icon.url, ...
    QVariantMap subscriptions;  // MType (may end in '*') -> annotations

    QString name() const;  // samp.name, else the id
    bool isSubscribed(const QString& mtype) const;
};

// SAMP carries only strings, lists and maps: bool -> "1"/"0", numbers -> their shortest exact text,
// lists and maps converted element by element, an invalid QVariant -> "".
QVariant toSampValue(const QVariant& value);

// "table.load.*" matches "table.load.votable"; "*" matches everything.
bool mtypeMatches(const QString& pattern, const QString& mtype);

}  // namespace remap::samp
