#include "SpectrumChartView.h"

#include "Decimation.h"

#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace remap::ui {
namespace {
constexpr int kDisplayBuckets = 4000;

std::vector<double> toDouble(const std::vector<float>& v)
{
    return {v.begin(), v.end()};
}
}  // namespace

SpectrumChartView::SpectrumChartView(QWidget* parent)
    : WavelengthChartView(parent), flux_(new QLineSeries), overlay_(new QLineSeries), masked_(new QScatterSeries)
{
    for (auto* s : {static_cast<QAbstractSeries*>(overlay_), static_cast<QAbstractSeries*>(flux_),
                    static_cast<QAbstractSeries*>(masked_)}) {
        chart()->addSeries(s);
        s->attachAxis(xAxis());
        s->attachAxis(yAxis());
    }
    flux_->setName(tr("flux"));
    flux_->setPen(QPen(QColor(30, 60, 140), 1.0));
    overlay_->setName(tr("nearest training spectrum"));
    overlay_->setPen(QPen(QColor(230, 130, 20, 200), 1.0));
    overlay_->setVisible(false);
    masked_->setName(tr("masked"));
    masked_->setMarkerSize(5);
    masked_->setColor(QColor(220, 60, 60));
    masked_->setBorderColor(Qt::transparent);
    yAxis()->setTitleText(tr("Flux"));
    setToolTip(
        tr("Drag to zoom, wheel to zoom, middle-drag or Shift+drag to pan, double-click or Home to reset.\n"
           "Shaded: masked pixels (bad or not covered by the file)."));
}

void SpectrumChartView::clear()
{
    flux_->clear();
    masked_->clear();
    clearOverlay();
    setShadedRegions({});
}

void SpectrumChartView::finishPlot(const std::vector<double>& x, const std::vector<double>& y,
                                   const std::vector<std::uint8_t>& mask)
{
    flux_->replace(decimateMinMax(x, y, kDisplayBuckets));
    QList<QPointF> maskedPoints;
    for (std::size_t i = 0; i < x.size(); ++i)
        if (mask[i]) maskedPoints.append(QPointF(x[i], y[i]));
    if (maskedPoints.size() > 2 * kDisplayBuckets) maskedPoints.resize(2 * kDisplayBuckets);
    masked_->replace(maskedPoints);
    setShadedRegions(maskedRuns(x, mask));

    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (mask[i]) continue;
        lo = std::min(lo, y[i]);
        hi = std::max(hi, y[i]);
    }
    if (!std::isfinite(lo)) lo = hi = 0.0;
    const double pad = 0.05 * std::max(hi - lo, 1e-6);
    setFullRange(x.front(), x.back(), lo - pad, hi + pad);
    resetZoom();
}

void SpectrumChartView::setSpectrum(const Spectrum& spectrum)
{
    clear();
    normalized_ = false;
    if (spectrum.empty()) return;
    yAxis()->setTitleText(spectrum.fluxUnit.empty() ? tr("Flux")
                                                    : tr("Flux (%1)").arg(QString::fromStdString(spectrum.fluxUnit)));
    xAxis()->setTitleText(spectrum.medium == Medium::Air      ? tr("Air wavelength (Å)")
                          : spectrum.medium == Medium::Vacuum ? tr("Vacuum wavelength (Å)")
                                                              : tr("Wavelength (Å)"));
    finishPlot(spectrum.wavelength, spectrum.flux, spectrum.mask);
}

void SpectrumChartView::setPrepared(const std::vector<double>& grid, const PreparedSpectrum& prepared)
{
    clear();
    normalized_ = true;
    if (grid.empty() || grid.size() != prepared.flux.size()) return;
    yAxis()->setTitleText(tr("Normalized flux"));
    xAxis()->setTitleText(tr("Wavelength on the network grid (Å)"));
    finishPlot(grid, toDouble(prepared.flux), prepared.mask);
}

void SpectrumChartView::setOverlay(const QString& name, const std::vector<double>& grid,
                                   const PreparedSpectrum& prepared)
{
    overlay_->clear();
    if (grid.size() != prepared.flux.size()) return;
    QList<QPointF> points;
    points.reserve(static_cast<qsizetype>(grid.size()));
    for (std::size_t i = 0; i < grid.size(); ++i)
        if (!prepared.mask[i]) points.append(QPointF(grid[i], prepared.flux[i]));
    overlay_->replace(points);
    overlay_->setName(tr("nearest training spectrum: %1").arg(name));
}

void SpectrumChartView::clearOverlay()
{
    overlay_->clear();
}

void SpectrumChartView::setOverlayVisible(bool visible)
{
    overlay_->setVisible(visible);  // the inspector's caption says what the orange curve is
}

int SpectrumChartView::plottedPointCount() const
{
    return static_cast<int>(flux_->count());
}
int SpectrumChartView::maskedPointCount() const
{
    return static_cast<int>(masked_->count());
}
int SpectrumChartView::overlayPointCount() const
{
    return static_cast<int>(overlay_->count());
}
bool SpectrumChartView::overlayVisible() const
{
    return overlay_->isVisible() && overlay_->count() > 0;
}

}  // namespace remap::ui
