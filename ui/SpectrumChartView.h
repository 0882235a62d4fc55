#pragma once

#include "WavelengthChartView.h"
#include "base/Spectrum.h"
#include "prep/Preprocessor.h"

class QLineSeries;
class QScatterSeries;

namespace remap::ui {

// Plots one spectrum (flux against wavelength): either as read from the file or, when a model is
// loaded, the continuum-normalized spectrum on the network grid (Predictor::prepare). Masked pixels
// are marked and their wavelength ranges shaded. A second spectrum (the nearest training spectrum)
// can be overlaid on the normalized one.
class SpectrumChartView : public WavelengthChartView {
    Q_OBJECT
public:
    explicit SpectrumChartView(QWidget* parent = nullptr);

    void setSpectrum(const Spectrum& spectrum);  // raw, as read
    void setPrepared(const std::vector<double>& grid, const PreparedSpectrum& prepared);
    void setOverlay(const QString& name, const std::vector<double>& grid, const PreparedSpectrum& prepared);
    void clearOverlay();
    void setOverlayVisible(bool visible);
    void clear();

    bool isNormalized() const { return normalized_; }
    int plottedPointCount() const;
    int maskedPointCount() const;
    int overlayPointCount() const;
    bool overlayVisible() const;

private:
    void finishPlot(const std::vector<double>& x, const std::vector<double>& y, const std::vector<std::uint8_t>& mask);

    QLineSeries* flux_;
    QLineSeries* overlay_;
    QScatterSeries* masked_;
    bool normalized_ = false;
};

}  // namespace remap::ui
