#pragma once

#include <QChartView>
#include <QList>
#include <QPair>

#include <cstdint>
#include <vector>

class QValueAxis;

namespace remap::ui {

// A chart over wavelength: the zoom and pan behaviour and the masked-region shading shared by the
// spectrum and saliency views. Drag zooms (horizontal rubber band), the wheel zooms, middle-drag or
// Shift+drag pans, arrows pan, Home or a double click resets. The plot area keeps a fixed left
// margin so views stacked in a column line up their wavelength axes; linkXAxis() makes two views
// follow each other's zoom and pan.
class WavelengthChartView : public QChartView {
    Q_OBJECT
public:
    explicit WavelengthChartView(QWidget* parent = nullptr);

    QValueAxis* xAxis() const { return xAxis_; }
    QValueAxis* yAxis() const { return yAxis_; }
    void resetZoom();
    void setXRange(double lo, double hi);
    // Both views follow each other's wavelength range from now on.
    static void linkXAxis(WavelengthChartView* a, WavelengthChartView* b);

    // Wavelength intervals drawn shaded (masked or uncovered pixels).
    void setShadedRegions(QList<QPair<double, double>> regions);
    const QList<QPair<double, double>>& shadedRegions() const { return shaded_; }

protected:
    // The data extent resetZoom() returns to.
    void setFullRange(double xLo, double xHi, double yLo, double yHi);
    bool hasData() const { return !fullRange_.isNull(); }

    void wheelEvent(QWheelEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void drawForeground(QPainter* painter, const QRectF& rect) override;

private:
    QValueAxis* xAxis_;
    QValueAxis* yAxis_;
    QRectF fullRange_;  // x: wavelength extent, y: value extent (top < bottom in value terms)
    QList<QPair<double, double>> shaded_;
    bool panning_ = false;
    QPointF panStart_;
};

// Ticks at round numbers (1, 2 or 5 times a power of ten), about `target` of them across [lo, hi], with
// labels to match. Call it BEFORE widening an axis: Qt Charts lays out ticks from the old interval as
// soon as the range changes, and 0.1-wide ticks over 5000 A are 50,000 labels.
void niceTicks(QValueAxis* axis, double lo, double hi, int target);

// Contiguous runs of masked pixels as wavelength intervals (half a pixel beyond the outer centres).
// At most `maxRegions`: beyond that the closest runs are merged (a display limit only).
QList<QPair<double, double>> maskedRuns(const std::vector<double>& x, const std::vector<std::uint8_t>& mask,
                                        int maxRegions = 500);

}  // namespace remap::ui
