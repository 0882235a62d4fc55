#pragma once

#include "base/Spectrum.h"

#include <QChartView>

class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace remap::ui {

// Plots one spectrum (flux against wavelength) with masked pixels marked. Rubber-band zoom,
// wheel zoom, right-drag pan; Home or a double click resets the view.
class SpectrumChartView : public QChartView {
    Q_OBJECT
public:
    explicit SpectrumChartView(QWidget* parent = nullptr);

    void setSpectrum(const Spectrum& spectrum);
    void clear();
    int plottedPointCount() const;
    int maskedPointCount() const;
    void resetZoom();

protected:
    void wheelEvent(QWheelEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    QLineSeries* flux_;
    QScatterSeries* masked_;
    QValueAxis* xAxis_;
    QValueAxis* yAxis_;
    QRectF fullRange_;
};

}  // namespace remap::ui
