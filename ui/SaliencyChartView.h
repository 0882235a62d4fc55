#pragma once

#include "WavelengthChartView.h"

class QLineSeries;

namespace remap::ui {

// One saliency map (Predictor::saliency: attribution of a parameter's posterior mean to each pixel of
// the network grid) drawn under the spectrum on the same wavelength axis; masked pixels are shaded.
class SaliencyChartView : public WavelengthChartView {
    Q_OBJECT
public:
    explicit SaliencyChartView(QWidget* parent = nullptr);

    // `what` is the y-axis title (which parameter).
    void setSaliency(const std::vector<double>& grid, const std::vector<float>& values,
                     const std::vector<std::uint8_t>& mask, const QString& what);
    void clear();
    int plottedPointCount() const;

private:
    QLineSeries* map_;
    QLineSeries* zero_;
};

}  // namespace remap::ui
