#include "HubDiscovery.h"

#include "base/Error.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>

namespace remap::samp {

QString lockfilePath(const QString& sampHubVariable, const QString& homeDir)
{
    const QString hub = sampHubVariable.trimmed();
    if (hub.isEmpty()) return QDir(homeDir).filePath(".samp");
    const QString prefix = "std-lockurl:";
    if (!hub.startsWith(prefix))
        throw Error("SAMP_HUB is '" + hub.toStdString() +
                    "': only the Standard Profile (std-lockurl:...) is supported");
    const QUrl url(hub.mid(prefix.size()));
    if (!url.isValid() || !url.isLocalFile())
        throw Error("SAMP_HUB names the lockfile '" + hub.mid(prefix.size()).toStdString() +
                    "': only a local file: URL can be read");
    return url.toLocalFile();
}

QString lockfilePathFromEnvironment()
{
    return lockfilePath(qEnvironmentVariable("SAMP_HUB"), QDir::homePath());
}

HubEndpoint readLockfile(const QString& path)
{
    const std::string file = path.toStdString();
    QFile f(path);
    if (!f.exists()) throw Error("no SAMP hub is running (there is no lockfile)", file);
    // A lockfile is a few lines; a huge one is not a lockfile.
    if (f.size() > 64 * 1024) throw Error("not a SAMP lockfile: it is larger than 64 KiB", file);
    if (!f.open(QIODevice::ReadOnly))
        throw Error("cannot read the SAMP lockfile: " + f.errorString().toStdString(), file);
    HubEndpoint hub;
    hub.lockfile = path;
    static const QRegularExpression line(R"(^([a-zA-Z0-9\-_.]+)=(.*)$)");
    for (const QByteArray& raw : f.readAll().split('\n')) {
        const QString text = QString::fromUtf8(raw).trimmed();
        if (text.isEmpty() || text.startsWith('#')) continue;
        const auto m = line.match(text);
        if (m.hasMatch()) hub.entries.insert(m.captured(1), m.captured(2));
    }
    for (const char* key : {"samp.secret", "samp.hub.xmlrpc.url", "samp.profile.version"})
        if (!hub.entries.contains(key)) throw Error(std::string("the SAMP lockfile has no ") + key + " line", file);
    hub.secret = hub.entries.value("samp.secret");
    hub.profileVersion = hub.entries.value("samp.profile.version");
    hub.xmlrpcUrl = QUrl(hub.entries.value("samp.hub.xmlrpc.url"), QUrl::StrictMode);
    if (!hub.xmlrpcUrl.isValid() || hub.xmlrpcUrl.scheme() != "http" || hub.xmlrpcUrl.host().isEmpty())
        throw Error("the SAMP lockfile's samp.hub.xmlrpc.url '" +
                        hub.entries.value("samp.hub.xmlrpc.url").toStdString() + "' is not an http URL",
                    file);
    return hub;
}

}  // namespace remap::samp
