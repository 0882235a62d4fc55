#include "XmlRpc.h"

#include "base/Error.h"

#include <QLocale>
#include <QXmlStreamReader>
#include <QXmlStreamWriter>

#include <limits>

namespace remap::samp {
namespace {

constexpr int kMaxDepth = 64;

void writeValue(QXmlStreamWriter& w, const QVariant& v, int depth)
{
    if (depth > kMaxDepth) throw Error("XML-RPC value nested deeper than 64 levels");
    w.writeStartElement("value");
    switch (v.typeId()) {
        case QMetaType::Bool:
            w.writeTextElement("boolean", v.toBool() ? "1" : "0");
            break;
        case QMetaType::Int:
        case QMetaType::UInt:
        case QMetaType::Short:
        case QMetaType::UShort:
        case QMetaType::Long:
        case QMetaType::LongLong:
        case QMetaType::ULong:
        case QMetaType::ULongLong: {
            const qlonglong n = v.toLongLong();
            const bool small = n >= std::numeric_limits<qint32>::min() && n <= std::numeric_limits<qint32>::max();
            w.writeTextElement(small ? "int" : "i8", QString::number(n));
            break;
        }
        case QMetaType::Double:
        case QMetaType::Float:
            w.writeTextElement("double", QString::number(v.toDouble(), 'g', QLocale::FloatingPointShortest));
            break;
        case QMetaType::QVariantMap: {
            w.writeStartElement("struct");
            const QVariantMap map = v.toMap();
            for (auto it = map.begin(); it != map.end(); ++it) {
                w.writeStartElement("member");
                w.writeTextElement("name", it.key());
                writeValue(w, it.value(), depth + 1);
                w.writeEndElement();
            }
            w.writeEndElement();
            break;
        }
        case QMetaType::QVariantList:
        case QMetaType::QStringList: {
            w.writeStartElement("array");
            w.writeStartElement("data");
            for (const QVariant& item : v.toList()) writeValue(w, item, depth + 1);
            w.writeEndElement();
            w.writeEndElement();
            break;
        }
        case QMetaType::QByteArray:
            w.writeTextElement("base64", QString::fromLatin1(v.toByteArray().toBase64()));
            break;
        default:
            w.writeTextElement("string", v.isValid() ? v.toString() : QString());
    }
    w.writeEndElement();
}

template <typename Body>
QByteArray document(Body body)
{
    QByteArray out;
    QXmlStreamWriter w(&out);
    w.writeStartDocument();
    body(w);
    w.writeEndDocument();
    return out;
}

class Decoder {
public:
    explicit Decoder(const QByteArray& xml) : r_(xml) {}

    XmlRpcCall call()
    {
        expectRoot("methodCall");
        XmlRpcCall out;
        bool sawName = false;
        while (nextChild()) {
            if (r_.name() == u"methodName") {
                out.method = r_.readElementText().trimmed();
                sawName = true;
            } else if (r_.name() == u"params") {
                out.params = params();
            } else {
                fail("unexpected <" + r_.name().toString() + "> in methodCall");
            }
        }
        finish();
        if (!sawName || out.method.isEmpty()) fail("the methodCall has no methodName");
        return out;
    }

    XmlRpcResponse response()
    {
        expectRoot("methodResponse");
        XmlRpcResponse out;
        bool sawBody = false;
        while (nextChild()) {
            if (r_.name() == u"params") {
                const QVariantList p = params();
                if (p.size() != 1) fail("a methodResponse must hold exactly one value");
                out.value = p.front();
                sawBody = true;
            } else if (r_.name() == u"fault") {
                if (!nextChild() || r_.name() != u"value") fail("a fault must hold a value");
                const QVariantMap f = value(0).toMap();
                skipRest();
                XmlRpcFault fault;
                fault.code = f.value("faultCode").toInt();
                fault.message = f.value("faultString").toString();
                out.fault = fault;
                sawBody = true;
            } else {
                fail("unexpected <" + r_.name().toString() + "> in methodResponse");
            }
        }
        finish();
        if (!sawBody) fail("the methodResponse holds neither params nor a fault");
        return out;
    }

private:
    [[noreturn]] void fail(const QString& why)
    {
        throw Error("malformed XML-RPC: " + why.toStdString() + " (line " + std::to_string(r_.lineNumber()) + ")");
    }

    void check()
    {
        if (r_.tokenType() == QXmlStreamReader::DTD) fail("a DTD is not allowed");
        if (r_.hasError()) fail(r_.errorString());
    }

    void expectRoot(const char* name)
    {
        while (!r_.atEnd()) {
            r_.readNext();
            check();
            if (r_.isStartElement()) {
                if (r_.name() != QLatin1String(name))
                    fail("the document is <" + r_.name().toString() + ">, not <" + name + ">");
                return;
            }
        }
        fail("the document is empty");
    }

    // Next child element of the current element; false at its end. Text between elements is skipped.
    bool nextChild()
    {
        while (!r_.atEnd()) {
            r_.readNext();
            check();
            if (r_.isStartElement()) return true;
            if (r_.isEndElement()) return false;
        }
        check();
        fail("the document ends early");
    }

