#pragma once

#include "WavelengthChartView.h"

#include <QPen>
#include <QString>

#include <vector>

class QLineSeries;

namespace remap::ui {

// A few curves over wavelength on one WavelengthChartView (zoom, pan, linked axes): the teaching
// mode's spectrum and information-per-pixel plots. New data keeps the wavelength window shown.
class CurveChartView : public WavelengthChartView {
    Q_OBJECT
public:
    explicit CurveChartView(QWidget* parent = nullptr);

    // Adds an empty curve drawn with `pen`; returns its index for setCurve().
    int addCurve(const QString& name, const QPen& pen);
    // Replaces one curve's points (x and y of equal length; non-finite y are skipped) and rescales
    // the axes to all curves (y from 0 when `fromZero`).
    void setCurve(int curve, const std::vector<double>& x, const std::vector<double>& y);
    void clearCurves();
    void setYFromZero(bool fromZero) { fromZero_ = fromZero; }
    void setYTitle(const QString& title);
    int pointCount(int curve) const;

private:
    void rescale();

    std::vector<QLineSeries*> curves_;
    bool fromZero_ = false;
};

}  // namespace remap::ui
