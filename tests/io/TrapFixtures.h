#pragma once

// The archive-trap fixtures of tests/io/trap_fixtures.py: files written with astropy into a temporary
// folder, and expected.json with astropy's reading (or the archive's documented formula) of each.

#include "TestSupport.h"
#include "base/Error.h"
#include "io/SpectrumReader.h"

#include <nlohmann/json.hpp>

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace remap::traptest {

// Runs the writer for `groups`; returns the parsed expected.json (an empty array on failure, with
// `error` set).
inline nlohmann::json writeFixtures(const QTemporaryDir& dir, const QStringList& groups, QString& error)
{
    const QString script = QString::fromStdString(test::sourceDir()) + "/tests/io/trap_fixtures.py";
    QProcess py;
    py.start("/usr/bin/python3", QStringList{script, dir.path()} + groups);
    if (!py.waitForFinished(120000) || py.exitStatus() != QProcess::NormalExit || py.exitCode() != 0) {
        error = "trap_fixtures.py failed: " + QString::fromUtf8(py.readAllStandardError());
        return nlohmann::json::array();
    }
    std::ifstream in(dir.filePath("expected.json").toStdString());
    return nlohmann::json::parse(in);
}

inline bool havePython()
{
    return std::filesystem::exists("/usr/bin/python3");
}

inline std::string pathOf(const QTemporaryDir& dir, const nlohmann::json& e)
{
    return dir.filePath(QString::fromStdString(e["file"].get<std::string>())).toStdString();
}

inline ReadOptions optionsOf(const nlohmann::json& e)
{
    ReadOptions o;
    if (e.contains("options")) {
        const auto& j = e["options"];
        if (j.contains("columns")) o.columns = j["columns"].get<std::vector<std::string>>();
        if (j.contains("order")) o.order = j["order"].get<int>();
        if (j.contains("wave_unit")) o.waveUnit = j["wave_unit"].get<std::string>();
    }
    return o;
}

inline std::string allWarnings(const Spectrum& s)
{
    std::string out;
    for (const auto& w : s.warnings) out += w + "\n";
    return out;
}

inline std::vector<int> maskedIndices(const Spectrum& s)
{
    std::vector<int> out;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (s.mask[i]) out.push_back(static_cast<int>(i));
    return out;
}

inline std::string listText(const std::vector<int>& v)
{
    std::string out;
    for (std::size_t i = 0; i < v.size() && i < 20; ++i) out += (i ? " " : "") + std::to_string(v[i]);
    if (v.size() > 20) out += " ... (" + std::to_string(v.size()) + ")";
    return out;
}

// Compares arrays value by value (relative tolerance, with `absFloor` for values near 0).
inline void compareArray(const char* what, const std::vector<double>& actual, const nlohmann::json& expected,
                         double relTol, double absFloor, const std::vector<std::uint8_t>* skipMasked = nullptr)
{
    QCOMPARE(actual.size(), expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        if (skipMasked && (*skipMasked)[i]) continue;
        const double want = expected[i].get<double>();
        if (!test::nearRelative(actual[i], want, relTol, absFloor))
            QFAIL(
                qPrintable(test::describeMismatch(QStringLiteral("%1[%2]").arg(what).arg(i), actual[i], want, relTol)));
    }
}

// Everything an entry says about a successful reading.
inline void checkEntry(const nlohmann::json& e, const Spectrum& s)
{
    const std::string file = e["file"].get<std::string>();
    if (e.contains("format")) QCOMPARE(s.provenance.format, e["format"].get<std::string>());
    if (e.contains("npix")) QCOMPARE(static_cast<long>(s.size()), e["npix"].get<long>());
    if (e.contains("wave")) compareArray("wavelength", s.wavelength, e["wave"], 1e-10, 0.0);
    if (e.contains("flux")) compareArray("flux", s.flux, e["flux"], 1e-6, 1e-30, &s.mask);
    if (e.contains("ivar") && !e["ivar"].is_null()) compareArray("ivar", s.ivar, e["ivar"], 1e-6, 1e-30, &s.mask);
    if (e.contains("masked")) {
        const auto want = e["masked"].get<std::vector<int>>();
        const auto got = maskedIndices(s);
        QVERIFY2(got == want, qPrintable(QString::fromStdString("masked pixels: got " + listText(got) + ", expected " +
                                                                listText(want))));
    }
    if (e.contains("medium")) QCOMPARE(std::string(toString(s.medium)), e["medium"].get<std::string>());
    if (e.contains("object")) QCOMPARE(s.objectName, e["object"].get<std::string>());  // UTF-8 in expected.json
    if (e.contains("unit")) QCOMPARE(s.provenance.waveUnit, e["unit"].get<std::string>());
    auto contains = [](const std::string& text, const std::string& part) {
        return text.find(part) != std::string::npos;
    };
    if (e.contains("medium_source"))
        QVERIFY2(contains(s.provenance.mediumSource, e["medium_source"].get<std::string>()),
                 s.provenance.mediumSource.c_str());
    if (e.contains("unit_source"))
        QVERIFY2(contains(s.provenance.waveUnitSource, e["unit_source"].get<std::string>()),
                 s.provenance.waveUnitSource.c_str());
    if (e.contains("layout"))
        QVERIFY2(contains(s.provenance.layout, e["layout"].get<std::string>()), s.provenance.layout.c_str());
    if (e.contains("flux_kind"))
        QVERIFY2(s.provenance.fluxKind.rfind(e["flux_kind"].get<std::string>(), 0) == 0, s.provenance.fluxKind.c_str());
    if (e.contains("columns"))
        for (const auto& part : e["columns"])
            QVERIFY2(contains(s.provenance.columns, part.get<std::string>()), s.provenance.columns.c_str());
    const std::string warnings = allWarnings(s);
    if (e.contains("warnings"))
        for (const auto& part : e["warnings"])
            QVERIFY2(contains(warnings, part.get<std::string>()),
                     qPrintable(QString::fromStdString("no warning mentions '" + part.get<std::string>() + "':\n" +
                                                       warnings)));
    if (e.contains("masked_counts")) {
        const auto& m = e["masked_counts"];
        const auto& got = s.provenance.masked;
        if (m.contains("saturated")) QCOMPARE(got.saturated, m["saturated"].get<std::size_t>());
        if (m.contains("nonPositive")) QCOMPARE(got.nonPositive, m["nonPositive"].get<std::size_t>());
        if (m.contains("nonFinite")) QCOMPARE(got.nonFinite, m["nonFinite"].get<std::size_t>());
    }
    Q_UNUSED(file);
}

// A refusal: a remap::Error whose message names the file and holds every expected part.
inline void checkRefusal(const nlohmann::json& e, const std::string& path)
{
    try {
        remap::readSpectrum(path, optionsOf(e));
    } catch (const Error& err) {
        const std::string message = err.what();
        QVERIFY2(message.find(e["file"].get<std::string>()) != std::string::npos, message.c_str());
        for (const auto& part : e["error"])
            QVERIFY2(message.find(part.get<std::string>()) != std::string::npos,
                     qPrintable(QString::fromStdString("'" + part.get<std::string>() + "' not in: " + message)));
        return;
    }
    QFAIL("the file was read, but it must be refused");
}

// Data-driven rows: one per entry of `groups` that has an expected reading or refusal of the whole file.
inline void addRows(const nlohmann::json& all)
{
    QTest::addColumn<int>("index");
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto& e = all[i];
        if (!e.contains("wave") && !e.contains("error")) continue;
        QTest::newRow(e["file"].get<std::string>().c_str()) << static_cast<int>(i);
    }
}

inline void runRow(const QTemporaryDir& dir, const nlohmann::json& all, int index)
{
    const auto& e = all[static_cast<std::size_t>(index)];
    const std::string path = pathOf(dir, e);
    if (e.contains("error")) {
        checkRefusal(e, path);
        return;
    }
    Spectrum s;
    try {
        s = remap::readSpectrum(path, optionsOf(e));
    } catch (const Error& err) {
        QFAIL(err.what());
    }
    checkEntry(e, s);
}

}  // namespace remap::traptest
