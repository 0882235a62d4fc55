#include "TeachingPanel.h"

#include "ChartExport.h"
#include "CurveChartView.h"
#include "ModelSession.h"
#include "PosteriorChartView.h"
#include "SaliencyChartView.h"
#include "TeachingRunner.h"
#include "TeachingText.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace remap::ui {
namespace {

// Slider positions <-> values. Teff in 10 K steps, log g and [Fe/H] in 0.05 dex, S/N on a log scale
// (200 steps from 10 to 500), R in steps of 500.
constexpr double kSnrMin = 10, kSnrMax = 500;
constexpr int kSnrSteps = 200;

double snrOf(int v)
{
    return kSnrMin * std::pow(kSnrMax / kSnrMin, double(v) / kSnrSteps);
}
int snrPosition(double snr)
{
    return static_cast<int>(
        std::lround(kSnrSteps * std::log(std::clamp(snr, kSnrMin, kSnrMax) / kSnrMin) / std::log(kSnrMax / kSnrMin)));
}

QSlider* makeSlider(int lo, int hi, int single, int page)
{
    auto* s = new QSlider(Qt::Horizontal);
    s->setRange(lo, hi);
    s->setSingleStep(single);
    s->setPageStep(page);
    return s;
}

const char* paramTitle(int k)
{
    return k == 0 ? "Teff [K]" : k == 1 ? "log g [dex]" : "[Fe/H] [dex]";
}

}  // namespace

TeachingPanel::TeachingPanel(ModelSession* session, QWidget* parent)
    : QWidget(parent),
      session_(session),
      runner_(new TeachingRunner(this)),
      teff_(makeSlider(3500, 7000, 10, 250)),
      logg_(makeSlider(0, 110, 1, 10)),
      feh_(makeSlider(-50, 10, 1, 5)),
      snr_(makeSlider(0, kSnrSteps, 1, 20)),
      resolution_(makeSlider(4, 100, 1, 10)),
      teffValue_(new QLabel),
      loggValue_(new QLabel),
      fehValue_(new QLabel),
      snrValue_(new QLabel),
      resolutionValue_(new QLabel),
      param_(new QComboBox),
      classroom_(new QCheckBox(tr("Classroom size"))),
      values_(new QLabel),
      timing_(new QLabel),
      explanation_(new QTextBrowser),
      spectrum_(new CurveChartView),
      information_(new CurveChartView),
      saliency_(new SaliencyChartView),
      posteriors_{new PosteriorChartView(tr("Teff [K]")), new PosteriorChartView(tr("log g")),
                  new PosteriorChartView(tr("[Fe/H]"))},
      networkNote_(new QLabel)
{
    teff_->setValue(5780);
    logg_->setValue(89);  // 4.45
    feh_->setValue(0);
    snr_->setValue(snrPosition(100));
    resolution_->setValue(22);  // 11000, the MARVELS-like instrument
    param_->addItem(tr("Teff"), int(Param::Teff));
    param_->addItem(tr("log g"), int(Param::Logg));
    param_->addItem(tr("[Fe/H]"), int(Param::Feh));
    baseFont_ = font();
    clock_.start();
    buildLayout();
    updateValueLabels();

    for (QSlider* s : {teff_, logg_, feh_, snr_, resolution_})
        connect(s, &QSlider::valueChanged, this, [this] {
            updateValueLabels();
            refresh();
        });
    connect(param_, &QComboBox::currentIndexChanged, this, &TeachingPanel::refresh);
    connect(classroom_, &QCheckBox::toggled, this, &TeachingPanel::setClassroomSize);
    connect(runner_, &TeachingRunner::spectrumReady, this, &TeachingPanel::onSpectrum);
    connect(runner_, &TeachingRunner::informationReady, this, &TeachingPanel::onInformation);
    if (session_) {
        connect(session_, &ModelSession::modelReady, this, &TeachingPanel::refresh);
        connect(session_, &ModelSession::modelFailed, this, &TeachingPanel::refresh);
    }
}

