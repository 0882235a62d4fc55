#include "PosteriorChartView.h"

#include "WavelengthChartView.h"

#include <QAreaSeries>
#include <QLegendMarker>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace remap::ui {
namespace {

// The histogram outline (steps at the bin edges), restricted to [lo, hi] intervals when given.
QList<QPointF> steps(const ParameterPosterior& p, const std::vector<std::pair<double, double>>* only = nullptr)
{
    QList<QPointF> out;
    const std::size_t n = p.binCentres.size();
    if (n < 2) return out;
    const double w = p.binCentres[1] - p.binCentres[0];
    auto inside = [&](double a, double b) {  // the part of [a, b] inside the set (bins may be cut)
        if (!only) return std::pair{a, b};
        for (const auto& [lo, hi] : *only)
            if (hi > a && lo < b) return std::pair{std::max(a, lo), std::min(b, hi)};
        return std::pair{0.0, -1.0};
    };
    out.append(QPointF(p.binCentres.front() - 0.5 * w, 0.0));
    for (std::size_t i = 0; i < n; ++i) {
        const double a = p.binCentres[i] - 0.5 * w, b = p.binCentres[i] + 0.5 * w;
        const auto [lo, hi] = inside(a, b);
        if (hi < lo) continue;
        out.append(QPointF(lo, 0.0));
        out.append(QPointF(lo, p.probabilities[i]));
        out.append(QPointF(hi, p.probabilities[i]));
        out.append(QPointF(hi, 0.0));
    }
    out.append(QPointF(p.binCentres.back() + 0.5 * w, 0.0));
    return out;
}

QLineSeries* vertical(QChart* chart, const QString& name, const QPen& pen)
{
    auto* s = new QLineSeries;
    s->setName(name);
    s->setPen(pen);
    chart->addSeries(s);
    return s;
}

}  // namespace

PosteriorChartView::PosteriorChartView(const QString& title, QWidget* parent)
    : QChartView(parent),
      title_(title),
      bars_(new QLineSeries),
      barsArea_(new QAreaSeries(bars_)),
      hdi95Upper_(new QLineSeries),
      hdi95_(new QAreaSeries(hdi95Upper_)),
      hdi68Upper_(new QLineSeries),
      hdi68_(new QAreaSeries(hdi68Upper_)),
      xAxis_(new QValueAxis),
      yAxis_(new QValueAxis)
{
    auto* chart = new QChart;
    barsArea_->setName(tr("posterior"));
    barsArea_->setPen(QPen(QColor(40, 40, 40), 1.0));
    barsArea_->setBrush(QColor(235, 235, 235));
    hdi95_->setName(tr("95 % HDI"));
    hdi95_->setPen(Qt::NoPen);
    hdi95_->setBrush(QColor(160, 190, 230));
    hdi68_->setName(tr("68 % HDI"));
    hdi68_->setPen(Qt::NoPen);
    hdi68_->setBrush(QColor(70, 120, 200));
    for (auto* s : {barsArea_, hdi95_, hdi68_}) chart->addSeries(s);
    mean_ = vertical(chart, tr("mean"), QPen(QColor(0, 0, 0), 2.0));
    mode_ = vertical(chart, tr("mode"), QPen(QColor(200, 110, 0), 1.5, Qt::DashLine));
    reference_ = vertical(chart, tr("reference"), QPen(QColor(210, 40, 40), 2.0, Qt::DotLine));
    chart->addAxis(xAxis_, Qt::AlignBottom);
    chart->addAxis(yAxis_, Qt::AlignLeft);
    for (auto* s : chart->series()) {
        s->attachAxis(xAxis_);
        s->attachAxis(yAxis_);
    }
    xAxis_->setTitleText(title);
    yAxis_->setTitleText(tr("P (bin)"));
    QFont small = chart->legend()->font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    chart->legend()->setFont(small);
    chart->legend()->setAlignment(Qt::AlignTop);
    for (auto* marker : chart->legend()->markers(barsArea_)) marker->setVisible(false);
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart->setBackgroundVisible(false);
    setChart(chart);
    setBackgroundBrush(Qt::white);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(170);
    setToolTip(tr("Posterior of %1 from the network: bars per bin, shaded 95 % and 68 % highest-density\n"
                  "intervals, black line the mean, orange dashed the mode, red dotted the reference value when known.")
                   .arg(title));
    clear();
}

void PosteriorChartView::clear()
{
    for (auto* s : {bars_, hdi95Upper_, hdi68Upper_, mean_, mode_, reference_}) s->clear();
    reference_->setVisible(false);
    for (auto* marker : chart()->legend()->markers(reference_)) marker->setVisible(false);
}

void PosteriorChartView::setPosterior(const ParameterPosterior& p, std::optional<double> reference)
{
    clear();
    if (p.binCentres.size() < 2 || p.probabilities.size() != p.binCentres.size()) return;
    const double w = p.binCentres[1] - p.binCentres[0];
    const double xLo = p.binCentres.front() - 0.5 * w, xHi = p.binCentres.back() + 0.5 * w;
    const double peak = *std::max_element(p.probabilities.begin(), p.probabilities.end());
    const double top = peak > 0 ? 1.1 * peak : 1.0;

    bars_->replace(steps(p));
    const auto set95 = highestDensitySet(p.binCentres, p.probabilities, 0.95);
    const auto set68 = highestDensitySet(p.binCentres, p.probabilities, 0.68);
    hdi95Upper_->replace(steps(p, &set95));
    hdi68Upper_->replace(steps(p, &set68));
    mean_->replace({QPointF(p.mean, 0.0), QPointF(p.mean, top)});
    mode_->replace({QPointF(p.mode, 0.0), QPointF(p.mode, top)});
    const bool showReference = reference && std::isfinite(*reference);
    if (showReference) {
        reference_->replace({QPointF(*reference, 0.0), QPointF(*reference, top)});
        reference_->setVisible(true);
        for (auto* marker : chart()->legend()->markers(reference_)) marker->setVisible(true);
    }
    // Show the part of the range that holds the probability (and the reference), not 140 empty bins.
    double lo = std::min(p.hdi95Lo, p.mode), hi = std::max(p.hdi95Hi, p.mode);
    if (showReference) {
        lo = std::min(lo, *reference);
        hi = std::max(hi, *reference);
    }
    const double pad = std::max(0.25 * (hi - lo), 4.0 * w);
    const double shownLo = std::max(xLo, lo - pad), shownHi = std::min(xHi, hi + pad);
    niceTicks(xAxis_, shownLo, shownHi, 4);
    xAxis_->setRange(shownLo, shownHi);
    niceTicks(yAxis_, 0.0, top, 3);
    yAxis_->setRange(0.0, top);
}

std::vector<double> PosteriorChartView::barHeights() const
{
    // steps(): a leading (edge, 0), then per bin (lo, 0), (lo, p), (hi, p), (hi, 0), then a trailing point.
    std::vector<double> out;
    const auto points = bars_->points();
    for (qsizetype i = 2; i + 2 < points.size(); i += 4) out.push_back(points[i].y());
    return out;
}

bool PosteriorChartView::hasReference() const
{
    return reference_->isVisible() && reference_->count() == 2;
}

double PosteriorChartView::meanLine() const
{
    return mean_->count() == 2 ? mean_->at(0).x() : std::nan("");
}

}  // namespace remap::ui
