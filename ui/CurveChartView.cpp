#include "CurveChartView.h"

#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace remap::ui {

CurveChartView::CurveChartView(QWidget* parent) : WavelengthChartView(parent) {}

int CurveChartView::addCurve(const QString& name, const QPen& pen)
{
    auto* s = new QLineSeries;
    s->setName(name);
    s->setPen(pen);
    chart()->addSeries(s);
    s->attachAxis(xAxis());
    s->attachAxis(yAxis());
    curves_.push_back(s);
    return static_cast<int>(curves_.size()) - 1;
}

void CurveChartView::setCurve(int curve, const std::vector<double>& x, const std::vector<double>& y)
{
    if (curve < 0 || curve >= static_cast<int>(curves_.size())) return;
    QList<QPointF> points;
    const std::size_t n = std::min(x.size(), y.size());
    points.reserve(static_cast<qsizetype>(n));
    for (std::size_t i = 0; i < n; ++i)
        if (std::isfinite(y[i])) points.append(QPointF(x[i], y[i]));
    curves_[static_cast<std::size_t>(curve)]->replace(points);
    rescale();
}

void CurveChartView::clearCurves()
{
    for (auto* s : curves_) s->clear();
}

void CurveChartView::setYTitle(const QString& title)
{
    yAxis()->setTitleText(title);
}

int CurveChartView::pointCount(int curve) const
{
    if (curve < 0 || curve >= static_cast<int>(curves_.size())) return 0;
    return static_cast<int>(curves_[static_cast<std::size_t>(curve)]->count());
}

void CurveChartView::rescale()
{
    double xLo = std::numeric_limits<double>::infinity(), xHi = -xLo;
    double yLo = fromZero_ ? 0.0 : xLo, yHi = fromZero_ ? 0.0 : -xLo;
    for (const auto* s : curves_) {
        const auto& pts = s->points();
        for (const auto& p : pts) {
            xLo = std::min(xLo, p.x());
            xHi = std::max(xHi, p.x());
            yLo = std::min(yLo, p.y());
            yHi = std::max(yHi, p.y());
        }
    }
    if (!std::isfinite(xLo) || !std::isfinite(yLo)) return;
    const double pad = 0.05 * std::max(yHi - yLo, 1e-12);
    // Keep the wavelength window the user (or a linked view) zoomed to.
    const bool hadData = hasData();
    const double wLo = xAxis()->min(), wHi = xAxis()->max();
    setFullRange(xLo, xHi, fromZero_ ? 0.0 : yLo - pad, yHi + pad);
    resetZoom();
    if (hadData && wHi > wLo && wLo >= xLo && wHi <= xHi) setXRange(wLo, wHi);
}

}  // namespace remap::ui
