// Time from MainWindow::openFile to a drawn result (spectrum, saliency, three posteriors, summary) on
// the CPU, offscreen: read + prepare + predict + gradient saliency + neighbours on the worker, then the
// charts filled and the window repainted. Prints the median of N runs (the result cache is cleared
// before each run, so every run computes). Target: < 300 ms for a MARVELS-like spectrum with the
// shipped model (docs/benchmarks.md "GUI: open to drawn result").
//   bench_gui_open [--model BUNDLE] [--runs N] [--device cpu|cuda] [SPECTRUM]
#include "InspectorView.h"
#include "MainWindow.h"
#include "ModelSession.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QSettings>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using remap::ui::MainWindow;

namespace {

template <typename Sender, typename Signal>
bool waitFor(Sender* sender, Signal signal, int timeoutMs)
{
    QEventLoop loop;
    QObject::connect(sender, signal, &loop, &QEventLoop::quit);
    bool timedOut = false;
    QTimer::singleShot(timeoutMs, &loop, [&] {
        timedOut = true;
        loop.quit();
    });
    loop.exec();
    return !timedOut;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName("REMAP-bench");
    QApplication::setApplicationName("bench_gui_open");
    QSettings().clear();
    QSettings().setValue("firstStartDone", true);

    QString model, device = "cpu", file;
    int runs = 20;
    const QStringList args = QApplication::arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args[i] == "--model" && i + 1 < args.size())
            model = args[++i];
        else if (args[i] == "--runs" && i + 1 < args.size())
            runs = std::max(1, args[++i].toInt());
        else if (args[i] == "--device" && i + 1 < args.size())
            device = args[++i];
        else
            file = args[i];
    }
    if (model.isEmpty()) model = remap::ui::ModelSession::defaultModelPath();
    if (file.isEmpty()) file = MainWindow::demoStar();
    if (model.isEmpty() || file.isEmpty()) {
        std::fprintf(stderr, "bench_gui_open: need --model BUNDLE (or REMAP_MODEL) and a spectrum (or demo data)\n");
        return 2;
    }

    MainWindow window(nullptr, false);
    window.resize(1400, 860);
    window.show();
    auto* session = window.modelSession();
    session->load(model, device);
    if (!waitFor(session, &remap::ui::ModelSession::modelReady, 120000) || !session->predictor()) {
        std::fprintf(stderr, "bench_gui_open: the model did not load: %s\n", qPrintable(session->lastError()));
        return 1;
    }
    auto* inspector = window.inspector();
    std::vector<double> total, compute;
    for (int run = -1; run < runs; ++run) {  // run -1 warms up (first torch call, fonts, chart layout)
        inspector->runner()->clearCache();
        QElapsedTimer timer;
        timer.start();
        window.openFile(file);
        if (!waitFor(&window, &MainWindow::spectrumShown, 120000) || !inspector->current()->prediction) {
            std::fprintf(stderr, "bench_gui_open: no prediction for %s: %s\n", qPrintable(file),
                         qPrintable(inspector->messageText()));
            return 1;
        }
        QCoreApplication::processEvents();  // pending layout and update requests
        window.repaint();                   // paint every chart now
        const double ms = timer.nsecsElapsed() / 1e6;
        if (run >= 0) {
            total.push_back(ms);
            compute.push_back(inspector->current()->elapsedMs);
        }
    }
    const auto& p = *inspector->current()->prediction;
    std::printf("file    %s\nmodel   %s (%s, %s)\nresult  Teff %.0f K, log g %.2f, [Fe/H] %+.2f\n", qPrintable(file),
                qPrintable(model), session->predictor()->bundle().card().name.c_str(),
                session->predictor()->deviceName().c_str(), p.teff.median, p.logg.median, p.feh.median);
    std::printf("runs    %d\nopen -> drawn     median %.1f ms (min %.1f, max %.1f)\n", runs, median(total),
                *std::min_element(total.begin(), total.end()), *std::max_element(total.begin(), total.end()));
    std::printf("  of which worker median %.1f ms (read + prepare + predict + saliency + neighbours)\n",
                median(compute));
    return 0;
}
