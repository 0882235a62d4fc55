#include "InspectorView.h"

#include "ChartExport.h"
#include "ModelSession.h"
#include "PosteriorChartView.h"
#include "SaliencyChartView.h"
#include "SpectrumChartView.h"
#include "SummaryPanel.h"
#include "base/Error.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSettings>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace remap::ui {
namespace {

struct MethodInfo {
    SaliencyMethod method;
    const char* label;
    const char* tip;
};
const MethodInfo kMethods[] = {
    {SaliencyMethod::Gradient, QT_TRANSLATE_NOOP("remap::ui::InspectorView", "Gradient"),
     QT_TRANSLATE_NOOP("remap::ui::InspectorView", "d mean / d flux per pixel (fast, noisy)")},
    {SaliencyMethod::GradientTimesInput, QT_TRANSLATE_NOOP("remap::ui::InspectorView", "Gradient × input"),
     QT_TRANSLATE_NOOP("remap::ui::InspectorView",
                       "The gradient times the line depth (flux − 1): where absorption "
                       "features move the estimate")},
    {SaliencyMethod::SmoothGrad, QT_TRANSLATE_NOOP("remap::ui::InspectorView", "SmoothGrad"),
     QT_TRANSLATE_NOOP("remap::ui::InspectorView", "The gradient averaged over 32 noisy copies of the spectrum")},
    {SaliencyMethod::IntegratedGradients, QT_TRANSLATE_NOOP("remap::ui::InspectorView", "Integrated gradients"),
     QT_TRANSLATE_NOOP("remap::ui::InspectorView",
                       "Attributions along the path from a featureless continuum to "
                       "this spectrum; they sum to the change of the estimate")},
};

QString paramText(Param p)
{
    return p == Param::Teff ? QObject::tr("Teff") : p == Param::Logg ? QObject::tr("log g") : QObject::tr("[Fe/H]");
}

}  // namespace

