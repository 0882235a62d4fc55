#include "SampTypes.h"

#include <QLocale>

namespace remap::samp {

QVariantMap SampResponse::toMap() const
{
    QVariantMap map;
    map["samp.status"] = status == Status::Ok ? "samp.ok" : status == Status::Warning ? "samp.warning" : "samp.error";
    if (status != Status::Error || !result.isEmpty()) map["samp.result"] = toSampValue(result);
    if (status != Status::Ok) map["samp.error"] = QVariantMap{{"samp.errortxt", errorText}};
    return map;
}

SampResponse SampResponse::fromMap(const QVariantMap& map)
{
    SampResponse r;
    const QString status = map.value("samp.status").toString();
    r.status = status == "samp.ok" ? Status::Ok : status == "samp.warning" ? Status::Warning : Status::Error;
    r.result = map.value("samp.result").toMap();
    r.errorText = map.value("samp.error").toMap().value("samp.errortxt").toString();
    if (r.status == Status::Error && r.errorText.isEmpty())
        r.errorText = status.isEmpty() ? "the response has no samp.status" : "the response status is " + status;
    return r;
}

QString SampClientInfo::name() const
{
    const QString n = metadata.value("samp.name").toString();
    return n.isEmpty() ? id : n;
}

bool SampClientInfo::isSubscribed(const QString& mtype) const
{
    for (auto it = subscriptions.begin(); it != subscriptions.end(); ++it)
        if (mtypeMatches(it.key(), mtype)) return true;
    return false;
}

bool mtypeMatches(const QString& pattern, const QString& mtype)
{
    if (pattern == "*") return true;
    if (pattern.endsWith(".*")) return mtype.startsWith(pattern.chopped(1));
    return pattern == mtype;
}

QVariant toSampValue(const QVariant& value)
{
    switch (value.typeId()) {
        case QMetaType::Bool:
            return value.toBool() ? QStringLiteral("1") : QStringLiteral("0");
        case QMetaType::Int:
        case QMetaType::UInt:
        case QMetaType::Long:
        case QMetaType::ULong:
        case QMetaType::LongLong:
        case QMetaType::ULongLong:
        case QMetaType::Short:
        case QMetaType::UShort:
            return value.toString();
        case QMetaType::Double:
        case QMetaType::Float:
            return QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest);
        case QMetaType::QVariantMap: {
            QVariantMap out;
            const QVariantMap in = value.toMap();
            for (auto it = in.begin(); it != in.end(); ++it) out.insert(it.key(), toSampValue(it.value()));
            return out;
        }
        case QMetaType::QVariantList:
        case QMetaType::QStringList: {
            QVariantList out;
            for (const QVariant& v : value.toList()) out.push_back(toSampValue(v));
            return out;
        }
        default:
            return value.isValid() ? value.toString() : QString();
    }
}

}  // namespace remap::samp
