#pragma once

#include <QChartView>
#include <QColor>
#include <QVector>
#include <QWidget>

#include <cmath>
#include <vector>

class QScatterSeries;
class QValueAxis;

namespace remap::ui {

// One star on the Kiel diagram; `row` is handed back when its point is clicked.
struct KielStar {
    int row = -1;
    double teff = NAN, logg = NAN, feh = NAN;  // predicted
    double refTeff = NAN, refLogg = NAN;       // reference position, when known
};

// Colour scale of [Fe/H]: a few bins (one scatter series each) from metal-poor (dark blue) to
// metal-rich (yellow), fine near solar where most stars lie.
struct FehColourScale {
    static const std::vector<double>& edges();  // inner bin edges, increasing
    static int binCount() { return static_cast<int>(edges().size()) + 1; }
    static int binOf(double feh);
    static QColor colour(int bin);
    static QString label(int bin);  // e.g. "-0.25 .. 0"
};

// The colour bar beside the Kiel diagram: one swatch per [Fe/H] bin, metal-rich on top.
class FehColourBar : public QWidget {
    Q_OBJECT
public:
    explicit FehColourBar(QWidget* parent = nullptr);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
};

// Teff (x, reversed: hot on the left) against log g (y, reversed: giants on top), points coloured by
// [Fe/H]; reference positions (hollow grey circles) optional. Clicking a point emits starClicked.
class KielChartView : public QChartView {
    Q_OBJECT
public:
    explicit KielChartView(QWidget* parent = nullptr);

    void setStars(const std::vector<KielStar>& stars);
    void clear();
    void setReferenceVisible(bool visible);
    bool referenceVisible() const { return referenceVisible_; }

    int pointCount() const;           // predicted points drawn
    int referencePointCount() const;  // reference points drawn (when visible)
    // Axis ranges (x = Teff, y = log g) as now shown.
    QRectF plotRange() const;

signals:
    void starClicked(int row);

private:
    void fitAxes();
    void onClicked(int series, const QPointF& point);

    std::vector<QScatterSeries*> bins_;
    std::vector<std::vector<int>> binRows_;  // catalog row of each point, per bin series
    QScatterSeries* reference_;
    QValueAxis* xAxis_;
    QValueAxis* yAxis_;
    std::vector<KielStar> stars_;
    bool referenceVisible_ = true;
};

}  // namespace remap::ui
