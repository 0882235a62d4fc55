#pragma once

// SAMP Standard Profile hub discovery: the lockfile named by $SAMP_HUB ("std-lockurl:" followed by a
// file: URL) or else ~/.samp, holding "name=value" lines with at least samp.secret,
// samp.hub.xmlrpc.url and samp.profile.version ('#' lines are comments).

#include <QMap>
#include <QString>
#include <QUrl>

namespace remap::samp {

struct HubEndpoint {
    QString lockfile;                // where it was read from
    QString secret;                  // samp.secret
    QUrl xmlrpcUrl;                  // samp.hub.xmlrpc.url
    QString profileVersion;          // samp.profile.version
    QMap<QString, QString> entries;  // every name=value line, the above included
};

// The lockfile's path from the value of $SAMP_HUB (may be empty) and the home folder. Throws
// remap::Error when $SAMP_HUB names something other than a local std-lockurl.
QString lockfilePath(const QString& sampHubVariable, const QString& homeDir);
// From this process's environment ($SAMP_HUB, $HOME).
QString lockfilePathFromEnvironment();

// Throws remap::Error naming the file when it is missing (no hub running), unreadable, or lacks a
// required key or a usable http URL.
HubEndpoint readLockfile(const QString& path);

}  // namespace remap::samp