    void skipRest()
    {
        while (nextChild()) r_.skipCurrentElement();
        check();
    }

    void finish()
    {
        while (!r_.atEnd()) {
            r_.readNext();
            check();
            if (r_.isStartElement()) fail("content after the root element");
        }
    }

    QVariantList params()
    {
        QVariantList out;
        while (nextChild()) {
            if (r_.name() != u"param") fail("unexpected <" + r_.name().toString() + "> in params");
            if (!nextChild() || r_.name() != u"value") fail("a param must hold a value");
            out.push_back(value(0));
            skipRest();
        }
        return out;
    }

    QString text()
    {
        const QString t = r_.readElementText(QXmlStreamReader::ErrorOnUnexpectedElement);
        check();
        return t;
    }

    // At a <value> start; returns with the reader at its end.
    QVariant value(int depth)
    {
        if (depth > kMaxDepth) fail("values nested deeper than 64 levels");
        QString loose;
        while (!r_.atEnd()) {
            r_.readNext();
            check();
            if (r_.isCharacters()) {
                loose += r_.text();
            } else if (r_.isEndElement()) {
                return loose;  // <value>text</value> is a string
            } else if (r_.isStartElement()) {
                const QVariant v = typed(depth);
                // Whitespace may follow the typed element; anything else is an error.
                while (nextChild()) fail("a value holds more than one element");
                return v;
            }
        }
        fail("the document ends inside a value");
    }

    QVariant typed(int depth)
    {
        const QString type = r_.name().toString();
        if (type == "string") return text();
        if (type == "int" || type == "i4" || type == "i8") {
            bool ok = false;
            const qlonglong n = text().trimmed().toLongLong(&ok);
            if (!ok) fail("<" + type + "> does not hold an integer");
            return n;
        }
        if (type == "boolean") {
            const QString t = text().trimmed();
            if (t != "0" && t != "1") fail("<boolean> must hold 0 or 1");
            return t == "1";
        }
        if (type == "double") {
            bool ok = false;
            const double d = text().trimmed().toDouble(&ok);
            if (!ok) fail("<double> does not hold a number");
            return d;
        }
        if (type == "nil") {
            r_.skipCurrentElement();
            return QVariant();
        }
        if (type == "base64") return QByteArray::fromBase64(text().toLatin1());
        if (type == "dateTime.iso8601") return text().trimmed();
        if (type == "struct") {
            QVariantMap map;
            while (nextChild()) {
                if (r_.name() != u"member") fail("unexpected <" + r_.name().toString() + "> in struct");
                QString name;
                QVariant v;
                bool sawName = false, sawValue = false;
                while (nextChild()) {
                    if (r_.name() == u"name") {
                        name = text();
                        sawName = true;
                    } else if (r_.name() == u"value") {
                        v = value(depth + 1);
                        sawValue = true;
                    } else {
                        fail("unexpected <" + r_.name().toString() + "> in member");
                    }
                }
                if (!sawName || !sawValue) fail("a struct member needs a name and a value");
                map.insert(name, v);
            }
            return map;
        }
        if (type == "array") {
            QVariantList list;
            if (!nextChild() || r_.name() != u"data") fail("an array must hold <data>");
            while (nextChild()) {
                if (r_.name() != u"value") fail("unexpected <" + r_.name().toString() + "> in array data");
                list.push_back(value(depth + 1));
            }
            skipRest();
            return list;
        }
        fail("unknown XML-RPC type <" + type + ">");
    }

    QXmlStreamReader r_;
};

}  // namespace

QByteArray encodeCall(const QString& method, const QVariantList& params)
{
    return document([&](QXmlStreamWriter& w) {
        w.writeStartElement("methodCall");
        w.writeTextElement("methodName", method);
        w.writeStartElement("params");
        for (const QVariant& p : params) {
            w.writeStartElement("param");
            writeValue(w, p, 0);
            w.writeEndElement();
        }
        w.writeEndElement();
        w.writeEndElement();
    });
}

QByteArray encodeResponse(const QVariant& value)
{
    return document([&](QXmlStreamWriter& w) {
        w.writeStartElement("methodResponse");
        w.writeStartElement("params");
        w.writeStartElement("param");
        writeValue(w, value, 0);
        w.writeEndElement();
        w.writeEndElement();
        w.writeEndElement();
    });
}

QByteArray encodeFault(int code, const QString& message)
{
    return document([&](QXmlStreamWriter& w) {
        w.writeStartElement("methodResponse");
        w.writeStartElement("fault");
        writeValue(w, QVariantMap{{"faultCode", code}, {"faultString", message}}, 0);
        w.writeEndElement();
        w.writeEndElement();
    });
}

XmlRpcCall decodeCall(const QByteArray& xml)
{
    return Decoder(xml).call();
}

XmlRpcResponse decodeResponse(const QByteArray& xml)
{
    return Decoder(xml).response();
}

}  // namespace remap::samp