TeachingPanel::~TeachingPanel() = default;  // the runner (a child) waits for its worker

void TeachingPanel::buildLayout()
{
    spectrum_->setYTitle(tr("Normalized flux"));
    observedCurve_ = spectrum_->addCurve(tr("observed (with noise)"), QPen(QColor(120, 150, 200), 1.0));
    modelCurve_ = spectrum_->addCurve(tr("noiseless"), QPen(QColor(20, 40, 110), 1.2));
    spectrum_->setToolTip(
        tr("The star as the MARVELS-like instrument sees it at this R and S/N, divided by the\n"
           "continuum. Drag to zoom, wheel to zoom, double-click or Home to reset."));
    information_->setYFromZero(true);
    informationCurve_ = information_->addCurve(tr("information"), QPen(QColor(200, 110, 20), 1.0));
    information_->setToolTip(
        tr("Fisher information per pixel, (d flux / d parameter)² / σ², of the chosen parameter:\n"
           "where the spectrum tells the most about it at this S/N."));
    WavelengthChartView::linkXAxis(spectrum_, saliency_);
    WavelengthChartView::linkXAxis(saliency_, information_);
    for (QWidget* chart :
         {static_cast<QWidget*>(spectrum_), static_cast<QWidget*>(saliency_), static_cast<QWidget*>(information_)})
        addExportAction(chart);
    for (auto* p : posteriors_) {
        p->setMinimumHeight(150);
        addExportAction(p);
    }

    auto* form = new QFormLayout;
    auto row = [form](const QString& label, QSlider* slider, QLabel* value) {
        auto* box = new QHBoxLayout;
        box->addWidget(slider, 1);
        value->setMinimumWidth(value->fontMetrics().horizontalAdvance(QStringLiteral("50000 ")));
        value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        box->addWidget(value);
        form->addRow(label, box);
    };
    row(tr("Teff [K]"), teff_, teffValue_);
    row(tr("log g"), logg_, loggValue_);
    row(tr("[Fe/H]"), feh_, fehValue_);
    row(tr("S/N"), snr_, snrValue_);
    row(tr("R"), resolution_, resolutionValue_);
    form->addRow(tr("Saliency and\ninformation of"), param_);
    auto* noise = new QPushButton(tr("New noise"));
    noise->setToolTip(tr("Draw another noise realization of the same star"));
    connect(noise, &QPushButton::clicked, this, [this] {
        ++seed_;
        refresh();
    });
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(noise);
    buttons->addWidget(classroom_);
    buttons->addStretch(1);

    values_->setTextFormat(Qt::RichText);
    timing_->setWordWrap(true);
    explanation_->setOpenLinks(false);
    explanation_->setMinimumHeight(160);
    auto* controls = new QWidget;
    auto* left = new QVBoxLayout(controls);
    left->addLayout(form);
    left->addLayout(buttons);
    left->addWidget(values_);
    left->addWidget(timing_);
    left->addWidget(explanation_, 1);
    controls->setMinimumWidth(320);

    auto* posteriorRow = new QWidget;
    auto* postLayout = new QVBoxLayout(posteriorRow);
    postLayout->setContentsMargins(0, 0, 0, 0);
    networkNote_->setWordWrap(true);
    postLayout->addWidget(networkNote_);
    auto* postCharts = new QHBoxLayout;
    for (auto* p : posteriors_) postCharts->addWidget(p);
    postLayout->addLayout(postCharts, 1);

    auto* spectrumBox = new QWidget;
    auto* spectrumLayout = new QVBoxLayout(spectrumBox);
    spectrumLayout->setContentsMargins(0, 0, 0, 0);
    auto* caption =
        new QLabel(tr("The observation divided by its continuum: <span style='color:#7896c8'>with "
                      "noise</span> and <span style='color:#14286e'><b>without</b></span>."));
    spectrumLayout->addWidget(caption);
    spectrumLayout->addWidget(spectrum_, 1);

    auto* charts = new QSplitter(Qt::Vertical);
    charts->addWidget(spectrumBox);
    charts->addWidget(posteriorRow);
    charts->addWidget(saliency_);
    charts->addWidget(information_);
    charts->setStretchFactor(0, 3);
    charts->setStretchFactor(1, 2);
    charts->setStretchFactor(2, 2);
    charts->setStretchFactor(3, 2);

    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(controls);
    split->addWidget(charts);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 3);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);
}

