// Event-loop latency of the GUI while the training panel trains (docs/benchmarks.md "GUI
// responsiveness during training"). An offscreen TrainingPanel, shown so that its charts really
// paint, trains the default network; a 5 ms precise timer measures how late each tick arrives.
//
//   bench_gui_training [--dataset TRAIN.h5 [--validation VAL.h5]] [--rows 384] [--epochs 2]
//                      [--batch 32] [--device auto] [--threads 0] [--max-seconds 0]
// Without --dataset it writes a set of --rows spectra of 4096 pixels (the default network's input)
// plus 64 validation stars into a temporary folder. --max-seconds > 0 cancels the run after that
// long (through requestStopForClose, as closing the window does) and includes the wait.
#include "TinyTrainingData.h"
#include "TrainingPanel.h"
#include "TrainingSetupForm.h"
#include "data/TrainingSet.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace {

double percentile(std::vector<double> v, double q)
{
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCoreApplication::setApplicationName("bench_gui_training");
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({"dataset", "Training set (HDF5); default: a generated one", "file"});
    parser.addOption({"validation", "Validation set (HDF5); default: generated, or held-out rows", "file"});
    parser.addOption({"rows", "Rows of the generated training set", "n", "384"});
    parser.addOption({"epochs", "Epochs", "n", "2"});
    parser.addOption({"batch", "Batch size", "n", "32"});
    parser.addOption({"device", "auto | cpu | cuda", "device", "auto"});
    parser.addOption({"threads", "Torch intra-op threads (0: torch's default)", "n", "0"});
    parser.addOption({"max-seconds", "Cancel the run after this long (0: train to the end)", "s", "0"});
    parser.process(app);

    QTemporaryDir tmp;
    remap::train::TrainConfig config;
    try {
        if (parser.isSet("dataset")) {
            config.trainSet = parser.value("dataset").toStdString();
            if (parser.isSet("validation")) config.validationSet = parser.value("validation").toStdString();
            config.network.inputLength = static_cast<int>(remap::TrainingSetReader(config.trainSet).pixels());
        } else {
            const int rows = parser.value("rows").toInt();
            config.trainSet = tmp.filePath("train.h5").toStdString();
            config.validationSet = tmp.filePath("validation.h5").toStdString();
            std::printf("writing %d + 64 spectra of 4096 pixels...\n", rows);
            remap::test::writeTinyTrainingSet(config.trainSet, rows, 4096, 1);
            remap::test::writeTinyTrainingSet(config.validationSet, 64, 4096, 2);
            config.network.inputLength = 4096;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_gui_training: %s\n", e.what());
        return 1;
    }
    config.outputDir = tmp.filePath("run").toStdString();
    config.epochs = parser.value("epochs").toInt();
    config.batchSize = parser.value("batch").toInt();
    config.device = parser.value("device").toStdString();
    config.threads = parser.value("threads").toInt();
    config.referenceRows = 64;
    config.earlyStopping.enabled = false;

    remap::ui::TrainingPanel panel(nullptr);
    panel.resize(1600, 1000);
    panel.show();
    panel.setupForm()->setConfig(config);

    int steps = 0, epochs = 0;
    double spectraPerSecond = 0.0;
    // Latency = how much later than due each 5 ms tick arrives.
    std::vector<double> latencyMs;
    QElapsedTimer clock;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(5);
    qint64 last = 0;
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        latencyMs.push_back(std::max(0.0, (now - last) * 1e-6 - 5.0));
        if (qEnvironmentVariableIsSet("H6_TRACE") && latencyMs.back() > 10)
            std::printf("late %.1f ms at %.2f s, steps %d epochs %d\n", latencyMs.back(), now * 1e-9, steps, epochs);
        last = now;
    });

    QObject::connect(&panel, &remap::ui::TrainingPanel::stepReported, [&](const remap::train::StepReport& s) {
        ++steps;
        spectraPerSecond = s.samplesPerSecond;
    });
    QObject::connect(&panel, &remap::ui::TrainingPanel::epochReported,
                     [&](const remap::train::EpochReport&) { ++epochs; });
    QString status;
    QObject::connect(&panel, &remap::ui::TrainingPanel::trainingFinished, [&](const QString& s, const QString&) {
        status = s;
        app.quit();
    });
    QObject::connect(&panel, &remap::ui::TrainingPanel::errorShown,
                     [](const QString& m) { std::fprintf(stderr, "error: %s\n", qPrintable(m)); });

    const double maxSeconds = parser.value("max-seconds").toDouble();
    if (maxSeconds > 0)
        QTimer::singleShot(static_cast<int>(maxSeconds * 1000), &panel, [&] {
            QElapsedTimer stop;
            stop.start();
            panel.requestStopForClose();
            std::printf("requestStopForClose took %.0f ms (cancel + checkpoint)\n", stop.nsecsElapsed() * 1e-6);
        });

    QElapsedTimer wall;
    wall.start();
    clock.start();
    probe.start();
    if (!panel.start()) return 1;
    app.exec();
    probe.stop();

    std::printf("status %s after %.1f s: %d steps, %d epochs, %.0f spectra/s (%s, %d threads)\n", qPrintable(status),
                wall.elapsed() / 1000.0, steps, epochs, spectraPerSecond, config.device.c_str(), config.threads);
    std::printf(
        "event-loop latency over %zu ticks of 5 ms: median %.2f ms, p99 %.2f ms, max %.2f ms (target < 100 ms)\n",
        latencyMs.size(), percentile(latencyMs, 0.5), percentile(latencyMs, 0.99),
        latencyMs.empty() ? 0.0 : *std::max_element(latencyMs.begin(), latencyMs.end()));
    return status == "failed" ? 1 : 0;
}
