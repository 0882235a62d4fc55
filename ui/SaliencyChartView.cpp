#include "SaliencyChartView.h"

#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace remap::ui {

SaliencyChartView::SaliencyChartView(QWidget* parent)
    : WavelengthChartView(parent), map_(new QLineSeries), zero_(new QLineSeries)
{
    for (auto* s : {zero_, map_}) {
        chart()->addSeries(s);
        s->attachAxis(xAxis());
        s->attachAxis(yAxis());
    }
    map_->setName(tr("saliency"));
    map_->setPen(QPen(QColor(120, 40, 150), 1.0));
    zero_->setPen(QPen(QColor(150, 150, 150), 0.8, Qt::DashLine));
    yAxis()->setTitleText(tr("Saliency"));
    setToolTip(
        tr("How much each pixel moves the chosen parameter's estimate (its posterior mean), for the\n"
           "chosen method. Zoom and pan follow the spectrum above. Shaded: masked pixels."));
}

void SaliencyChartView::clear()
{
    map_->clear();
    zero_->clear();
    setShadedRegions({});
}

void SaliencyChartView::setSaliency(const std::vector<double>& grid, const std::vector<float>& values,
                                    const std::vector<std::uint8_t>& mask, const QString& what)
{
    clear();
    if (grid.empty() || grid.size() != values.size()) return;
    QList<QPointF> points;
    points.reserve(static_cast<qsizetype>(grid.size()));
    double lo = 0.0, hi = 0.0;
    for (std::size_t i = 0; i < grid.size(); ++i) {
        const double v = values[i];
        if (!std::isfinite(v)) continue;
        points.append(QPointF(grid[i], v));
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    map_->replace(points);
    zero_->replace({QPointF(grid.front(), 0.0), QPointF(grid.back(), 0.0)});
    if (mask.size() == grid.size()) setShadedRegions(maskedRuns(grid, mask));
    yAxis()->setTitleText(what);
    const double pad = 0.05 * std::max(hi - lo, 1e-12);
    setFullRange(grid.front(), grid.back(), lo - pad, hi + pad);
    const double xLo = xAxis()->min(), xHi = xAxis()->max();
    resetZoom();
    // Keep the wavelength window the linked spectrum view already shows.
    if (xHi > xLo && xLo >= grid.front() && xHi <= grid.back()) setXRange(xLo, xHi);
}

int SaliencyChartView::plottedPointCount() const
{
    return static_cast<int>(map_->count());
}

}  // namespace remap::ui