void TeachingPanel::setTeff(double teff)
{
    teff_->setValue(static_cast<int>(std::lround(teff / 10.0) * 10));
}
void TeachingPanel::setLogg(double logg)
{
    logg_->setValue(static_cast<int>(std::lround(logg / 0.05)));
}
void TeachingPanel::setFeh(double feh)
{
    feh_->setValue(static_cast<int>(std::lround(feh / 0.05)));
}
void TeachingPanel::setSnr(double snr)
{
    snr_->setValue(snrPosition(snr));
}
void TeachingPanel::setResolvingPower(double r)
{
    resolution_->setValue(static_cast<int>(std::lround(r / 500.0)));
}
void TeachingPanel::setSaliencyParameter(Param param)
{
    param_->setCurrentIndex(static_cast<int>(param));
}

QSlider* TeachingPanel::slider(Control control) const
{
    switch (control) {
        case Control::Teff:
            return teff_;
        case Control::Logg:
            return logg_;
        case Control::Feh:
            return feh_;
        case Control::Snr:
            return snr_;
        case Control::Resolution:
            return resolution_;
    }
    return nullptr;
}

TeachingRequest TeachingPanel::currentRequest() const
{
    TeachingRequest r;
    r.teff = teff_->value();
    r.logg = logg_->value() * 0.05;
    r.feh = feh_->value() * 0.05;
    // Round S/N to what the label shows so a cached information is found again for the same position.
    r.snr = std::round(snrOf(snr_->value()) * 10.0) / 10.0;
    r.resolvingPower = resolution_->value() * 500.0;
    r.param = static_cast<Param>(param_->currentData().toInt());
    r.seed = seed_;
    return r;
}

void TeachingPanel::refresh()
{
    requested_ = true;
    const int serial = runner_->request(currentRequest(), session_ ? session_->predictor() : nullptr);
    requestedAt_.insert(serial, clock_.elapsed());
}

void TeachingPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (!requested_) refresh();
}

void TeachingPanel::setClassroomSize(bool large)
{
    if (classroom_->isChecked() != large) classroom_->setChecked(large);  // re-enters through toggled
    QFont f = baseFont_;
    if (large) f.setPointSizeF(baseFont_.pointSizeF() * 1.6);
    setFont(f);
    explanation_->setFont(f);
}

void TeachingPanel::updateValueLabels()
{
    const auto r = currentRequest();
    teffValue_->setText(QString::number(r.teff, 'f', 0));
    loggValue_->setText(QString::number(r.logg, 'f', 2));
    fehValue_->setText((r.feh >= 0 ? QStringLiteral("+") : QString()) + QString::number(r.feh, 'f', 2));
    snrValue_->setText(QString::number(r.snr, 'f', 0));
    resolutionValue_->setText(QString::number(r.resolvingPower, 'f', 0));
}

void TeachingPanel::onSpectrum(const TeachingResult& result)
{
    showSpectrumPart(result);
    emit spectrumShown(result.request.serial);
}

void TeachingPanel::onInformation(const TeachingResult& result)
{
    showInformationPart(result);
    last_ = result;
    const int serial = result.request.serial;
    lastUpdateMs_ = requestedAt_.contains(serial) ? double(clock_.elapsed() - requestedAt_.value(serial)) : 0.0;
    for (auto it = requestedAt_.begin(); it != requestedAt_.end();)
        it = it.key() <= serial ? requestedAt_.erase(it) : std::next(it);
    timing_->setText(timingText());
    explanation_->setHtml(teachingExplanation(result));
    emit updateShown(serial);
}

