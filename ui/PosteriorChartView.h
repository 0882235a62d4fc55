#pragma once

#include "ml/Posterior.h"

#include <QChartView>

#include <optional>
#include <vector>

class QAreaSeries;
class QLineSeries;
class QValueAxis;

namespace remap::ui {

// One parameter's posterior as the network gives it: the histogram over its bins, the 95 % and 68 %
// highest-density sets shaded under it, vertical lines at the mean and the mode and, when known, at the
// reference value (from the file or a catalog). Everything drawn comes from ParameterPosterior.
class PosteriorChartView : public QChartView {
    Q_OBJECT
public:
    // `title` names the parameter with its unit, e.g. "Teff [K]".
    explicit PosteriorChartView(const QString& title, QWidget* parent = nullptr);

    void setPosterior(const ParameterPosterior& posterior, std::optional<double> reference = {});
    void clear();

    // The bar heights as drawn (one per bin), read back from the histogram series.
    std::vector<double> barHeights() const;
    bool hasReference() const;
    double meanLine() const;  // x of the mean line (NaN when empty)

private:
    QString title_;
    QLineSeries* bars_;
    QAreaSeries* barsArea_;
    QLineSeries* hdi95Upper_;
    QAreaSeries* hdi95_;
    QLineSeries* hdi68Upper_;
    QAreaSeries* hdi68_;
    QLineSeries* mean_;
    QLineSeries* mode_;
    QLineSeries* reference_;
    QValueAxis* xAxis_;
    QValueAxis* yAxis_;
};

}  // namespace remap::ui
