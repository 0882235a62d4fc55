#pragma once

// A small XML-RPC encoder and decoder (what SAMP's Standard Profile speaks): string, int (i4, i8),
// boolean, double, struct, array, plus nil, base64 and dateTime.iso8601 when reading. Decoding never
// trusts its input: malformed XML, a DTD, unknown types or nesting deeper than 64 levels throw
// remap::Error with the reason.

#include <QByteArray>
#include <QString>
#include <QVariant>

#include <optional>

namespace remap::samp {

struct XmlRpcCall {
    QString method;
    QVariantList params;
};

struct XmlRpcFault {
    int code = 0;
    QString message;
};

// A methodResponse: a value, or a fault.
struct XmlRpcResponse {
    QVariant value;
    std::optional<XmlRpcFault> fault;
};

// QString -> string, bool -> boolean, integers -> int (i8 beyond 32 bits), double -> double,
// QVariantList/QStringList -> array, QVariantMap -> struct, QByteArray -> base64; anything else is
// sent as its text (an invalid QVariant as the empty string: XML-RPC has no null).
QByteArray encodeCall(const QString& method, const QVariantList& params);
QByteArray encodeResponse(const QVariant& value);
QByteArray encodeFault(int code, const QString& message);

XmlRpcCall decodeCall(const QByteArray& xml);
XmlRpcResponse decodeResponse(const QByteArray& xml);

}  // namespace remap::samp