QString TeachingPanel::timingText() const
{
    if (last_.request.serial == 0) return {};
    return tr("Update: %1 ms (observation %2 ms, network %3 ms, information %4 ms%5)")
        .arg(lastUpdateMs_, 0, 'f', 0)
        .arg(last_.spectrumMs, 0, 'f', 1)
        .arg(last_.networkMs, 0, 'f', 1)
        .arg(last_.informationMs, 0, 'f', 1)
        .arg(last_.informationCached ? tr(", cached") : QString());
}

QString TeachingPanel::explanationHtml() const
{
    return explanation_->toHtml();
}

void TeachingPanel::showSpectrumPart(const TeachingResult& r)
{
    if (!r.error.empty()) {
        spectrum_->clearCurves();
        saliency_->clear();
        for (auto* p : posteriors_) p->clear();
        networkNote_->setText(QString::fromStdString(r.error));
        return;
    }
    spectrum_->setCurve(observedCurve_, r.wavelength, r.observed);
    spectrum_->setCurve(modelCurve_, r.wavelength, r.model);
    const std::array<double, 3> truth{r.request.teff, r.request.logg, r.request.feh};
    if (r.prediction) {
        for (int k = 0; k < 3; ++k)
            posteriors_[k]->setPosterior((*r.prediction)[k], truth[static_cast<std::size_t>(k)]);
        const int k = static_cast<int>(r.request.param);
        saliency_->setSaliency(r.saliencyWavelength, r.saliency, r.saliencyMask,
                               tr("Saliency of %1").arg(QLatin1String(paramTitle(k))));
        networkNote_->setText(tr("The network's posteriors; the red dotted line is the slider value."));
    } else {
        for (auto* p : posteriors_) p->clear();
        saliency_->clear();
        networkNote_->setText(r.networkNote == "no model"
                                  ? tr("No model: load one to see the network's answer.")
                                  : tr("The network failed: %1").arg(QString::fromStdString(r.networkNote)));
    }
    updateValuesTable(r);
}

void TeachingPanel::showInformationPart(const TeachingResult& r)
{
    const int k = static_cast<int>(r.request.param);
    if (r.hasInformation) {
        information_->setCurve(informationCurve_, r.wavelength, r.information[static_cast<std::size_t>(k)]);
        information_->setYTitle(k == 0 ? tr("Information [1/K²]") : tr("Information [1/dex²]"));
    } else {
        information_->clearCurves();
    }
    updateValuesTable(r);
}

void TeachingPanel::updateValuesTable(const TeachingResult& r)
{
    const std::array<double, 3> truth{r.request.teff, r.request.logg, r.request.feh};
    QString html = QStringLiteral(
        "<table cellspacing='4'><tr><th></th><th align='right'>slider</th><th align='right'>network</th>"
        "<th align='right'>CRLB σ</th></tr>");
    for (int k = 0; k < 3; ++k) {
        const int digits = k == 0 ? 0 : 2;
        QString net = tr("no model");
        if (r.prediction) {
            const auto& post = (*r.prediction)[k];
            net = QStringLiteral("%1 ± %2").arg(post.mean, 0, 'f', digits).arg(post.sigma(), 0, 'f', digits);
        }
        const double bound = r.crlb[static_cast<std::size_t>(k)];
        const QString crlb = r.hasInformation && std::isfinite(bound) ? QString::number(bound, 'f', k == 0 ? 1 : 3)
                                                                      : QStringLiteral("…");
        html += QStringLiteral(
                    "<tr><td>%1</td><td align='right'>%2</td><td align='right'>%3</td>"
                    "<td align='right'>%4</td></tr>")
                    .arg(QLatin1String(paramTitle(k)), QString::number(truth[static_cast<std::size_t>(k)], 'f', digits),
                         net, crlb);
    }
    values_->setText(html + QStringLiteral("</table>"));
}

}  // namespace remap::ui
