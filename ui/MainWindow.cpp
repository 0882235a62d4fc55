#include "MainWindow.h"

#include "SpectrumChartView.h"
#include "SpectrumLoader.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>

namespace remap::ui {
namespace {
constexpr int kMaxRecent = 10;
const char* kRecentKey = "recentFiles";
}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      spectrumView_(new SpectrumChartView),
      loader_(new SpectrumLoader(this)),
      summary_(new QLabel),
      busy_(new QProgressBar)
{
    setWindowTitle(tr("REMAP Studio"));
    setAcceptDrops(true);

    summary_->setTextFormat(Qt::RichText);
    summary_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    summary_->setMinimumWidth(240);
    summary_->setMargin(8);
    summary_->setText(
        tr("<h3>No spectrum</h3><p>Open a FITS or text spectrum with <b>File ▸ Open</b> "
           "(Ctrl+O) or drop a file here.</p>"));

    auto* splitter = new QSplitter;
    splitter->addWidget(spectrumView_);
    splitter->addWidget(summary_);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);
    setCentralWidget(splitter);

    busy_->setRange(0, 0);  // indeterminate: reading has no useful fraction
    busy_->setMaximumWidth(120);
    busy_->setVisible(false);
    statusBar()->addPermanentWidget(busy_);
    statusBar()->showMessage(tr("Ready"));

    connect(loader_, &SpectrumLoader::loaded, this, &MainWindow::showSpectrum);
    connect(loader_, &SpectrumLoader::failed, this, &MainWindow::showError);
    connect(loader_, &SpectrumLoader::busyChanged, busy_, &QWidget::setVisible);

    buildMenus();
    QSettings settings;
    restoreGeometry(settings.value("mainWindow/geometry").toByteArray());
    if (!restoreState(settings.value("mainWindow/state").toByteArray())) resize(1200, 700);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus()
{
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* open = file->addAction(tr("&Open…"), this, &MainWindow::openWithDialog);
    open->setShortcut(QKeySequence::Open);
    open->setStatusTip(tr("Open a spectrum file (FITS or text)"));
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    auto* view = menuBar()->addMenu(tr("&View"));
    auto* reset = view->addAction(tr("&Reset Zoom"), spectrumView_, &SpectrumChartView::resetZoom);
    reset->setShortcut(Qt::Key_Home);
}

void MainWindow::openWithDialog()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open spectrum"), QSettings().value("lastDir").toString(),
        tr("Spectra (*.fits *.fit *.fts *.fits.gz *.txt *.csv *.dat *.ascii);;All files (*)"));
    if (path.isEmpty()) return;
    QSettings().setValue("lastDir", QFileInfo(path).absolutePath());
    openFile(path);
}

void MainWindow::openFile(const QString& path)
{
    statusBar()->showMessage(tr("Reading %1…").arg(QFileInfo(path).fileName()));
    loader_->load(path);
}

QString MainWindow::summaryText() const
{
    return summary_->text();
}

void MainWindow::showSpectrum(const QString& path, const Spectrum& s)
{
    spectrumView_->setSpectrum(s);
    const double snr = estimateSnr(s);
    QString html = QStringLiteral("<h3>%1</h3><table>").arg(QFileInfo(path).fileName().toHtmlEscaped());
    auto row = [&html](const QString& k, const QString& v) {
        html += QStringLiteral("<tr><td><b>%1</b>&nbsp;</td><td>%2</td></tr>").arg(k, v.toHtmlEscaped());
    };
    row(tr("Format"), QString::fromStdString(s.provenance.format));
    if (!s.objectName.empty()) row(tr("Object"), QString::fromStdString(s.objectName));
    row(tr("Pixels"), tr("%1 (%2 masked)").arg(s.size()).arg(s.maskedCount()));
    row(tr("Range"), tr("%1 – %2 Å").arg(s.wavelength.front(), 0, 'f', 2).arg(s.wavelength.back(), 0, 'f', 2));
    row(tr("Medium"), QString::fromUtf8(toString(s.medium).data()));
    row(tr("S/N"), snr > 0 ? QString::number(snr, 'f', 1) : tr("not estimable"));
    if (s.labels.teff) row(tr("Teff"), tr("%1 K").arg(*s.labels.teff, 0, 'f', 0));
    if (s.labels.logg) row(tr("log g"), QString::number(*s.labels.logg, 'f', 2));
    if (s.labels.feh) row(tr("[Fe/H]"), QString::number(*s.labels.feh, 'f', 2));
    html += QStringLiteral("</table>");
    summary_->setText(html);
    setWindowTitle(tr("%1 — REMAP Studio").arg(QFileInfo(path).fileName()));
    statusBar()->showMessage(tr("Loaded %1").arg(path), 5000);
    rememberRecent(path);
    emit spectrumShown(path);
}

void MainWindow::showError(const QString& path, const QString& message)
{
    statusBar()->showMessage(tr("Could not read %1").arg(QFileInfo(path).fileName()), 8000);
    emit errorShown(message);
    // Offscreen test runs must not block on a modal dialog.
    if (QGuiApplication::platformName() == QLatin1String("offscreen")) return;
    QMessageBox::warning(this, tr("Cannot open spectrum"), message);
}

void MainWindow::rememberRecent(const QString& path)
{
    QSettings settings;
    QStringList recent = settings.value(kRecentKey).toStringList();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > kMaxRecent) recent.removeLast();
    settings.setValue(kRecentKey, recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    recentMenu_->clear();
    const QStringList recent = QSettings().value(kRecentKey).toStringList();
    for (const QString& path : recent) recentMenu_->addAction(path, this, [this, path] { openFile(path); });
    recentMenu_->setEnabled(!recent.isEmpty());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) openFile(urls.first().toLocalFile());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    QSettings settings;
    settings.setValue("mainWindow/geometry", saveGeometry());
    settings.setValue("mainWindow/state", saveState());
    event->accept();
}

}  // namespace remap::ui
