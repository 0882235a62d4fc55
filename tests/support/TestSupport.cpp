#include "TestSupport.h"

#include <QProcess>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace remap::test {
namespace {
std::string env(const char* name)
{
    const char* value = std::getenv(name);
    if (!value || !*value) throw std::runtime_error(std::string(name) + " is not set; run the tests through CTest");
    return value;
}
}  // namespace

std::string fixturesDir()
{
    return env("REMAP_FIXTURES");
}
std::string fixture(const std::string& relative)
{
    return fixturesDir() + "/" + relative;
}
std::string sourceDir()
{
    return env("REMAP_SOURCE_DIR");
}
std::string binaryDir()
{
    return env("REMAP_BINARY_DIR");
}

bool nearRelative(double actual, double expected, double relTol, double absFloor)
{
    const double scale = std::max(std::abs(expected), absFloor);
    return std::abs(actual - expected) <= relTol * scale;
}

QString describeMismatch(const QString& what, double actual, double expected, double tol)
{
    return QStringLiteral("%1: got %2, expected %3 (difference %4, tolerance %5)")
        .arg(what)
        .arg(actual, 0, 'g', 17)
        .arg(expected, 0, 'g', 17)
        .arg(actual - expected, 0, 'g', 6)
        .arg(tol, 0, 'g', 6);
}

Run runRemap(const QStringList& args, const QString& workingDir, QProcessEnvironment env, int timeoutMs)
{
    QProcess p;
    if (!workingDir.isEmpty()) p.setWorkingDirectory(workingDir);
    env.remove("REMAP_MODEL");
    p.setProcessEnvironment(env);
    p.start(QString::fromStdString(binaryDir() + "/app/remap"), args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return {-1, {}, "timeout"};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

}  // namespace remap::test
