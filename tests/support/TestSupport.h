#pragma once

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTest>

#include <cmath>
#include <string>

namespace remap::test {

// Folder of ../shared/fixtures (from the REMAP_FIXTURES environment set by CTest).
std::string fixturesDir();
std::string fixture(const std::string& relative);
std::string sourceDir();
std::string binaryDir();

// The outcome of a program run: exit code (-1 timeout, -2 crash), stdout and stderr.
struct Run {
    int exitCode;
    QByteArray out;
    QByteArray err;
};

// Runs this build's `remap` (binaryDir()/app/remap) with `args` and waits for it. $REMAP_MODEL is
// removed from `env`, so a developer's setting cannot change what a test sees.
Run runRemap(const QStringList& args, const QString& workingDir = {},
             QProcessEnvironment env = QProcessEnvironment::systemEnvironment(), int timeoutMs = 120000);

// |actual - expected| <= relTol * max(|expected|, absFloor); message names what was compared.
bool nearRelative(double actual, double expected, double relTol, double absFloor = 0.0);
QString describeMismatch(const QString& what, double actual, double expected, double tol);

}  // namespace remap::test

// Fails the test with both values, their difference and the tolerance when they disagree.
#define REMAP_COMPARE_REL(what, actual, expected, relTol)                                       \
    do {                                                                                        \
        const double remapA_ = (actual);                                                        \
        const double remapE_ = (expected);                                                      \
        if (!remap::test::nearRelative(remapA_, remapE_, (relTol)))                             \
            QFAIL(qPrintable(remap::test::describeMismatch(what, remapA_, remapE_, (relTol)))); \
    } while (0)

#define REMAP_COMPARE_ABS(what, actual, expected, absTol)                                       \
    do {                                                                                        \
        const double remapA_ = (actual);                                                        \
        const double remapE_ = (expected);                                                      \
        if (!(std::abs(remapA_ - remapE_) <= (absTol)))                                         \
            QFAIL(qPrintable(remap::test::describeMismatch(what, remapA_, remapE_, (absTol)))); \
    } while (0)
