#include "CatalogPanel.h"

#include "CatalogModel.h"
#include "CatalogRunner.h"
#include "ChartExport.h"
#include "KielChartView.h"
#include "ModelSession.h"
#include "ml/ModelLocator.h"
#include "train/Metrics.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>

namespace remap::ui {
namespace {

// The validation metrics of the successful rows against their reference labels (core's one definition).
train::ValidationMetrics catalogMetrics(const CatalogModel& model)
{
    std::vector<train::StarPrediction> stars;
    for (int row = 0; row < model.rowCount(); ++row)
        if (const auto& p = model.prediction(row))
            stars.push_back(train::toStarPrediction(*p, model.entry(row).reference, model.entry(row).id));
    return train::computeMetrics(stars);
}

}  // namespace

CatalogPanel::CatalogPanel(ModelSession* session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      model_(new CatalogModel(this)),
      proxy_(new CatalogFilterProxy(this)),
      runner_(new CatalogRunner(this)),
      table_(new QTableView),
      kiel_(new KielChartView),
      filter_(new QLineEdit),
      subset_(new QComboBox),
      showReference_(new QCheckBox(tr("Show reference positions"))),
      openButton_(new QPushButton(tr("Open catalog…"))),
      demoButton_(new QPushButton(tr("Demo giants"))),
      truthButton_(new QPushButton(tr("Truth CSV…"))),
      runButton_(new QPushButton(tr("Run"))),
      cancelButton_(new QPushButton(tr("Cancel"))),
      exportCsvButton_(new QPushButton(tr("Export CSV…"))),
      exportFitsButton_(new QPushButton(tr("Export FITS…"))),
      progress_(new QProgressBar),
      summary_(new QLabel),
      modelLabel_(new QLabel)
{
    proxy_->setSourceModel(model_);
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(-1, Qt::AscendingOrder);  // catalog order until the user sorts
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->setVisible(false);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setWordWrap(false);

    filter_->setPlaceholderText(tr("Filter by id, file, flag or error…"));
    filter_->setClearButtonEnabled(true);
    subset_->addItem(tr("All stars"), int(CatalogFilterProxy::Subset::All));
    subset_->addItem(tr("Giants (log g < %1)").arg(CatalogFilterProxy::kGiantLogg),
                     int(CatalogFilterProxy::Subset::Giants));
    subset_->addItem(tr("Dwarfs (log g ≥ %1)").arg(CatalogFilterProxy::kGiantLogg),
                     int(CatalogFilterProxy::Subset::Dwarfs));
    subset_->addItem(tr("Flagged"), int(CatalogFilterProxy::Subset::Flagged));
    subset_->addItem(tr("Failed"), int(CatalogFilterProxy::Subset::Failed));
    showReference_->setChecked(true);
    cancelButton_->setEnabled(false);
    progress_->setTextVisible(true);
    progress_->setRange(0, 1);
    progress_->setValue(0);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    summary_->setWordWrap(true);
    addExportAction(kiel_);

    auto* buttons = new QHBoxLayout;
    demoButton_->setToolTip(tr("Open the demo survey's giant candidates with their truth file"));
    for (auto* b :
         {openButton_, demoButton_, truthButton_, runButton_, cancelButton_, exportCsvButton_, exportFitsButton_})
        buttons->addWidget(b);
    buttons->addStretch(1);
    buttons->addWidget(modelLabel_);
    auto* filters = new QHBoxLayout;
    filters->addWidget(filter_, 1);
    filters->addWidget(subset_);
    filters->addWidget(showReference_);

    auto* kielBox = new QWidget;
    auto* kielLayout = new QHBoxLayout(kielBox);
    kielLayout->setContentsMargins(0, 0, 0, 0);
    kielLayout->addWidget(kiel_, 1);
    kielLayout->addWidget(new FehColourBar, 0, Qt::AlignVCenter);
    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(table_);
    splitter->addWidget(kielBox);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addLayout(filters);
    layout->addWidget(splitter, 1);
    layout->addWidget(progress_);
    layout->addWidget(summary_);

    // Results arrive per chunk; the chart and summary redraw at most every 150 ms (never per chunk).
    auto* redraw = new QTimer(this);
    redraw->setSingleShot(true);
    redraw->setInterval(150);
    connect(redraw, &QTimer::timeout, this, &CatalogPanel::onRows);
    connect(runner_, &CatalogRunner::rowsReady, this, [this, redraw](const std::vector<CatalogRow>& rows) {
        model_->addResults(rows);
        if (!redraw->isActive()) redraw->start();
    });
    connect(runner_, &CatalogRunner::progressChanged, this, [this](int done, int total) {
        progress_->setRange(0, std::max(total, 1));
        progress_->setValue(done);
    });
    connect(runner_, &CatalogRunner::finished, this, [this, redraw](bool cancelled) {
        redraw->stop();
        onFinished(cancelled);
    });

    connect(filter_, &QLineEdit::textChanged, proxy_, &CatalogFilterProxy::setText);
    connect(subset_, &QComboBox::currentIndexChanged, this,
            [this] { proxy_->setSubset(static_cast<CatalogFilterProxy::Subset>(subset_->currentData().toInt())); });
    connect(showReference_, &QCheckBox::toggled, kiel_, &KielChartView::setReferenceVisible);
    // One signal per click: styles that activate on a single click also emit clicked.
    const bool singleClickActivates = style()->styleHint(QStyle::SH_ItemView_ActivateItemOnSingleClick);
    connect(table_, singleClickActivates ? &QTableView::activated : &QTableView::clicked, this,
            [this](const QModelIndex& index) { activateSourceRow(proxy_->mapToSource(index).row()); });
    connect(kiel_, &KielChartView::starClicked, this, [this](int row) {
        const QModelIndex at = proxy_->mapFromSource(model_->index(row, 0));
        if (at.isValid()) table_->selectRow(at.row());
        activateSourceRow(row);
    });
    connect(openButton_, &QPushButton::clicked, this, &CatalogPanel::chooseCatalog);
    connect(demoButton_, &QPushButton::clicked, this, &CatalogPanel::openDemoCatalog);
    connect(truthButton_, &QPushButton::clicked, this, &CatalogPanel::chooseTruth);
    connect(runButton_, &QPushButton::clicked, this, &CatalogPanel::run);
    connect(cancelButton_, &QPushButton::clicked, this, &CatalogPanel::cancel);
    connect(exportCsvButton_, &QPushButton::clicked, this,
            [this] { chooseExport(tr("CSV table (*.csv)"), QStringLiteral(".csv")); });
    connect(exportFitsButton_, &QPushButton::clicked, this,
            [this] { chooseExport(tr("FITS binary table (*.fits)"), QStringLiteral(".fits")); });
    if (session_) {
        connect(session_, &ModelSession::modelReady, this, &CatalogPanel::updateActions);
        connect(session_, &ModelSession::modelLoading, this, &CatalogPanel::updateActions);
        connect(session_, &ModelSession::modelFailed, this, &CatalogPanel::updateActions);
    }
    updateActions();
    updateSummary();
}

CatalogPanel::~CatalogPanel() = default;  // the runner (a child) cancels and waits for its worker

bool CatalogPanel::isRunning() const
{
    return runner_->isRunning();
}

bool CatalogPanel::openCatalog(const QString& csvPath, const QString& truthPath)
{
    if (isRunning()) {
        showError(tr("A catalog is being predicted; cancel it before opening another."));
        return false;
    }
    std::vector<CatalogEntry> entries;
    try {
        entries = readCatalogCsv(csvPath.toStdString(), truthPath.toStdString());
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
        return false;
    }
    catalogPath_ = csvPath;
    truthPath_ = truthPath;
    runModelName_.clear();
    model_->setEntries(std::move(entries));
    const bool references = model_->hasReference();
    for (int c = CatalogModel::TeffRef; c <= CatalogModel::FehResidual; ++c) table_->setColumnHidden(c, !references);
    table_->resizeColumnsToContents();
    progress_->setRange(0, std::max(1, model_->rowCount()));
    progress_->setValue(0);
    updateKiel();
    updateSummary();
    updateActions();
    emit catalogLoaded(csvPath, model_->rowCount());
    return true;
}

bool CatalogPanel::run()
{
    const auto predictor = session_ ? session_->predictor() : nullptr;
    if (isRunning() || model_->rowCount() == 0 || !predictor) return false;
    model_->clearResults();
    runModelName_ = QString::fromStdString(predictor->bundle().card().name);
    cancelled_ = false;
    if (!runner_->start(predictor, model_->entries(), chunkSize_)) return false;
    updateKiel();
    updateSummary();
    updateActions();
    emit runStarted(model_->rowCount());
    return true;
}

std::array<QString, 2> CatalogPanel::demoGiantCatalog()
{
    // Looked up once: the demo folders do not change while the program runs (updateActions asks often).
    static const std::array<QString, 2> found = [] {
        for (const auto& folder : demoDataFolders()) {
            const QDir dir(QString::fromStdString(folder));
            if (dir.exists("giants.csv"))
                return std::array<QString, 2>{dir.filePath("giants.csv"), dir.exists("giants_truth.csv")
                                                                              ? dir.filePath("giants_truth.csv")
                                                                              : QString()};
        }
        return std::array<QString, 2>{};
    }();
    return found;
}

bool CatalogPanel::openDemoCatalog()
{
    const auto [catalog, truth] = demoGiantCatalog();
    return !catalog.isEmpty() && openCatalog(catalog, truth);
}

void CatalogPanel::cancel()
{
    runner_->cancel();
    cancelButton_->setEnabled(false);
}

void CatalogPanel::onRows()
{
    updateKiel();
    updateSummary();
}

void CatalogPanel::onFinished(bool cancelled)
{
    cancelled_ = cancelled;
    updateKiel();
    updateSummary();
    updateActions();
    table_->resizeColumnsToContents();
    emit runFinished(cancelled);
}

void CatalogPanel::activateSourceRow(int row)
{
    if (row < 0 || row >= model_->rowCount()) return;
    const auto& e = model_->entry(row);
    std::optional<std::array<double, 3>> reference;
    if (e.hasReference()) reference = e.reference;
    emit starActivated(QString::fromStdString(e.path), reference);
}

void CatalogPanel::updateKiel()
{
    std::vector<KielStar> stars;
    for (int row = 0; row < model_->rowCount(); ++row) {
        const auto& p = model_->prediction(row);
        if (!p) continue;
        const auto& ref = model_->entry(row).reference;
        stars.push_back({row, p->teff.mean, p->logg.mean, p->feh.mean, ref[0], ref[1]});
    }
    kiel_->setStars(stars);
}

QString CatalogPanel::summaryText() const
{
    return summary_->text();
}

void CatalogPanel::updateSummary()
{
    if (model_->rowCount() == 0) {
        summary_->setText(tr("Open a catalog CSV with a 'file' column (optional id, snr, teff, logg, feh)."));
        return;
    }
    int giants = 0;
    for (int row = 0; row < model_->rowCount(); ++row) {
        const auto& p = model_->prediction(row);
        if (p && p->logg.mean < CatalogFilterProxy::kGiantLogg) ++giants;
    }
    QString text = tr("%1 stars: %2 predicted, %3 failed, %4 flagged, %5 giants (log g < %6)")
                       .arg(model_->rowCount())
                       .arg(model_->succeededCount())
                       .arg(model_->failedCount())
                       .arg(model_->flaggedCount())
                       .arg(giants)
                       .arg(CatalogFilterProxy::kGiantLogg);
    if (isRunning())
        text += tr(" — running");
    else if (cancelled_)
        text += tr(" — cancelled");
    if (!runModelName_.isEmpty()) text += tr(" (model %1)").arg(runModelName_);
    if (model_->hasReference() && model_->succeededCount() > 0) {
        // Residual = predicted mean - reference: bias is its mean, scatter its standard deviation, MAD the
        // robust scatter, coverage the share of references inside the 16-84 % interval.
        static const char* names[] = {"Teff", "log g", "[Fe/H]"};
        const auto metrics = catalogMetrics(*model_);
        QStringList parts;
        for (int param = 0; param < 3; ++param) {
            const auto& m = metrics.params[static_cast<std::size_t>(param)];
            if (m.n == 0) continue;
            const int digits = param == 0 ? 0 : 3;
            parts << tr("%1 bias %2, scatter %3, MAD %4, in 16-84 %: %5 (n = %6)")
                         .arg(QLatin1String(names[param]), QString::number(m.bias, 'f', digits),
                              m.n > 1 ? QString::number(m.stddev, 'f', digits) : QStringLiteral("–"),
                              QString::number(m.mad, 'f', digits), QString::number(m.coverage68, 'f', 2))
                         .arg(m.n);
        }
        if (!parts.isEmpty()) text += QStringLiteral("\n") + tr("Against the reference: %1").arg(parts.join("; "));
    }
    summary_->setText(text);
}

void CatalogPanel::updateActions()
{
    const bool running = isRunning();
    const bool haveModel = session_ && session_->predictor();
    openButton_->setEnabled(!running);
    demoButton_->setEnabled(!running && !demoGiantCatalog()[0].isEmpty());
    truthButton_->setEnabled(!running && !catalogPath_.isEmpty());
    runButton_->setEnabled(!running && haveModel && model_->rowCount() > 0);
    runButton_->setToolTip(haveModel ? tr("Predict every star of the catalog") : tr("Load a model first"));
    cancelButton_->setEnabled(running);
    const bool results = !running && model_->succeededCount() > 0;
    exportCsvButton_->setEnabled(results);
    exportFitsButton_->setEnabled(results);
    if (!session_ || (!session_->predictor() && !session_->isLoading()))
        modelLabel_->setText(tr("no model"));
    else if (session_->isLoading())
        modelLabel_->setText(tr("loading model…"));
    else
        modelLabel_->setText(tr("model: %1").arg(QString::fromStdString(session_->predictor()->bundle().card().name)));
}

bool CatalogPanel::exportResults(const QString& path)
{
    if (model_->succeededCount() == 0) {
        showError(tr("There are no predictions to export."));
        return false;
    }
    try {
        const auto references =
            model_->hasReference() ? model_->successfulReferences() : std::vector<ReferenceLabels>{};
        writePredictions(path.toStdString(), model_->successfulPredictions(), references, runModelName_.toStdString());
    } catch (const std::exception& e) {
        showError(QString::fromStdString(e.what()));
        return false;
    }
    emit exported(path);
    return true;
}

void CatalogPanel::chooseCatalog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open catalog"), QFileInfo(catalogPath_).path(),
                                                      tr("Catalog CSV (*.csv);;All files (*)"));
    if (!path.isEmpty()) openCatalog(path);
}

void CatalogPanel::chooseTruth()
{
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Reference labels (joined by id or file)"),
                                     QFileInfo(catalogPath_).path(), tr("Catalog CSV (*.csv);;All files (*)"));
    if (!path.isEmpty()) openCatalog(catalogPath_, path);
}

void CatalogPanel::chooseExport(const QString& filter, const QString& suffix)
{
    const QString base = QFileInfo(catalogPath_).completeBaseName() + QStringLiteral("_predictions") + suffix;
    QString path = QFileDialog::getSaveFileName(this, tr("Export predictions"),
                                                QFileInfo(catalogPath_).dir().filePath(base), filter);
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += suffix;
    exportResults(path);
}

void CatalogPanel::showError(const QString& message)
{
    summary_->setText(message);
    emit errorOccurred(message);
}

}  // namespace remap::ui
