#include "TrainingCharts.h"

#include "ChartExport.h"

#include <QComboBox>
#include <QCursor>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QScatterSeries>
#include <QSplitter>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace remap::ui {
namespace {

// Sets `axis` to [lo, hi] of the finite values seen, padded by 5 %, or to a unit range when empty.
struct Range {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    void add(double v)
    {
        if (!std::isfinite(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    void add(const QList<QPointF>& points)
    {
        for (const auto& p : points) add(p.y());
    }
    bool empty() const { return !(hi >= lo); }
    std::pair<double, double> padded(double fraction = 0.05) const
    {
        if (empty()) return {0.0, 1.0};
        const double span = hi > lo ? hi - lo : std::max(1.0, std::abs(hi));
        return {lo - fraction * span, hi + fraction * span};
    }
};

void attach(QChart* chart, QAbstractSeries* series, QValueAxis* x, QValueAxis* y)
{
    chart->addSeries(series);
    series->attachAxis(x);
    series->attachAxis(y);
}

QChart* newChart(const QString& title, QValueAxis* x, QValueAxis* y)
{
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    return chart;
}

void setUpView(QChartView* view, QChart* chart)
{
    view->setChart(chart);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(220, 180);
    addExportAction(view);
}

QString paramTitle(Param p)
{
    switch (p) {
        case Param::Teff:
            return QObject::tr("Teff (K)");
        case Param::Logg:
            return QObject::tr("log g (dex)");
        case Param::Feh:
            return QObject::tr("[Fe/H] (dex)");
    }
    return {};
}

QString paramShort(Param p)
{
    switch (p) {
        case Param::Teff:
            return QStringLiteral("Teff");
        case Param::Logg:
            return QStringLiteral("log g");
        case Param::Feh:
            return QStringLiteral("[Fe/H]");
    }
    return {};
}

}  // namespace

QList<QPointF> decimateMean(const std::vector<double>& x, const std::vector<double>& y, int buckets)
{
    const std::size_t n = std::min(x.size(), y.size());
    QList<QPointF> out;
    if (n == 0 || buckets < 1) return out;
    const std::size_t per = n <= static_cast<std::size_t>(buckets) ? 1 : (n + buckets - 1) / buckets;
    out.reserve(static_cast<qsizetype>(n / per + 1));
    for (std::size_t start = 0; start < n; start += per) {
        const std::size_t end = std::min(n, start + per);
        double sx = 0.0, sy = 0.0;
        int count = 0;
        for (std::size_t i = start; i < end; ++i) {
            if (!std::isfinite(y[i])) continue;
            sx += x[i];
            sy += y[i];
            ++count;
        }
        if (count > 0) out.append(QPointF(sx / count, sy / count));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------

LossChartView::LossChartView(QWidget* parent) : QChartView(parent), xAxis_(new QValueAxis), yAxis_(new QValueAxis)
{
    auto* chart = newChart(tr("Training loss per step"), xAxis_, yAxis_);
    const std::array<QString, kSeriesCount> names{tr("Teff"), tr("log g"), tr("[Fe/H]"), tr("embedding"), tr("total")};
    const std::array<QColor, kSeriesCount> colours{QColor(200, 60, 50), QColor(40, 130, 60), QColor(40, 90, 190),
                                                   QColor(150, 90, 170), QColor(30, 30, 30)};
    for (int i = 0; i < kSeriesCount; ++i) {
        series_[i] = new QLineSeries;
        series_[i]->setName(names[i]);
        series_[i]->setPen(QPen(colours[i], i == kSeriesCount - 1 ? 2.0 : 1.2));
        attach(chart, series_[i], xAxis_, yAxis_);
    }
    xAxis_->setTitleText(tr("Optimizer step"));
    xAxis_->setLabelFormat("%.0f");
    yAxis_->setTitleText(tr("Loss"));
    chart->legend()->setAlignment(Qt::AlignBottom);
    setUpView(this, chart);
    // Live reports can arrive hundreds of times a second: redraw at most every 100 ms.
    redrawTimer_.setSingleShot(true);
    redrawTimer_.setInterval(100);
    connect(&redrawTimer_, &QTimer::timeout, this, &LossChartView::redraw);
}

void LossChartView::addStep(const train::StepReport& step)
{
    while (!steps_.empty() && steps_.back() >= step.globalStep) {
        steps_.pop_back();
        x_.pop_back();
        for (auto& y : y_) y.pop_back();
    }
    steps_.push_back(step.globalStep);
    x_.push_back(static_cast<double>(step.globalStep));
    for (int t = 0; t < 4; ++t) y_[t].push_back(step.taskLosses[t]);
    y_[4].push_back(step.loss);
    if (!redrawTimer_.isActive()) redrawTimer_.start();
}

void LossChartView::setSteps(const std::vector<train::StepReport>& steps)
{
    clear();
    for (const auto& s : steps) addStep(s);
    flush();
}

void LossChartView::clear()
{
    steps_.clear();
    x_.clear();
    for (auto& y : y_) y.clear();
    redrawTimer_.stop();
    redraw();
}

int LossChartView::displayedPointCount(int series) const
{
    return series >= 0 && series < kSeriesCount ? static_cast<int>(series_[series]->count()) : 0;
}

void LossChartView::flush()
{
    if (!redrawTimer_.isActive()) return;
    redrawTimer_.stop();
    redraw();
}

void LossChartView::redraw()
{
    Range yRange;
    for (int i = 0; i < kSeriesCount; ++i) {
        const QList<QPointF> points = decimateMean(x_, y_[i], kDisplayBuckets);
        yRange.add(points);
        series_[i]->replace(points);
    }
    const double x0 = x_.empty() ? 0.0 : x_.front();
    const double x1 = x_.empty() ? 1.0 : std::max(x_.back(), x0 + 1.0);
    xAxis_->setRange(x0, x1);
    const auto [lo, hi] = yRange.padded();
    yAxis_->setRange(std::min(0.0, lo), hi);
}

// ---------------------------------------------------------------------------------------------------

namespace {

double metricValue(const train::EpochReport& e, EpochChartView::Metric metric)
{
    using M = EpochChartView::Metric;
    const auto& v = e.validation;
    switch (metric) {
        case M::Loss:
            return v.loss;
        case M::TeffRmse:
            return v[Param::Teff].rmse;
        case M::LoggRmse:
            return v[Param::Logg].rmse;
        case M::FehRmse:
            return v[Param::Feh].rmse;
        case M::TeffBias:
            return v[Param::Teff].bias;
        case M::LoggBias:
            return v[Param::Logg].bias;
        case M::FehBias:
            return v[Param::Feh].bias;
    }
    return NAN;
}

QString metricTitle(EpochChartView::Metric metric)
{
    using M = EpochChartView::Metric;
    switch (metric) {
        case M::Loss:
            return QObject::tr("Loss per epoch");
        case M::TeffRmse:
            return QObject::tr("Validation RMSE of Teff (K)");
        case M::LoggRmse:
            return QObject::tr("Validation RMSE of log g (dex)");
        case M::FehRmse:
            return QObject::tr("Validation RMSE of [Fe/H] (dex)");
        case M::TeffBias:
            return QObject::tr("Validation bias of Teff (K)");
        case M::LoggBias:
            return QObject::tr("Validation bias of log g (dex)");
        case M::FehBias:
            return QObject::tr("Validation bias of [Fe/H] (dex)");
    }
    return {};
}

// Epoch e is drawn at e + 1, so the fine-tuning baseline (epoch -1) sits at 0.
QList<QPointF> curve(const std::vector<train::EpochReport>& epochs, const std::optional<train::EpochReport>& baseline,
                     EpochChartView::Metric metric, bool trainLoss)
{
    QList<QPointF> points;
    if (baseline && !trainLoss) points.append(QPointF(0.0, metricValue(*baseline, metric)));
    for (const auto& e : epochs) {
        const double v = trainLoss ? e.trainLoss : metricValue(e, metric);
        if (std::isfinite(v)) points.append(QPointF(e.epoch + 1.0, v));
    }
    return points;
}

void replaceEpoch(std::vector<train::EpochReport>& epochs, const train::EpochReport& epoch)
{
    while (!epochs.empty() && epochs.back().epoch >= epoch.epoch) epochs.pop_back();
    epochs.push_back(epoch);
}

}  // namespace

EpochChartView::EpochChartView(QWidget* parent)
    : QChartView(parent),
      train_(new QLineSeries),
      validation_(new QLineSeries),
      compareValidation_(new QLineSeries),
      compareTrain_(new QLineSeries),
      xAxis_(new QValueAxis),
      yAxis_(new QValueAxis)
{
    auto* chart = newChart(metricTitle(metric_), xAxis_, yAxis_);
    train_->setName(tr("training"));
    train_->setPen(QPen(QColor(120, 120, 120), 1.5));
    validation_->setName(tr("validation"));
    validation_->setPen(QPen(QColor(30, 60, 160), 2.0));
    QPen dashed(QColor(210, 110, 20), 2.0, Qt::DashLine);
    compareValidation_->setPen(dashed);
    dashed.setColor(QColor(220, 170, 120));
    dashed.setWidthF(1.5);
    compareTrain_->setPen(dashed);
    for (auto* s : {train_, validation_, compareValidation_, compareTrain_}) {
        s->setPointsVisible(true);
        attach(chart, s, xAxis_, yAxis_);
    }
    xAxis_->setTitleText(tr("Epoch"));
    xAxis_->setLabelFormat("%.0f");
    xAxis_->setTickType(QValueAxis::TicksDynamic);
    xAxis_->setTickAnchor(0.0);
    chart->legend()->setAlignment(Qt::AlignBottom);
    setUpView(this, chart);
    redraw();
}

void EpochChartView::addEpoch(const train::EpochReport& epoch)
{
    if (epoch.epoch < 0)
        baseline_ = epoch;
    else
        replaceEpoch(epochs_, epoch);
    redraw();
}

void EpochChartView::setEpochs(const std::vector<train::EpochReport>& epochs,
                               const std::optional<train::EpochReport>& baseline)
{
    epochs_ = epochs;
    baseline_ = baseline;
    redraw();
}

void EpochChartView::setComparison(const QString& name, const std::vector<train::EpochReport>& epochs,
                                   const std::optional<train::EpochReport>& baseline)
{
    comparison_ = epochs;
    comparisonBaseline_ = baseline;
    compareValidation_->setName(tr("%1 validation").arg(name));
    compareTrain_->setName(tr("%1 training").arg(name));
    redraw();
}

void EpochChartView::clearComparison()
{
    comparison_.clear();
    comparisonBaseline_.reset();
    redraw();
}

void EpochChartView::clear()
{
    epochs_.clear();
    baseline_.reset();
    redraw();
}

void EpochChartView::setMetric(Metric metric)
{
    metric_ = metric;
    chart()->setTitle(metricTitle(metric));
    redraw();
}

int EpochChartView::validationPointCount() const
{
    return static_cast<int>(validation_->count());
}

int EpochChartView::comparisonPointCount() const
{
    return static_cast<int>(compareValidation_->count());
}

void EpochChartView::redraw()
{
    const bool loss = metric_ == Metric::Loss;
    const QList<QPointF> val = curve(epochs_, baseline_, metric_, false);
    const QList<QPointF> trainPoints = loss ? curve(epochs_, std::nullopt, metric_, true) : QList<QPointF>{};
    const QList<QPointF> cval = curve(comparison_, comparisonBaseline_, metric_, false);
    const QList<QPointF> ctr = loss ? curve(comparison_, std::nullopt, metric_, true) : QList<QPointF>{};
    validation_->replace(val);
    train_->replace(trainPoints);
    compareValidation_->replace(cval);
    compareTrain_->replace(ctr);
    train_->setVisible(loss);
    const bool comparing = !comparison_.empty() || comparisonBaseline_;
    compareValidation_->setVisible(comparing);
    compareTrain_->setVisible(comparing && loss);

    Range yRange;
    double lastEpoch = 1.0;
    for (const auto* points : {&val, &trainPoints, &cval, &ctr}) {
        yRange.add(*points);
        for (const auto& p : *points) lastEpoch = std::max(lastEpoch, p.x());
    }
    xAxis_->setRange(0.0, lastEpoch);
    xAxis_->setTickInterval(std::max(1.0, std::ceil(lastEpoch / 10.0)));
    auto [lo, hi] = yRange.padded();
    if (loss) lo = std::min(0.0, lo);
    yAxis_->setRange(lo, hi);
}

// ---------------------------------------------------------------------------------------------------

CalibrationChartView::CalibrationChartView(Param param, QWidget* parent)
    : QChartView(parent),
      param_(param),
      points_(new QScatterSeries),
      identity_(new QLineSeries),
      xAxis_(new QValueAxis),
      yAxis_(new QValueAxis)
{
    auto* chart = newChart(paramTitle(param), xAxis_, yAxis_);
    chart->legend()->setVisible(false);
    identity_->setPen(QPen(QColor(120, 120, 120), 1.0, Qt::DashLine));
    points_->setMarkerSize(6.0);
    points_->setColor(QColor(30, 60, 160, 200));
    points_->setBorderColor(Qt::transparent);
    attach(chart, identity_, xAxis_, yAxis_);
    attach(chart, points_, xAxis_, yAxis_);
    const char* format = param == Param::Teff ? "%.0f" : "%.1f";
    xAxis_->setLabelFormat(format);
    yAxis_->setLabelFormat(format);
    xAxis_->setTitleText(tr("Reference"));
    yAxis_->setTitleText(tr("Predicted"));
    setUpView(this, chart);
    connect(points_, &QScatterSeries::hovered, this, &CalibrationChartView::showStarTip);
}

void CalibrationChartView::setPredictions(const std::vector<train::StarPrediction>& stars, const QString& caption)
{
    const int p = static_cast<int>(param_);
    stars_.clear();
    const std::size_t stride = stars.size() > kMaxStars ? (stars.size() + kMaxStars - 1) / kMaxStars : 1;
    for (std::size_t i = 0; i < stars.size(); i += stride)
        if (std::isfinite(stars[i].reference[p]) && std::isfinite(stars[i].mean[p])) stars_.push_back(stars[i]);

    QList<QPointF> points;
    points.reserve(static_cast<qsizetype>(stars_.size()));
    Range range;
    for (const auto& s : stars_) {
        points.append(QPointF(s.reference[p], s.mean[p]));
        for (double v : {s.reference[p], s.mean[p], s.p16[p], s.p84[p]}) range.add(v);
    }
    points_->replace(points);
    const auto [lo, hi] = range.padded();
    identity_->replace(QList<QPointF>{{lo, lo}, {hi, hi}});
    xAxis_->setRange(lo, hi);
    yAxis_->setRange(lo, hi);
    chart()->setTitle(caption.isEmpty() ? paramTitle(param_) : tr("%1 — %2").arg(paramTitle(param_), caption));
    viewport()->update();
}

void CalibrationChartView::clear()
{
    setPredictions({}, {});
}

int CalibrationChartView::pointCount() const
{
    return static_cast<int>(points_->count());
}

void CalibrationChartView::drawForeground(QPainter* painter, const QRectF& rect)
{
    QChartView::drawForeground(painter, rect);
    if (stars_.empty()) return;
    // Qt Charts has no error bars: draw each star's 16-84 % interval over the plot area.
    const int p = static_cast<int>(param_);
    painter->save();
    painter->setClipRect(chart()->mapRectToScene(chart()->plotArea()));
    QPen pen(QColor(30, 60, 160, 90), 1.0);
    pen.setCosmetic(true);
    painter->setPen(pen);
    for (const auto& s : stars_) {
        if (!std::isfinite(s.p16[p]) || !std::isfinite(s.p84[p])) continue;
        const QPointF a = chart()->mapToScene(chart()->mapToPosition(QPointF(s.reference[p], s.p16[p]), points_));
        const QPointF b = chart()->mapToScene(chart()->mapToPosition(QPointF(s.reference[p], s.p84[p]), points_));
        painter->drawLine(a, b);
    }
    painter->restore();
}

void CalibrationChartView::showStarTip(const QPointF& point, bool state)
{
    if (!state || stars_.empty()) {
        QToolTip::hideText();
        return;
    }
    const int p = static_cast<int>(param_);
    const auto nearest = std::min_element(stars_.begin(), stars_.end(), [&](const auto& a, const auto& b) {
        return std::hypot(a.reference[p] - point.x(), a.mean[p] - point.y()) <
               std::hypot(b.reference[p] - point.x(), b.mean[p] - point.y());
    });
    const int decimals = param_ == Param::Teff ? 0 : 2;
    QToolTip::showText(QCursor::pos(),
                       tr("%1\nreference %2\npredicted %3 [%4, %5]")
                           .arg(QString::fromStdString(nearest->id))
                           .arg(nearest->reference[p], 0, 'f', decimals)
                           .arg(nearest->mean[p], 0, 'f', decimals)
                           .arg(nearest->p16[p], 0, 'f', decimals)
                           .arg(nearest->p84[p], 0, 'f', decimals),
                       this);
}

// ---------------------------------------------------------------------------------------------------

MetricsTable::MetricsTable(QWidget* parent) : QTableWidget(parent)
{
    setColumnCount(6);
    setHorizontalHeaderLabels({tr("n"), tr("bias"), tr("std"), tr("MAD"), tr("RMSE"), tr("68 % cov.")});
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionMode(QAbstractItemView::ContiguousSelection);
    horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    setToolTip(
        tr("Validation metrics of the latest epoch (residual = predicted mean - reference; coverage: "
           "fraction of stars whose reference lies inside the 16-84 % interval)"));
    clearMetrics();
}

void MetricsTable::clearMetrics()
{
    setRowCount(0);
}

void MetricsTable::setMetrics(const train::ValidationMetrics& metrics,
                              const std::optional<train::ValidationMetrics>& baseline)
{
    QStringList rows;
    std::vector<const train::ParameterMetrics*> values;
    std::vector<Param> params;
    for (Param p : kAllParams) {
        rows << paramShort(p);
        values.push_back(&metrics[p]);
        params.push_back(p);
    }
    if (baseline)
        for (Param p : kAllParams) {
            rows << tr("%1 (pretrained)").arg(paramShort(p));
            values.push_back(&(*baseline)[p]);
            params.push_back(p);
        }
    setRowCount(static_cast<int>(rows.size()));
    setVerticalHeaderLabels(rows);
    for (int r = 0; r < rowCount(); ++r) {
        const auto& m = *values[r];
        const int decimals = params[r] == Param::Teff ? 1 : 3;
        const QStringList cells{QString::number(m.n),
                                QString::number(m.bias, 'f', decimals),
                                QString::number(m.stddev, 'f', decimals),
                                QString::number(m.mad, 'f', decimals),
                                QString::number(m.rmse, 'f', decimals),
                                QString::number(100.0 * m.coverage68, 'f', 0) + QStringLiteral(" %")};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            setItem(r, c, item);
        }
    }
}

// ---------------------------------------------------------------------------------------------------

TrainingCharts::TrainingCharts(QWidget* parent)
    : QWidget(parent),
      loss_(new LossChartView),
      epochs_(new EpochChartView),
      metricChoice_(new QComboBox),
      metrics_(new MetricsTable)
{
    metricChoice_->addItem(tr("Loss"), static_cast<int>(EpochChartView::Metric::Loss));
    metricChoice_->addItem(tr("Teff RMSE"), static_cast<int>(EpochChartView::Metric::TeffRmse));
    metricChoice_->addItem(tr("log g RMSE"), static_cast<int>(EpochChartView::Metric::LoggRmse));
    metricChoice_->addItem(tr("[Fe/H] RMSE"), static_cast<int>(EpochChartView::Metric::FehRmse));
    metricChoice_->addItem(tr("Teff bias"), static_cast<int>(EpochChartView::Metric::TeffBias));
    metricChoice_->addItem(tr("log g bias"), static_cast<int>(EpochChartView::Metric::LoggBias));
    metricChoice_->addItem(tr("[Fe/H] bias"), static_cast<int>(EpochChartView::Metric::FehBias));
    metricChoice_->setToolTip(tr("Quantity of the per-epoch chart"));
    connect(metricChoice_, &QComboBox::currentIndexChanged, this,
            [this] { epochs_->setMetric(static_cast<EpochChartView::Metric>(metricChoice_->currentData().toInt())); });

    auto* epochBox = new QWidget;
    auto* epochLayout = new QVBoxLayout(epochBox);
    epochLayout->setContentsMargins(0, 0, 0, 0);
    auto* choiceRow = new QHBoxLayout;
    choiceRow->addWidget(new QLabel(tr("Per epoch:")));
    choiceRow->addWidget(metricChoice_);
    choiceRow->addStretch();
    epochLayout->addLayout(choiceRow);
    epochLayout->addWidget(epochs_);

    auto* top = new QSplitter(Qt::Horizontal);
    top->addWidget(loss_);
    top->addWidget(epochBox);

    auto* middle = new QSplitter(Qt::Horizontal);
    for (Param p : kAllParams) {
        calibration_[static_cast<int>(p)] = new CalibrationChartView(p);
        middle->addWidget(calibration_[static_cast<int>(p)]);
    }

    auto* rows = new QSplitter(Qt::Vertical);
    rows->addWidget(top);
    rows->addWidget(middle);
    rows->addWidget(metrics_);
    rows->setStretchFactor(0, 3);
    rows->setStretchFactor(1, 3);
    rows->setStretchFactor(2, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(rows);
}

void TrainingCharts::clear()
{
    loss_->clear();
    epochs_->clear();
    for (auto* c : calibration_) c->clear();
    metrics_->clearMetrics();
    baselineMetrics_.reset();
}

void TrainingCharts::addStep(const train::StepReport& step)
{
    loss_->addStep(step);
}

void TrainingCharts::addEpoch(const train::EpochReport& epoch)
{
    if (epoch.epoch < 0) baselineMetrics_ = epoch.validation;
    epochs_->addEpoch(epoch);
    showEpochDetails(epoch);
}

void TrainingCharts::showRecord(const train::RunRecord& record)
{
    clear();
    loss_->setSteps(record.steps);
    epochs_->setEpochs(record.epochs, record.baseline);
    if (record.baseline) baselineMetrics_ = record.baseline->validation;
    if (!record.epochs.empty())
        showEpochDetails(record.epochs.back());
    else if (record.baseline)
        showEpochDetails(*record.baseline);
}

void TrainingCharts::setComparison(const QString& name, const train::RunRecord& record)
{
    epochs_->setComparison(name, record.epochs, record.baseline);
}

void TrainingCharts::clearComparison()
{
    epochs_->clearComparison();
}

void TrainingCharts::showEpochDetails(const train::EpochReport& epoch)
{
    const QString caption = epoch.epoch < 0 ? tr("pretrained") : tr("epoch %1").arg(epoch.epoch + 1);
    for (auto* c : calibration_) c->setPredictions(epoch.predictions, caption);
    metrics_->setMetrics(epoch.validation, epoch.epoch < 0 ? std::nullopt : baselineMetrics_);
}

}  // namespace remap::ui
