// `remap synth ...` driven in-process: exit statuses for bad usage, the --json contract, files.
#include "TestSupport.h"

#include "cli/Cli.h"
#include "io/SpectrumReader.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace remap;

namespace {

struct Run {
    int status = 0;
    std::string out, err;
};

Run remapCli(std::vector<std::string> args)
{
    args.insert(args.begin(), "remap");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::ostringstream out, err;
    auto* oldOut = std::cout.rdbuf(out.rdbuf());
    auto* oldErr = std::cerr.rdbuf(err.rdbuf());
    Run r;
    r.status = cli::runCli(static_cast<int>(argv.size()), argv.data());
    std::cout.rdbuf(oldOut);
    std::cerr.rdbuf(oldErr);
    r.out = out.str();
    r.err = err.str();
    return r;
}

}  // namespace

class TestSynthCli : public QObject {
    Q_OBJECT

private slots:
    void crlbJson()
    {
        const Run r =
            remapCli({"synth", "crlb", "--teff", "5800", "--logg", "4.4", "--feh", "0", "--snr", "100", "--json"});
        QCOMPARE(r.status, 0);
        const auto j = nlohmann::json::parse(r.out);
        QVERIFY(j.is_object());
        QCOMPARE(j.size(), std::size_t(3));
        for (const char* key : {"teff", "logg", "feh"}) {
            QVERIFY2(j.contains(key) && j[key].is_number(), key);
            QVERIFY(j[key].get<double>() > 0);
        }
    }

    void badUsageIsExitStatusTwo()
    {
        const std::vector<std::vector<std::string>> cases = {
            {"synth", "crlb", "--teff", "9000", "--logg", "4.4", "--feh", "0", "--snr", "100"},
            {"synth", "crlb", "--teff", "5800", "--logg", "4.4", "--feh", "-5", "--snr", "100"},
            {"synth", "crlb", "--teff", "5800", "--logg", "4.4", "--feh", "0", "--snr", "0"},
            {"synth", "star", "--teff", "5800", "--logg", "7", "--feh", "0", "-o", "x.fits"},
            {"synth", "star", "--teff", "5800", "--logg", "4", "--feh", "0", "--window", "5000:5000", "-o", "x.fits"},
            {"synth", "star", "--teff", "5800", "--logg", "4", "--feh", "0", "--observe", "--snr", "-3", "-o",
             "x.fits"},
            {"synth", "star", "--teff", "5800", "--logg", "4", "--feh", "0", "--vmicro", "fast", "-o", "x.fits"},
            {"synth", "star", "--teff", "5800", "--logg", "4", "--feh", "0", "--window", "4000:5000", "-o", "x.fits"},
            {"synth", "star", "--teff", "3700", "--logg", "4", "--feh", "0", "-o", "x.fits"},
            {"synth", "grid", "--out", "g", "--teff", "6000:5000"},
            {"synth", "grid", "--out", "g", "--teff", "2000:5000"},
            {"synth", "grid", "--out", "g", "--logg", "abc"},
            {"synth", "survey", "--out", "s", "--dwarfs", "-1"},
        };
        for (const auto& args : cases) {
            const Run r = remapCli(args);
            QString joined;
            for (const auto& a : args) joined += QString::fromStdString(a) + " ";
            QVERIFY2(r.status == 2, qPrintable(QString("'%1' gave exit status %2 (stderr: %3)")
                                                   .arg(joined)
                                                   .arg(r.status)
                                                   .arg(QString::fromStdString(r.err))));
            QVERIFY2(!r.err.empty(), qPrintable("no message for " + joined));
        }
    }

    void starFiles()
    {
        QTemporaryDir dir;
        const std::string hi = dir.path().toStdString() + "/hi.fits";
        const std::string obs = dir.path().toStdString() + "/obs.fits";
        Run r = remapCli(
            {"synth", "star", "--teff", "5200", "--logg", "3.0", "--feh", "-0.5", "--window", "5100:5200", "-o", hi});
        QCOMPARE(r.status, 0);
        const Spectrum s = readSpectrum(hi);
        QCOMPARE(s.provenance.format, std::string("phoenix-medres"));
        REMAP_COMPARE_ABS("Teff", *s.labels.teff, 5200.0, 1e-9);
        REMAP_COMPARE_ABS("first wavelength", s.wavelength.front(), 5100.0, 1e-6);
        r = remapCli({"synth", "star", "--teff", "5200", "--logg", "3.0", "--feh", "-0.5", "--observe", "--snr", "70",
                      "--rv", "-12", "--seed", "9", "--observed-physics", "-o", obs});
        QCOMPARE(r.status, 0);
        const Spectrum o = readSpectrum(obs);
        QCOMPARE(o.provenance.format, std::string("remap-1d"));
        QCOMPARE(o.size(), std::size_t(4096));
        REMAP_COMPARE_ABS("reference log g", *o.labels.logg, 3.0, 1e-9);
    }
};

QTEST_APPLESS_MAIN(TestSynthCli)
#include "test_synth_cli.moc"