InspectorView::InspectorView(ModelSession* session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      runner_(new PredictionRunner(session, this)),
      message_(new QLabel),
      param_(new QComboBox),
      method_(new QComboBox),
      neighbourToggle_(new QCheckBox(tr("Show nearest training spectrum"))),
      spectrum_(new SpectrumChartView),
      saliency_(new SaliencyChartView),
      saliencyNote_(new QLabel),
      neighbourBox_(new QWidget),
      neighbourCaption_(new QLabel),
      neighbourTable_(new QTableWidget(0, 5)),
      summary_(new SummaryPanel),
      mainSplit_(new QSplitter(Qt::Horizontal)),
      centreSplit_(new QSplitter(Qt::Vertical)),
      rightSplit_(new QSplitter(Qt::Vertical))
{
    message_->setWordWrap(true);
    message_->setTextFormat(Qt::RichText);
    message_->setMargin(6);
    message_->setVisible(false);

    for (Param p : kAllParams) param_->addItem(paramText(p), static_cast<int>(p));
    param_->setToolTip(tr("The parameter whose estimate the saliency map explains"));
    for (const auto& m : kMethods) {
        method_->addItem(tr(m.label), static_cast<int>(m.method));
        method_->setItemData(method_->count() - 1, tr(m.tip), Qt::ToolTipRole);
    }
    method_->setToolTip(tr("How the attribution is computed (docs/network.md, Saliency)"));
    neighbourToggle_->setToolTip(
        tr("Overlay the closest training spectrum in the network's embedding space, or list\n"
           "the closest ones when their spectra are not available"));
    saliencyNote_->setWordWrap(true);
    saliencyNote_->setVisible(false);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Saliency of")));
    controls->addWidget(param_);
    controls->addWidget(new QLabel(tr("by")));
    controls->addWidget(method_);
    controls->addStretch(1);
    controls->addWidget(neighbourToggle_);

    neighbourCaption_->setWordWrap(true);
    neighbourTable_->setHorizontalHeaderLabels(
        {tr("Training spectrum"), tr("Teff [K]"), tr("log g"), tr("[Fe/H]"), tr("Distance")});
    neighbourTable_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    neighbourTable_->verticalHeader()->setVisible(false);
    neighbourTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    neighbourTable_->setToolTip(
        tr("Training spectra closest to this star in the network's embedding space\n"
           "(cosine distance: 0 = same direction, 2 = opposite)"));
    auto* nbLayout = new QVBoxLayout(neighbourBox_);
    nbLayout->setContentsMargins(0, 0, 0, 0);
    nbLayout->addWidget(neighbourCaption_);
    nbLayout->addWidget(neighbourTable_);
    neighbourBox_->setVisible(false);

    centreSplit_->addWidget(spectrum_);
    auto* saliencyBox = new QWidget;
    auto* salLayout = new QVBoxLayout(saliencyBox);
    salLayout->setContentsMargins(0, 0, 0, 0);
    salLayout->setSpacing(0);
    salLayout->addWidget(saliency_, 1);
    salLayout->addWidget(saliencyNote_);
    centreSplit_->addWidget(saliencyBox);
    centreSplit_->addWidget(neighbourBox_);
    centreSplit_->setStretchFactor(0, 3);
    centreSplit_->setStretchFactor(1, 2);
    centreSplit_->setStretchFactor(2, 1);
    WavelengthChartView::linkXAxis(spectrum_, saliency_);

    auto* centre = new QWidget;
    auto* centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    centreLayout->addLayout(controls);
    centreLayout->addWidget(centreSplit_, 1);

    rightSplit_->addWidget(summary_);
    posteriors_ = {new PosteriorChartView(tr("Teff [K]")), new PosteriorChartView(tr("log g [dex]")),
                   new PosteriorChartView(tr("[Fe/H] [dex]"))};
    for (auto* p : posteriors_) rightSplit_->addWidget(p);

    mainSplit_->addWidget(centre);
    mainSplit_->addWidget(rightSplit_);
    mainSplit_->setStretchFactor(0, 3);
    mainSplit_->setStretchFactor(1, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(message_);
    layout->addWidget(mainSplit_, 1);

    for (QWidget* chart : {static_cast<QWidget*>(spectrum_), static_cast<QWidget*>(saliency_)}) {
        auto* reset = new QAction(tr("Reset zoom"), chart);
        connect(reset, &QAction::triggered, this, &InspectorView::resetZoom);
        chart->addAction(reset);
    }
    addExportAction(spectrum_);
    addExportAction(saliency_);
    for (auto* p : posteriors_) addExportAction(p);

    connect(param_, &QComboBox::currentIndexChanged, this, [this] { showSaliency(); });
    connect(method_, &QComboBox::currentIndexChanged, this, [this] { showSaliency(); });
    connect(neighbourToggle_, &QCheckBox::toggled, this, [this] { showNeighbours(); });
    connect(runner_, &PredictionRunner::finished, this, [this](const QString& path) {
        if (path != QFileInfo(path_).absoluteFilePath() && path != path_) return;
        readError_.clear();
        display(runner_->result());
    });
    connect(runner_, &PredictionRunner::failed, this, [this](const QString& path, const QString& message) {
        readError_ =
            tr("Could not open <b>%1</b>: %2").arg(QFileInfo(path).fileName().toHtmlEscaped(), message.toHtmlEscaped());
        updateMessage();
        emit statusMessage(tr("Could not read %1").arg(QFileInfo(path).fileName()), 8000);
        emit failed(path, message);
    });
    connect(runner_, &PredictionRunner::busyChanged, this, &InspectorView::busyChanged);
    connect(session_, &ModelSession::modelLoading, this, [this] { updateMessage(); });
    connect(session_, &ModelSession::modelFailed, this, [this] { updateMessage(); });
    connect(session_, &ModelSession::modelReady, this, [this] {
        updateMessage();
        if (!path_.isEmpty()) request(runOnOpen_ || networkWanted_);  // redraw with the new model
    });
    updateMessage();
}

InspectorView::~InspectorView() = default;

void InspectorView::openFile(const QString& path, std::optional<std::array<double, 3>> reference)
{
    path_ = QFileInfo(path).absoluteFilePath();
    reference_ = reference;
    networkWanted_ = runOnOpen_;
    emit started(path_);
    request(networkWanted_);
}

void InspectorView::runModel()
{
    if (path_.isEmpty()) return;
    networkWanted_ = true;
    request(true);
}

void InspectorView::request(bool runNetwork)
{
    InspectRequest r;
    r.path = path_;
    r.runNetwork = runNetwork;
    r.saliency = saliencyChoice();
    emit statusMessage(runNetwork && session_->predictor() ? tr("Predicting %1…").arg(QFileInfo(path_).fileName())
                                                           : tr("Reading %1…").arg(QFileInfo(path_).fileName()),
                       0);
    runner_->inspect(r);
}

void InspectorView::setRunOnOpen(bool run)
{
    runOnOpen_ = run;
    updateMessage();
}

SaliencyChoice InspectorView::saliencyChoice() const
{
    return {static_cast<Param>(param_->currentData().toInt()),
            static_cast<SaliencyMethod>(method_->currentData().toInt())};
}

void InspectorView::setSaliencyChoice(const SaliencyChoice& choice)
{
    param_->setCurrentIndex(std::max(0, param_->findData(static_cast<int>(choice.param))));
    method_->setCurrentIndex(std::max(0, method_->findData(static_cast<int>(choice.method))));
}

void InspectorView::setShowNeighbour(bool show)
{
    neighbourToggle_->setChecked(show);
}

void InspectorView::resetZoom()
{
    saliency_->resetZoom();
    spectrum_->resetZoom();  // last, so the linked saliency view takes the spectrum's range
}

bool InspectorView::isBusy() const
{
    return runner_->isBusy();
}

QString InspectorView::messageText() const
{
    return message_->isHidden() ? QString() : message_->text();  // isHidden: also right before show()
}

QString InspectorView::neighbourCaption() const
{
    return neighbourCaption_->text();
}

std::optional<std::array<double, 3>> InspectorView::referenceFor(const Inspection& r) const
{
    std::array<double, 3> ref{NAN, NAN, NAN};
    const auto& labels = r.spectrum.labels;
    if (labels.teff) ref[0] = *labels.teff;
    if (labels.logg) ref[1] = *labels.logg;
    if (labels.feh) ref[2] = *labels.feh;
    if (reference_)
        for (int i = 0; i < 3; ++i)
            if (std::isfinite((*reference_)[i])) ref[i] = (*reference_)[i];
    if (std::none_of(ref.begin(), ref.end(), [](double v) { return std::isfinite(v); })) return std::nullopt;
    return ref;
}

void InspectorView::display(const std::shared_ptr<const Inspection>& r)
{
    shown_ = r;
    if (r->prepared)
        spectrum_->setPrepared(r->grid(), *r->prepared);
    else
        spectrum_->setSpectrum(r->spectrum);
    const auto ref = referenceFor(*r);
    for (Param p : kAllParams) {
        const int i = static_cast<int>(p);
        if (r->prediction)
            posteriors_[i]->setPosterior((*r->prediction)[i],
                                         ref && std::isfinite((*ref)[i]) ? std::optional((*ref)[i]) : std::nullopt);
        else
            posteriors_[i]->clear();
    }
    summary_->showInspection(*r, ref);
    showNeighbours();
    showSaliency();
    updateMessage();
    const QString name = QFileInfo(r->path).fileName();
    if (r->prediction) {
        const auto& p = *r->prediction;
        emit statusMessage(tr("%1: Teff %2 K, log g %3, [Fe/H] %4 (%5 ms on %6)")
                               .arg(name)
                               .arg(p.teff.median, 0, 'f', 0)
                               .arg(p.logg.median, 0, 'f', 2)
                               .arg(p.feh.median, 0, 'f', 2)
                               .arg(r->elapsedMs, 0, 'f', 0)
                               .arg(QString::fromStdString(r->predictor->deviceName())),
                           10000);
    } else {
        emit statusMessage(tr("Loaded %1").arg(name), 5000);
    }
    emit shown(r->path);
}

void InspectorView::showSaliency()
{
    const SaliencyChoice choice = saliencyChoice();
    auto note = [this](const QString& text) {
        saliencyNote_->setText(text);
        saliencyNote_->setVisible(!text.isEmpty());
    };
    if (!shown_ || !shown_->prediction) {
        saliency_->clear();
        note(shown_ ? tr("The saliency map appears once the model has run on this spectrum.") : QString());
        return;
    }
    const auto* values = shown_->saliencyFor(choice);
    if (!values) {  // not computed yet for this parameter and method: ask the runner (cached per file)
        saliency_->clear();
        note(tr("Computing the saliency map…"));
        request(true);
        return;
    }
    if (values->empty()) {
        saliency_->clear();
        note(tr("The saliency map could not be computed: %1").arg(shown_->saliencyError));
        return;
    }
    saliency_->setSaliency(shown_->grid(), *values, shown_->prepared->mask,
                           tr("Saliency of %1").arg(paramText(choice.param)));
    note({});
}

void InspectorView::showNeighbours()
{
    const bool on = neighbourToggle_->isChecked();
    neighbourBox_->setVisible(on);
    spectrum_->clearOverlay();
    neighbourTable_->setRowCount(0);
    if (!shown_ || !shown_->prediction) {
        neighbourCaption_->setText(tr("Nearest training spectra are found once the model has run."));
        spectrum_->setOverlayVisible(false);
        return;
    }
    const auto& nbs = shown_->neighbours;
    neighbourTable_->setRowCount(static_cast<int>(nbs.size()));
    for (int i = 0; i < static_cast<int>(nbs.size()); ++i) {
        const auto& nb = nbs[static_cast<std::size_t>(i)];
        const QStringList cells{QString::fromStdString(nb.name), QString::number(nb.labels[0], 'f', 0),
                                QString::number(nb.labels[1], 'f', 2), QString::number(nb.labels[2], 'f', 2),
                                QString::number(nb.distance, 'f', 4)};
        for (int c = 0; c < cells.size(); ++c) neighbourTable_->setItem(i, c, new QTableWidgetItem(cells[c]));
    }
    if (shown_->nearest) {
        const auto& n = *shown_->nearest;
        spectrum_->setOverlay(QString::fromStdString(n.neighbour.name), shown_->grid(), n.prepared);
        neighbourCaption_->setText(
            tr("<span style='color:#e68214'><b>Orange</b></span>: the nearest training spectrum <b>%1</b> "
               "(Teff %2 K, log g %3, [Fe/H] %4; distance %5), read from %6 and prepared like this star.")
                .arg(QString::fromStdString(n.neighbour.name).toHtmlEscaped())
                .arg(n.neighbour.labels[0], 0, 'f', 0)
                .arg(n.neighbour.labels[1], 0, 'f', 2)
                .arg(n.neighbour.labels[2], 0, 'f', 2)
                .arg(n.neighbour.distance, 0, 'f', 4)
                .arg(n.file.toHtmlEscaped()));
    } else {
        neighbourCaption_->setText(tr("No spectrum is overlaid. %1").arg(shown_->nearestNote.toHtmlEscaped()));
    }
    spectrum_->setOverlayVisible(on);
}

void InspectorView::setMessage(const QString& html, bool error)
{
    message_->setText(html);
    message_->setStyleSheet(error ? "QLabel { background: #fbe3e1; border: 1px solid #d9534f; }"
                                  : "QLabel { background: #fff6d6; border: 1px solid #e0c35a; }");
    message_->setVisible(!html.isEmpty());
}

void InspectorView::updateMessage()
{
    if (!readError_.isEmpty()) {
        setMessage(readError_ + tr("<br>The window keeps working: open another file."), true);
        return;
    }
    if (session_->isLoading()) {
        setMessage(tr("Loading the model %1…").arg(QFileInfo(session_->modelPath()).fileName().toHtmlEscaped()), false);
        return;
    }
    if (!session_->predictor()) {
        const QString why = session_->lastError().isEmpty()
                                ? tr("No model is loaded")
                                : tr("The model could not be loaded: %1").arg(session_->lastError().toHtmlEscaped());
        setMessage(why + tr(", so the spectrum is shown as read. Choose a model with <b>Model ▸ Open model…</b> "
                            "(Ctrl+M) or set the REMAP_MODEL environment variable."),
                   !session_->lastError().isEmpty());
        return;
    }
    if (shown_ && !shown_->modelError.isEmpty()) {
        setMessage(tr("The model could not be applied to this spectrum: %1<br>The spectrum is shown as read.")
                       .arg(shown_->modelError.toHtmlEscaped()),
                   true);
        return;
    }
    if (shown_ && !shown_->prediction && !networkWanted_) {
        setMessage(tr("The model has not been run on this spectrum. Run it with <b>Model ▸ Run model</b> (Ctrl+R), "
                      "or turn on <b>Run model when a spectrum opens</b>."),
                   false);
        return;
    }
    setMessage({}, false);
}

QStringList InspectorView::exportCharts(const QString& folder, const QString& format) const
{
    const QString stem = path_.isEmpty() ? QStringLiteral("remap") : QFileInfo(path_).completeBaseName();
    const std::pair<QWidget*, const char*> charts[] = {
        {spectrum_, "spectrum"},
        {saliency_, "saliency"},
        {posteriors_[0], "posterior-teff"},
        {posteriors_[1], "posterior-logg"},
        {posteriors_[2], "posterior-feh"},
    };
    QStringList written;
    for (const auto& [widget, name] : charts) {
        const QString path = QDir(folder).filePath(QStringLiteral("%1-%2.%3").arg(stem, name, format));
        exportChart(widget, path);
        written << path;
    }
    return written;
}

void InspectorView::saveSettings(QSettings& s) const
{
    s.setValue("inspector/mainSplit", mainSplit_->saveState());
    s.setValue("inspector/centreSplit", centreSplit_->saveState());
    s.setValue("inspector/rightSplit", rightSplit_->saveState());
    s.setValue("inspector/saliencyParam", QString::fromUtf8(paramName(saliencyChoice().param).data()));
    s.setValue("inspector/saliencyMethod", QString::fromUtf8(saliencyMethodName(saliencyChoice().method).data()));
    s.setValue("inspector/showNeighbour", neighbourToggle_->isChecked());
}

void InspectorView::restoreSettings(const QSettings& s)
{
    mainSplit_->restoreState(s.value("inspector/mainSplit").toByteArray());
    centreSplit_->restoreState(s.value("inspector/centreSplit").toByteArray());
    rightSplit_->restoreState(s.value("inspector/rightSplit").toByteArray());
    SaliencyChoice choice;
    try {
        choice.param = parseParam(s.value("inspector/saliencyParam", "teff").toString().toStdString());
        choice.method = parseSaliencyMethod(s.value("inspector/saliencyMethod", "grad").toString().toStdString());
    } catch (const Error&) {
        // a settings file from another version: keep the defaults
    }
    setSaliencyChoice(choice);
    setShowNeighbour(s.value("inspector/showNeighbour", false).toBool());
}

}  // namespace remap::ui
