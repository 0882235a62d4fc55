#pragma once

// Runs tests/tables/astropy_tables.py with Debian's /usr/bin/python3 and parses its JSON answer.

#include "TestSupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStringList>

namespace remap::test {

inline bool haveAstropy(QString* why)
{
    QProcess p;
    p.start("/usr/bin/python3", {"-c", "import astropy, numpy"});
    if (!p.waitForFinished(30000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *why = "astropy is not installed for /usr/bin/python3 (Debian python3-astropy): " +
               QString::fromUtf8(p.readAllStandardError()).trimmed();
        return false;
    }
    return true;
}

// The helper's JSON, or an empty object with `error` set.
inline QJsonObject runAstropyTables(const QStringList& args, QString* error)
{
    QProcess p;
    const QString script = QString::fromStdString(sourceDir()) + "/tests/tables/astropy_tables.py";
    p.start("/usr/bin/python3", QStringList{script} + args);
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        *error = "astropy_tables.py did not finish in 60 s";
        return {};
    }
    if (p.exitCode() != 0) {
        *error = "astropy_tables.py failed: " + QString::fromUtf8(p.readAllStandardError());
        return {};
    }
    QJsonParseError parse{};
    const auto doc = QJsonDocument::fromJson(p.readAllStandardOutput(), &parse);
    if (!doc.isObject()) *error = "astropy_tables.py printed no JSON object: " + parse.errorString();
    return doc.object();
}

}  // namespace remap::test
