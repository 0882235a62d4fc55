#include "WavelengthChartView.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QValueAxis>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace remap::ui {
namespace {
// Plot-area margins in device-independent pixels; the left one is fixed so stacked views line up.
constexpr double kLeft = 78, kRight = 14, kTop = 10, kBottom = 48;

}  // namespace

void niceTicks(QValueAxis* axis, double lo, double hi, int target)
{
    const double span = hi - lo;
    if (!(span > 0) || !std::isfinite(span)) return;
    const double raw = span / target;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    const double step = raw / power < 1.5   ? power
                        : raw / power < 3.5 ? 2 * power
                        : raw / power < 7.5 ? 5 * power
                                            : 10 * power;
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(std::ceil(lo / step) * step);
    axis->setTickInterval(step);
    const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    axis->setLabelFormat(decimals > 4 ? QStringLiteral("%.1e") : QStringLiteral("%.%1f").arg(decimals));
}

QList<QPair<double, double>> maskedRuns(const std::vector<double>& x, const std::vector<std::uint8_t>& mask,
                                        int maxRegions)
{
    QList<QPair<double, double>> runs;
    const std::size_t n = std::min(x.size(), mask.size());
    auto halfStep = [&](std::size_t i, bool left) {
        if (n < 2) return 0.5;
        if (left) return i == 0 ? 0.5 * (x[1] - x[0]) : 0.5 * (x[i] - x[i - 1]);
        return i + 1 >= n ? 0.5 * (x[n - 1] - x[n - 2]) : 0.5 * (x[i + 1] - x[i]);
    };
    for (std::size_t i = 0; i < n;) {
        if (!mask[i]) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j + 1 < n && mask[j + 1]) ++j;
        runs.append({x[i] - halfStep(i, true), x[j] + halfStep(j, false)});
        i = j + 1;
    }
    if (maxRegions < 1 || runs.size() <= maxRegions) return runs;
    std::vector<double> gaps;
    for (qsizetype k = 1; k < runs.size(); ++k) gaps.push_back(runs[k].first - runs[k - 1].second);
    const auto cut = gaps.begin() + static_cast<std::ptrdiff_t>(runs.size() - maxRegions - 1);
    std::nth_element(gaps.begin(), cut, gaps.end());
    const double threshold = *cut;
    QList<QPair<double, double>> merged{runs.front()};
    for (qsizetype k = 1; k < runs.size(); ++k) {
        if (runs[k].first - merged.back().second <= threshold)
            merged.back().second = runs[k].second;
        else
            merged.append(runs[k]);
    }
    return merged;
}

WavelengthChartView::WavelengthChartView(QWidget* parent)
    : QChartView(parent), xAxis_(new QValueAxis), yAxis_(new QValueAxis)
{
    auto* chart = new QChart;
    chart->legend()->setVisible(false);
    chart->addAxis(xAxis_, Qt::AlignBottom);
    chart->addAxis(yAxis_, Qt::AlignLeft);
    chart->setMargins(QMargins(0, 0, 0, 0));
    chart->setBackgroundVisible(false);  // flat: the view's white background
    setBackgroundBrush(Qt::white);
    xAxis_->setTitleText(tr("Wavelength (Å)"));
    // Rubber-band zoom changes the range inside Qt Charts (narrower, so the old ticks stay few): follow it.
    connect(xAxis_, &QValueAxis::rangeChanged, this, [this](double lo, double hi) { niceTicks(xAxis_, lo, hi, 8); });
    connect(yAxis_, &QValueAxis::rangeChanged, this, [this](double lo, double hi) { niceTicks(yAxis_, lo, hi, 5); });
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setRubberBand(QChartView::HorizontalRubberBand);
    setFocusPolicy(Qt::StrongFocus);
    setMinimumHeight(140);
}

void WavelengthChartView::setFullRange(double xLo, double xHi, double yLo, double yHi)
{
    if (!(xHi > xLo)) xHi = xLo + 1.0;
    if (!(yHi > yLo)) {
        yLo -= 1.0;
        yHi += 1.0;
    }
    fullRange_ = QRectF(QPointF(xLo, yLo), QPointF(xHi, yHi));
}

void WavelengthChartView::resetZoom()
{
    if (fullRange_.isNull()) return;
    setXRange(fullRange_.left(), fullRange_.right());
    niceTicks(yAxis_, fullRange_.top(), fullRange_.bottom(), 5);
    yAxis_->setRange(fullRange_.top(), fullRange_.bottom());
}

void WavelengthChartView::setXRange(double lo, double hi)
{
    if (!(hi > lo) || (lo == xAxis_->min() && hi == xAxis_->max())) return;
    niceTicks(xAxis_, lo, hi, 8);
    xAxis_->setRange(lo, hi);
}

