// Teaching-mode update time (docs/benchmarks.md "Teaching mode"):
//   bench_teaching [moves=50] [--model BUNDLE]
// Drives the TeachingPanel on Qt's offscreen platform like a user: each of `moves` slider moves
// (Teff, log g, [Fe/H], R and S/N in turn, to values not seen before) waits for the complete update
// (spectrum, network, information) before the next. Prints the median and maximum time per move from
// the slider to the spectrum and network on screen (the live part) and to the complete update with the
// information (which follows in a second step), on the GUI thread, and of each stage, without a model and with
// one: the bundle given, or else an untrained network of the default deep-REMAP size (the same cost).
#include "ModelSession.h"
#include "TeachingPanel.h"
#include "ml/ModelBundle.h"
#include "prep/PreprocessSpec.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace remap;
using namespace remap::ui;

namespace {

struct Stats {
    std::vector<double> shown, total, spectrum, network, information;
};

double median(std::vector<double> v)
{
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
double maximum(const std::vector<double>& v)
{
    return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

bool waitForUpdate(TeachingPanel& panel)
{
    QSignalSpy shown(&panel, &TeachingPanel::updateShown);
    QElapsedTimer t;
    t.start();
    while (panel.isUpdating()) {
        if (t.elapsed() > 60000) return false;
        shown.wait(100);
    }
    return true;
}

// Move i: one slider per move, cycling through the five, each to a fresh value.
void move(TeachingPanel& panel, int i)
{
    const int k = i / 5;
    switch (i % 5) {
        case 0:
            panel.setTeff(4200 + 130 * (k % 20));
            break;
        case 1:
            panel.setLogg(1.0 + 0.2 * (k % 18));
            break;
        case 2:
            panel.setFeh(-2.0 + 0.15 * (k % 16));
            break;
        case 3:
            panel.setResolvingPower(6000 + 1000 * (k % 20));
            break;
        default:
            panel.setSnr(20 + 15 * (k % 20));
            break;
    }
}

Stats run(TeachingPanel& panel, int moves, bool onlySnr)
{
    Stats s;
    panel.refresh();
    waitForUpdate(panel);
    QElapsedTimer sinceMove;
    double shownMs = -1;
    const auto connection = QObject::connect(&panel, &TeachingPanel::spectrumShown, &panel, [&] {
        if (shownMs < 0) shownMs = static_cast<double>(sinceMove.nsecsElapsed()) / 1e6;
    });
    for (int i = 0; i < moves; ++i) {
        shownMs = -1;
        sinceMove.start();
        if (onlySnr)
            panel.setSnr(20 + 7 * (i % 60));
        else
            move(panel, i);
        if (!waitForUpdate(panel)) {
            std::fprintf(stderr, "update %d did not finish\n", i);
            std::exit(1);
        }
        const auto& r = panel.lastResult();
        if (!r.error.empty()) {
            std::fprintf(stderr, "update %d failed: %s\n", i, r.error.c_str());
            std::exit(1);
        }
        s.shown.push_back(shownMs);
        s.total.push_back(panel.lastUpdateMs());
        s.spectrum.push_back(r.spectrumMs);
        s.network.push_back(r.networkMs);
        s.information.push_back(r.informationMs);
    }
    QObject::disconnect(connection);
    return s;
}

void print(const char* what, const Stats& s)
{
    std::printf(
        "%-44s spectrum+network shown: median %6.1f ms (max %6.1f); complete: median %6.1f ms (max %6.1f) | "
        "observation %5.1f, network %5.1f, information %5.1f ms\n",
        what, median(s.shown), maximum(s.shown), median(s.total), maximum(s.total), median(s.spectrum),
        median(s.network), median(s.information));
}

}  // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    int moves = 50;
    std::string model;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--model" && i + 1 < argc)
            model = argv[++i];
        else
            moves = std::max(1, std::atoi(argv[i]));
    }
    QTemporaryDir dir;
    if (model.empty()) {
        ModelCard card;  // the default deep-REMAP architecture on the MARVELS-like grid, untrained
        card.name = "untrained-default";
        card.preprocess = PreprocessSpec{}.toJson();
        model = dir.filePath("untrained.remap").toStdString();
        ModelBundle::create(card, 1).save(model);
    }

    TeachingPanel bare(nullptr);
    bare.resize(1400, 900);
    bare.show();
    print("no model, every slider", run(bare, moves, false));

    ModelSession session;
    QSignalSpy ready(&session, &ModelSession::modelReady);
    session.load(QString::fromStdString(model), "cpu");
    if (!ready.wait(120000)) {
        std::fprintf(stderr, "could not load %s: %s\n", model.c_str(), session.lastError().toUtf8().constData());
        return 1;
    }
    TeachingPanel panel(&session);
    panel.resize(1400, 900);
    panel.show();
    const std::string label = "model " + session.predictor()->bundle().card().name + ", every slider";
    print(label.c_str(), run(panel, moves, false));
    print("same, S/N slider only (information cached)", run(panel, moves, true));
    return 0;
}
