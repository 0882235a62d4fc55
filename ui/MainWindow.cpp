#include "MainWindow.h"

#include "InspectorView.h"
#include "ModelSession.h"
#include "SpectrumChartView.h"
#include "SummaryPanel.h"
#include "base/Error.h"
#include "ml/ModelLocator.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStandardItemModel>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace remap::ui {
namespace {
constexpr int kMaxRecent = 10;
const char* kRecentKey = "recentFiles";
const char* kFirstStartKey = "firstStartDone";
const QStringList kDevices{QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda")};

QIcon icon(const char* name)
{
    return QIcon(QStringLiteral(":/remap/icons/%1.svg").arg(QLatin1String(name)));
}
}  // namespace

MainWindow::MainWindow(QWidget* parent, bool loadDefaultModel)
    : QMainWindow(parent),
      session_(new ModelSession(this)),
      inspector_(new InspectorView(session_)),
      tabs_(new QTabWidget),
      busy_(new QProgressBar),
      modelLabel_(new QLabel)
{
    setWindowTitle(tr("REMAP Studio"));
    setWindowIcon(QIcon(QStringLiteral(":/remap/icons/remap-studio.svg")));
    setAcceptDrops(true);

    tabs_->setDocumentMode(true);
    tabs_->addTab(inspector_, tr("Inspect"));
    tabs_->setTabToolTip(0, tr("One star: spectrum, saliency, posteriors and summary"));

    auto* centre = new QWidget;
    auto* layout = new QVBoxLayout(centre);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    buildFirstStartBar();
    if (firstStart_) layout->addWidget(firstStart_);
    layout->addWidget(tabs_, 1);
    setCentralWidget(centre);

    busy_->setRange(0, 0);  // indeterminate: a prediction has no useful fraction
    busy_->setMaximumWidth(120);
    busy_->setVisible(false);
    busy_->setToolTip(tr("Reading or predicting on a worker thread"));
    modelLabel_->setToolTip(tr("The model every panel uses (Model ▸ Open model…)"));
    statusBar()->addPermanentWidget(modelLabel_);
    statusBar()->addPermanentWidget(busy_);
    statusBar()->showMessage(tr("Ready"));

    connect(inspector_, &InspectorView::shown, this, [this](const QString& path) {
        setWindowTitle(tr("%1 — REMAP Studio").arg(QFileInfo(path).fileName()));
        rememberRecent(path);
        emit spectrumShown(path);
    });
    connect(inspector_, &InspectorView::failed, this,
            [this](const QString&, const QString& message) { emit errorShown(message); });
    connect(inspector_, &InspectorView::busyChanged, busy_, &QWidget::setVisible);
    connect(inspector_, &InspectorView::statusMessage, this,
            [this](const QString& text, int timeout) { statusBar()->showMessage(text, timeout); });
    connect(session_, &ModelSession::modelLoading, this, [this] {
        busy_->setVisible(true);
        updateModelLabel();
    });
    connect(session_, &ModelSession::modelReady, this, [this](const QString& path) {
        busy_->setVisible(inspector_->isBusy());
        updateModelLabel();
        statusBar()->showMessage(tr("Model %1 loaded").arg(QFileInfo(path).fileName()), 5000);
    });
    connect(session_, &ModelSession::modelFailed, this, [this](const QString& path, const QString&) {
        busy_->setVisible(inspector_->isBusy());
        updateModelLabel();
        statusBar()->showMessage(tr("Could not load the model %1").arg(QFileInfo(path).fileName()), 8000);
    });

    buildActions();
    QSettings settings;
    restoreGeometry(settings.value("mainWindow/geometry").toByteArray());
    if (!restoreState(settings.value("mainWindow/state").toByteArray())) resize(1280, 800);
    inspector_->restoreSettings(settings);
    const QString device = settings.value("model/device", "auto").toString();
    setDevice(kDevices.contains(device) && !(device == "cuda" && !cudaAvailable()) ? device : "auto");
    const bool runOnOpen = settings.value("model/runOnOpen", true).toBool();
    runOnOpenAction_->setChecked(runOnOpen);
    inspector_->setRunOnOpen(runOnOpen);
    updateModelLabel();

    if (loadDefaultModel) {
        QString model = settings.value("model/path").toString();
        if (model.isEmpty() || !QFileInfo::exists(model)) model = ModelSession::defaultModelPath();
        if (!model.isEmpty()) session_->load(model, session_->device());
    }
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions()
{
    // File
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* open = file->addAction(icon("open"), tr("&Open…"), this, &MainWindow::openWithDialog);
    open->setShortcut(QKeySequence::Open);
    open->setStatusTip(tr("Open a spectrum file (FITS or text)"));
    open->setToolTip(tr("Open a spectrum (Ctrl+O); you can also drop files on the window"));
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    auto* demo = file->addAction(icon("demo"), tr("Open &Demo Star"), this, [this] {
        const QString star = demoStar();
        if (star.isEmpty())
            statusBar()->showMessage(tr("No demo data found (build the demo_survey target or install)"), 8000);
        else
            openFile(star);
    });
    demo->setStatusTip(tr("Open a synthetic demo spectrum that ships with REMAP Studio"));
    demo->setEnabled(!demoStar().isEmpty());
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    // Model
    auto* model = menuBar()->addMenu(tr("&Model"));
    auto* openModelAction = model->addAction(icon("model"), tr("&Open Model…"), this, &MainWindow::openModelWithDialog);
    openModelAction->setShortcut(Qt::CTRL | Qt::Key_M);
    openModelAction->setStatusTip(tr("Choose a trained model bundle (.remap)"));
    openModelAction->setToolTip(tr("Choose the model bundle (.remap) every panel uses (Ctrl+M)"));
    model->addAction(tr("Use the &Default Model"), this, [this] {
        const QString path = ModelSession::defaultModelPath();
        if (path.isEmpty())
            statusBar()->showMessage(tr("No default model: set REMAP_MODEL or install the shipped model"), 8000);
        else
            openModel(path);
    });
    auto* deviceMenu = model->addMenu(tr("&Device"));
    deviceActions_ = new QActionGroup(this);
    const bool cuda = cudaAvailable();
    for (const auto& [id, label] : {std::pair{"auto", tr("&Auto (CUDA when available)")}, std::pair{"cpu", tr("&CPU")},
                                    std::pair{"cuda", tr("C&UDA")}}) {
        auto* a = deviceMenu->addAction(label);
        a->setCheckable(true);
        a->setData(QString::fromLatin1(id));
        deviceActions_->addAction(a);
        if (QLatin1String(id) == QLatin1String("cuda") && !cuda) {
            a->setEnabled(false);
            a->setToolTip(tr("No CUDA device is available to this build of LibTorch"));
        }
        connect(a, &QAction::triggered, this, [this, a] { setDevice(a->data().toString()); });
    }
    runOnOpenAction_ = model->addAction(tr("Run Model When a Spectrum &Opens"));
    runOnOpenAction_->setCheckable(true);
    runOnOpenAction_->setStatusTip(tr("Predict as soon as a spectrum is opened"));
    connect(runOnOpenAction_, &QAction::toggled, this, [this](bool on) {
        inspector_->setRunOnOpen(on);
        if (runOnOpenBox_ && runOnOpenBox_->isChecked() != on) runOnOpenBox_->setChecked(on);
        QSettings().setValue("model/runOnOpen", on);
    });
    auto* run = model->addAction(icon("run"), tr("&Run Model"), inspector_, &InspectorView::runModel);
    run->setShortcut(Qt::CTRL | Qt::Key_R);
    run->setStatusTip(tr("Run the model on the spectrum shown"));
    run->setToolTip(tr("Run the model on the spectrum shown (Ctrl+R)"));

    // View
    auto* view = menuBar()->addMenu(tr("&View"));
    auto* reset = view->addAction(tr("&Reset Zoom"), inspector_, &InspectorView::resetZoom);
    reset->setShortcut(Qt::CTRL | Qt::Key_0);
    reset->setStatusTip(tr("Show the whole spectrum again (Home or a double click in a chart does the same)"));
    auto* exportAll = view->addAction(icon("export"), tr("&Export Charts…"), this, &MainWindow::exportWithDialog);
    exportAll->setShortcut(Qt::CTRL | Qt::Key_E);
    exportAll->setStatusTip(tr("Save every chart of the Inspect tab as PNG or SVG"));
    exportAll->setToolTip(tr("Save every chart as PNG or SVG (Ctrl+E); right-click a chart to export just it"));

    // Help
    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About REMAP Studio"), this, &MainWindow::about);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);

    // Toolbars
    auto* fileBar = addToolBar(tr("File"));
    fileBar->setObjectName("fileToolBar");
    fileBar->addAction(open);
    fileBar->addAction(exportAll);
    auto* modelBar = addToolBar(tr("Model"));
    modelBar->setObjectName("modelToolBar");
    modelBar->addAction(openModelAction);
    modelBar->addWidget(new QLabel(tr(" Device ")));
    deviceBox_ = new QComboBox;
    deviceBox_->addItems({tr("Auto"), tr("CPU"), tr("CUDA")});
    deviceBox_->setToolTip(tr("Where the network runs: Auto takes CUDA when available"));
    if (!cuda) {
        if (auto* items = qobject_cast<QStandardItemModel*>(deviceBox_->model())) items->item(2)->setEnabled(false);
        deviceBox_->setItemData(2, tr("No CUDA device is available to this build of LibTorch"), Qt::ToolTipRole);
    }
    connect(deviceBox_, &QComboBox::activated, this, [this](int i) { setDevice(kDevices[i]); });
    modelBar->addWidget(deviceBox_);
    runOnOpenBox_ = new QCheckBox(tr("Run model when a spectrum opens"));
    runOnOpenBox_->setToolTip(tr("Off: spectra are only read and normalized until you press Run model (Ctrl+R)"));
    connect(runOnOpenBox_, &QCheckBox::toggled, runOnOpenAction_, &QAction::setChecked);
    modelBar->addWidget(runOnOpenBox_);
    modelBar->addAction(run);
}

void MainWindow::buildFirstStartBar()
{
    const QString star = demoStar();
    if (QSettings().value(kFirstStartKey, false).toBool() || star.isEmpty()) return;
    // A bar, not a dialog: nothing blocks, and offscreen test runs are not stopped by it.
    firstStart_ = new QFrame;
    firstStart_->setObjectName("firstStartBar");
    firstStart_->setStyleSheet("#firstStartBar { background: #e4effc; border-bottom: 1px solid #9bb8e0; }");
    auto* layout = new QHBoxLayout(firstStart_);
    layout->setContentsMargins(8, 4, 8, 4);
    auto* text =
        new QLabel(tr("<b>New to REMAP Studio?</b> Open a demo star to see a spectrum, its saliency map "
                      "and the posteriors of Teff, log g and [Fe/H]."));
    text->setWordWrap(true);
    auto* openDemo = new QPushButton(icon("demo"), tr("Open demo star"));
    openDemo->setToolTip(star);
    auto* dismiss = new QToolButton;
    dismiss->setText(QStringLiteral("✕"));
    dismiss->setToolTip(tr("Hide this bar (it is not shown again)"));
    layout->addWidget(text, 1);
    layout->addWidget(openDemo);
    layout->addWidget(dismiss);
    auto done = [this] {
        QSettings().setValue(kFirstStartKey, true);
        firstStart_->hide();
    };
    connect(openDemo, &QPushButton::clicked, this, [this, star, done] {
        done();
        openFile(star);
    });
    connect(dismiss, &QToolButton::clicked, this, done);
}

bool MainWindow::firstStartOffered() const
{
    return firstStart_ && !firstStart_->isHidden();
}

namespace {

QString findDemoStar()
{
    // The curated Sun-like dwarf first; else the first spectrum of a demo survey (its top folder
    // holds catalogs, not spectra).
    const auto folders = demoDataFolders();
    for (const auto& folder : folders) {
        const QDir dir(QString::fromStdString(folder));
        if (dir.exists("demo-sun-like-dwarf.fits")) return dir.filePath("demo-sun-like-dwarf.fits");
    }
    for (const auto& folder : folders) {
        const QDir dir(QString::fromStdString(folder) + "/spectra");
        QStringList found;
        QDirIterator it(dir.path(), {"*.fits"}, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) found << it.next();
        if (!found.isEmpty()) {
            found.sort();
            return found.first();
        }
    }
    return {};
}

}  // namespace

QString MainWindow::demoStar()
{
    // Looked up once: the demo folders do not change while the program runs, and the menu, the
    // first-start bar and the tests ask repeatedly (on the GUI thread).
    static const QString star = findDemoStar();
    return star;
}

SpectrumChartView* MainWindow::spectrumView() const
{
    return inspector_->spectrumView();
}

QString MainWindow::summaryText() const
{
    return inspector_->summary()->text();
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
    showStar(path, std::nullopt);
}

void MainWindow::openFiles(const QStringList& paths)
{
    if (paths.isEmpty()) return;
    for (qsizetype i = paths.size() - 1; i >= 1; --i) rememberRecent(paths[i]);
    openFile(paths.first());
    if (paths.size() > 1)
        statusBar()->showMessage(tr("%1 more files are in File ▸ Open Recent").arg(paths.size() - 1), 8000);
}

void MainWindow::showStar(const QString& path, std::optional<std::array<double, 3>> reference)
{
    tabs_->setCurrentWidget(inspector_);
    inspector_->openFile(path, reference);
}

void MainWindow::openModelWithDialog()
{
    const QString start = session_->modelPath().isEmpty() ? QSettings().value("model/lastDir").toString()
                                                          : QFileInfo(session_->modelPath()).absolutePath();
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open model"), start, tr("REMAP models (*.remap);;All files (*)"));
    if (path.isEmpty()) return;
    QSettings().setValue("model/lastDir", QFileInfo(path).absolutePath());
    openModel(path);
}

void MainWindow::openModel(const QString& bundlePath)
{
    QSettings().setValue("model/path", QFileInfo(bundlePath).absoluteFilePath());
    session_->load(bundlePath, session_->device());
}

void MainWindow::setDevice(const QString& device)
{
    const int index = std::max<int>(0, static_cast<int>(kDevices.indexOf(device)));
    if (deviceBox_) deviceBox_->setCurrentIndex(index);
    for (auto* a : deviceActions_->actions()) a->setChecked(a->data().toString() == kDevices[index]);
    QSettings().setValue("model/device", kDevices[index]);
    if (session_->device() != kDevices[index]) session_->setDevice(kDevices[index]);
}

void MainWindow::updateModelLabel()
{
    if (session_->isLoading()) {
        modelLabel_->setText(tr("Loading model…"));
    } else if (auto p = session_->predictor()) {
        modelLabel_->setText(
            tr("Model: %1 (%2)")
                .arg(QString::fromStdString(p->bundle().card().name), QString::fromStdString(p->deviceName())));
        modelLabel_->setToolTip(session_->modelPath());
    } else {
        modelLabel_->setText(tr("No model"));
        modelLabel_->setToolTip(session_->lastError().isEmpty() ? tr("Choose one with Model ▸ Open model…")
                                                                : session_->lastError());
    }
}

void MainWindow::exportWithDialog()
{
    QSettings settings;
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Export charts to folder"),
                                                             settings.value("export/lastDir").toString());
    if (folder.isEmpty()) return;
    settings.setValue("export/lastDir", folder);
    QStringList formats{tr("PNG images"), tr("SVG images")};
    const bool svg = settings.value("export/format").toString() == "svg";
    QMessageBox ask(QMessageBox::Question, tr("Export charts"), tr("Which format?"), QMessageBox::Cancel, this);
    auto* png = ask.addButton(tr("PNG"), QMessageBox::AcceptRole);
    auto* vector = ask.addButton(tr("SVG"), QMessageBox::AcceptRole);
    ask.setDefaultButton(svg ? vector : png);
    ask.exec();
    if (ask.clickedButton() != png && ask.clickedButton() != vector) return;
    const QString format = ask.clickedButton() == vector ? "svg" : "png";
    settings.setValue("export/format", format);
    try {
        const QStringList written = inspector_->exportCharts(folder, format);
        statusBar()->showMessage(tr("%1 charts written to %2").arg(written.size()).arg(folder), 8000);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Export failed"), QString::fromStdString(e.what()));
    }
}

void MainWindow::about()
{
    QString model = tr("none");
    if (auto p = session_->predictor())
        model = tr("%1 (%2, %3 parameters)")
                    .arg(QString::fromStdString(p->bundle().card().name).toHtmlEscaped(),
                         session_->modelPath().toHtmlEscaped())
                    .arg(p->bundle().parameterCount());
    QMessageBox::about(this, tr("About REMAP Studio"),
                       tr("<h3>REMAP Studio %1</h3><p>Stellar parameters (Teff, log g, [Fe/H]) from spectra with a "
                          "deep convolutional network after deep-REMAP (Gilda 2025), as full posteriors.</p>"
                          "<p>Model: %2</p><p>The GUI shows exactly what <tt>remap predict</tt> computes.</p>")
                           .arg(QApplication::applicationVersion(), model));
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
    QStringList files;
    for (const auto& url : event->mimeData()->urls())
        if (url.isLocalFile()) files << url.toLocalFile();
    openFiles(files);
}

void MainWindow::saveSettings()
{
    QSettings settings;
    settings.setValue("mainWindow/geometry", saveGeometry());
    settings.setValue("mainWindow/state", saveState());
    inspector_->saveSettings(settings);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveSettings();
    event->accept();
}

}  // namespace remap::ui
