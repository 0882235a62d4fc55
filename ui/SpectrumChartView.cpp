#include "SpectrumChartView.h"

#include "Decimation.h"

#include <QKeyEvent>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace remap::ui {
namespace {
constexpr int kDisplayBuckets = 4000;
}

SpectrumChartView::SpectrumChartView(QWidget* parent)
    : QChartView(parent),
      flux_(new QLineSeries),
      masked_(new QScatterSeries),
      xAxis_(new QValueAxis),
      yAxis_(new QValueAxis)
{
    auto* chart = new QChart;
    chart->legend()->setVisible(false);
    chart->addSeries(flux_);
    chart->addSeries(masked_);
    chart->addAxis(xAxis_, Qt::AlignBottom);
    chart->addAxis(yAxis_, Qt::AlignLeft);
    for (auto* s : {static_cast<QAbstractSeries*>(flux_), static_cast<QAbstractSeries*>(masked_)}) {
        s->attachAxis(xAxis_);
        s->attachAxis(yAxis_);
    }
    flux_->setName(tr("flux"));
    flux_->setPen(QPen(QColor(30, 60, 140), 1.0));
    flux_->setUseOpenGL(false);
    masked_->setName(tr("masked"));
    masked_->setMarkerSize(5);
    masked_->setColor(QColor(220, 60, 60));
    masked_->setBorderColor(Qt::transparent);
    xAxis_->setTitleText(tr("Wavelength (Å)"));
    yAxis_->setTitleText(tr("Flux"));
    xAxis_->setLabelFormat("%.0f");
    chart->setMargins(QMargins(4, 4, 4, 4));
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setRubberBand(QChartView::HorizontalRubberBand);
    setToolTip(tr("Drag to zoom, wheel to zoom, double-click or Home to reset"));
}

void SpectrumChartView::clear()
{
    flux_->clear();
    masked_->clear();
}

void SpectrumChartView::setSpectrum(const Spectrum& spectrum)
{
    clear();
    if (spectrum.empty()) return;
    flux_->replace(decimateMinMax(spectrum.wavelength, spectrum.flux, kDisplayBuckets));
    QList<QPointF> maskedPoints;
    for (std::size_t i = 0; i < spectrum.size(); ++i)
        if (spectrum.mask[i]) maskedPoints.append(QPointF(spectrum.wavelength[i], spectrum.flux[i]));
    if (maskedPoints.size() > 2 * kDisplayBuckets) maskedPoints.resize(2 * kDisplayBuckets);
    masked_->replace(maskedPoints);

    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t i = 0; i < spectrum.size(); ++i) {
        if (spectrum.mask[i]) continue;
        lo = std::min(lo, spectrum.flux[i]);
        hi = std::max(hi, spectrum.flux[i]);
    }
    if (!(hi > lo)) {
        lo -= 1;
        hi += 1;
    }
    const double pad = 0.05 * (hi - lo);
    fullRange_ = QRectF(QPointF(spectrum.wavelength.front(), lo - pad), QPointF(spectrum.wavelength.back(), hi + pad));
    yAxis_->setTitleText(spectrum.fluxUnit.empty() ? tr("Flux")
                                                   : tr("Flux (%1)").arg(QString::fromStdString(spectrum.fluxUnit)));
    xAxis_->setTitleText(spectrum.medium == Medium::Air      ? tr("Air wavelength (Å)")
                         : spectrum.medium == Medium::Vacuum ? tr("Vacuum wavelength (Å)")
                                                             : tr("Wavelength (Å)"));
    resetZoom();
}

int SpectrumChartView::plottedPointCount() const
{
    return static_cast<int>(flux_->count());
}
int SpectrumChartView::maskedPointCount() const
{
    return static_cast<int>(masked_->count());
}

void SpectrumChartView::resetZoom()
{
    if (fullRange_.isNull()) return;
    xAxis_->setRange(fullRange_.left(), fullRange_.right());
    yAxis_->setRange(fullRange_.top(), fullRange_.bottom());
}

void SpectrumChartView::wheelEvent(QWheelEvent* event)
{
    const double factor = event->angleDelta().y() > 0 ? 0.8 : 1.25;
    const double centre = chart()->mapToValue(event->position()).x();
    const double lo = centre - (centre - xAxis_->min()) * factor;
    const double hi = centre + (xAxis_->max() - centre) * factor;
    xAxis_->setRange(std::max(lo, fullRange_.left()), std::min(hi, fullRange_.right()));
    event->accept();
}

void SpectrumChartView::mouseDoubleClickEvent(QMouseEvent* event)
{
    resetZoom();
    event->accept();
}

void SpectrumChartView::keyPressEvent(QKeyEvent* event)
{
    const double span = xAxis_->max() - xAxis_->min();
    switch (event->key()) {
        case Qt::Key_Home:
            resetZoom();
            break;
        case Qt::Key_Left:
            xAxis_->setRange(xAxis_->min() - 0.2 * span, xAxis_->max() - 0.2 * span);
            break;
        case Qt::Key_Right:
            xAxis_->setRange(xAxis_->min() + 0.2 * span, xAxis_->max() + 0.2 * span);
            break;
        default:
            QChartView::keyPressEvent(event);
            return;
    }
    event->accept();
}

}  // namespace remap::ui
