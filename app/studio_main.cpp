#include "MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>

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
    parser.addPositionalArgument("files", "Spectra to open");
    parser.process(app);

    remap::ui::MainWindow window;
    window.show();
    const QStringList files = parser.positionalArguments();
    if (!files.isEmpty()) window.openFile(files.first());
    return QApplication::exec();
}
