#include "InspectorView.h"
#include "MainWindow.h"
#include "ModelSession.h"
#include "StudioPanels.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QSettings>
#include <QTimer>

#include <cstdio>

namespace {

// --screenshot FILE: waits until the inspector shows a prediction (or there is nothing more to wait
// for), lets the charts paint, grabs the window into FILE and quits. Used for docs/images/main-window.png.
void arrangeScreenshot(remap::ui::MainWindow& window, const QString& file)
{
    auto done = std::make_shared<bool>(false);
    auto grab = [&window, file, done](int status) {
        if (*done) return;
        *done = true;
        // Two event-loop turns let the charts lay out and paint before the grab.
        QTimer::singleShot(300, &window, [&window, file, status] {
            const bool ok = window.grab().save(file);
            std::fprintf(stderr, "remap-studio: %s %s\n", ok ? "wrote" : "could not write", qPrintable(file));
            QCoreApplication::exit(ok ? status : 1);
        });
    };
    auto* session = window.modelSession();
    QObject::connect(&window, &remap::ui::MainWindow::spectrumShown, &window, [&window, session, grab] {
        const auto shown = window.inspector()->current();
        if ((shown && shown->prediction) || (!session->isLoading() && !session->predictor())) grab(0);
    });
    QObject::connect(&window, &remap::ui::MainWindow::errorShown, &window, [grab] { grab(3); });
    QTimer::singleShot(120000, &window, [grab] { grab(4); });  // never hang a docs build
}

}  // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName("REMAP");
    QApplication::setApplicationName("REMAP Studio");
    QApplication::setApplicationVersion(REMAP_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription("REMAP Studio: stellar parameters from spectra with deep-REMAP");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("files", "Spectra to open (the first is shown, the others go to Open Recent)");
    const QCommandLineOption model({"m", "model"}, "Model bundle to use (default: REMAP_MODEL, then the shipped one)",
                                   "BUNDLE");
    const QCommandLineOption device("device", "Where the network runs: auto, cpu or cuda", "DEVICE");
    const QCommandLineOption screenshot(
        "screenshot", "Open the files, wait for the result, save the window as FILE (PNG) and exit", "FILE");
    const QCommandLineOption size("size", "Window size for --screenshot, e.g. 1400x860", "WxH", "1400x860");
    parser.addOptions({model, device, screenshot, size});
    parser.process(app);

    const bool shot = parser.isSet(screenshot);
    if (shot) {
        // Fresh settings of its own: the user's window layout, recent files and first-start bar stay out
        // of the picture, and the user's settings are not touched.
        QApplication::setApplicationName("REMAP Studio screenshot");
        QSettings().clear();
        QSettings().setValue("firstStartDone", true);
    }
    remap::ui::MainWindow window(nullptr, !parser.isSet(model));
    remap::ui::addStudioPanels(window);
    if (parser.isSet(device)) window.setDevice(parser.value(device));
    if (parser.isSet(model)) window.modelSession()->load(parser.value(model), window.modelSession()->device());
    if (shot) {
        const QStringList wh = parser.value(size).split('x');
        if (wh.size() == 2) window.resize(wh[0].toInt(), wh[1].toInt());
        arrangeScreenshot(window, parser.value(screenshot));
    }
    window.show();
    const QStringList files = parser.positionalArguments();
    if (shot && files.isEmpty()) {
        std::fprintf(stderr, "remap-studio: --screenshot needs a spectrum file to show\n");
        return 2;
    }
    window.openFiles(files);
    return QApplication::exec();
}