void WavelengthChartView::linkXAxis(WavelengthChartView* a, WavelengthChartView* b)
{
    // setXRange ignores an unchanged range, which ends the ping-pong after one round.
    connect(a->xAxis(), &QValueAxis::rangeChanged, b, &WavelengthChartView::setXRange);
    connect(b->xAxis(), &QValueAxis::rangeChanged, a, &WavelengthChartView::setXRange);
}

void WavelengthChartView::setShadedRegions(QList<QPair<double, double>> regions)
{
    shaded_ = std::move(regions);
    viewport()->update();
}

void WavelengthChartView::resizeEvent(QResizeEvent* event)
{
    // Before QChartView resizes the chart: the chart lays itself out with the manual plot area it has
    // at that moment (set afterwards, the axes would lag one resize behind).
    const QSize s = event->size();
    chart()->setPlotArea(
        QRectF(kLeft, kTop, std::max(10.0, s.width() - kLeft - kRight), std::max(10.0, s.height() - kTop - kBottom)));
    QChartView::resizeEvent(event);
}

void WavelengthChartView::drawForeground(QPainter* painter, const QRectF& rect)
{
    QChartView::drawForeground(painter, rect);
    if (shaded_.isEmpty() || chart()->series().isEmpty()) return;
    const QRectF plot = chart()->plotArea();
    auto* any = chart()->series().first();
    painter->save();
    painter->setClipRect(plot);
    painter->setPen(Qt::NoPen);
    painter->setBrush(QColor(220, 60, 60, 45));
    for (const auto& [lo, hi] : shaded_) {
        if (hi < xAxis_->min() || lo > xAxis_->max()) continue;
        const double x0 = chart()->mapToPosition(QPointF(lo, yAxis_->min()), any).x();
        const double x1 = chart()->mapToPosition(QPointF(hi, yAxis_->min()), any).x();
        // At least one pixel wide so a single masked pixel stays visible when zoomed out.
        painter->drawRect(QRectF(QPointF(x0, plot.top()), QPointF(std::max(x1, x0 + 1.0), plot.bottom())));
    }
    painter->restore();
}

void WavelengthChartView::wheelEvent(QWheelEvent* event)
{
    if (!hasData()) return;
    const double factor = event->angleDelta().y() > 0 ? 0.8 : 1.25;
    const double centre = chart()->mapToValue(event->position()).x();
    const double lo = centre - (centre - xAxis_->min()) * factor;
    const double hi = centre + (xAxis_->max() - centre) * factor;
    setXRange(std::max(lo, fullRange_.left()), std::min(hi, fullRange_.right()));
    event->accept();
}

void WavelengthChartView::mouseDoubleClickEvent(QMouseEvent* event)
{
    resetZoom();
    event->accept();
}

void WavelengthChartView::mousePressEvent(QMouseEvent* event)
{
    const bool pan = event->button() == Qt::MiddleButton ||
                     (event->button() == Qt::LeftButton && (event->modifiers() & Qt::ShiftModifier));
    if (pan) {
        panning_ = true;
        panStart_ = event->position();
        setCursor(Qt::ClosedHandCursor);
        event->accept();
        return;
    }
    if (event->button() == Qt::RightButton) return;  // the context menu, not QChartView's zoom-out
    QChartView::mousePressEvent(event);
}

void WavelengthChartView::mouseMoveEvent(QMouseEvent* event)
{
    if (!panning_) {
        QChartView::mouseMoveEvent(event);
        return;
    }
    const double dx = event->position().x() - panStart_.x();
    panStart_ = event->position();
    const double perPixel = (xAxis_->max() - xAxis_->min()) / std::max(1.0, chart()->plotArea().width());
    setXRange(xAxis_->min() - dx * perPixel, xAxis_->max() - dx * perPixel);
    event->accept();
}

void WavelengthChartView::mouseReleaseEvent(QMouseEvent* event)
{
    if (panning_) {
        panning_ = false;
        unsetCursor();
        event->accept();
        return;
    }
    if (event->button() == Qt::RightButton) return;
    QChartView::mouseReleaseEvent(event);
}

void WavelengthChartView::keyPressEvent(QKeyEvent* event)
{
    const double span = xAxis_->max() - xAxis_->min();
    switch (event->key()) {
        case Qt::Key_Home:
            resetZoom();
            break;
        case Qt::Key_Left:
            setXRange(xAxis_->min() - 0.2 * span, xAxis_->max() - 0.2 * span);
            break;
        case Qt::Key_Right:
            setXRange(xAxis_->min() + 0.2 * span, xAxis_->max() + 0.2 * span);
            break;
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            setXRange(xAxis_->min() + 0.25 * span, xAxis_->max() - 0.25 * span);
            break;
        case Qt::Key_Minus:
            setXRange(xAxis_->min() - 0.5 * span, xAxis_->max() + 0.5 * span);
            break;
        default:
            QChartView::keyPressEvent(event);
            return;
    }
    event->accept();
}

}  // namespace remap::ui
