#include "KielChartView.h"

#include <QPainter>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <iterator>
#include <limits>

namespace remap::ui {

const std::vector<double>& FehColourScale::edges()
{
    static const std::vector<double> e{-1.5, -1.0, -0.5, -0.25, 0.0, 0.25};
    return e;
}

int FehColourScale::binOf(double feh)
{
    const auto& e = edges();
    return static_cast<int>(std::upper_bound(e.begin(), e.end(), feh) - e.begin());
}

QColor FehColourScale::colour(int bin)
{
    // Samples of viridis: perceptually ordered and readable on white.
    static const QColor palette[] = {QColor(68, 1, 84),    QColor(70, 50, 127),  QColor(54, 92, 141),
                                     QColor(39, 127, 142), QColor(31, 161, 135), QColor(74, 193, 109),
                                     QColor(160, 218, 57)};
    static_assert(std::size(palette) == 7);
    return palette[std::clamp(bin, 0, static_cast<int>(std::size(palette)) - 1)];
}

QString FehColourScale::label(int bin)
{
    const auto& e = edges();
    auto num = [](double v) { return (v > 0 ? QStringLiteral("+") : QString()) + QString::number(v); };
    if (bin <= 0) return QStringLiteral("< %1").arg(num(e.front()));
    if (bin >= static_cast<int>(e.size())) return QStringLiteral("≥ %1").arg(num(e.back()));
    return QStringLiteral("%1 .. %2")
        .arg(num(e[static_cast<std::size_t>(bin) - 1]), num(e[static_cast<std::size_t>(bin)]));
}

FehColourBar::FehColourBar(QWidget* parent) : QWidget(parent)
{
    setToolTip(tr("[Fe/H] of the predicted points"));
}

QSize FehColourBar::sizeHint() const
{
    const QFontMetrics fm(font());
    return {fm.horizontalAdvance(QStringLiteral("-0.25 .. +0.25")) + 30,
            (FehColourScale::binCount() + 2) * (fm.height() + 4)};
}

void FehColourBar::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    const QFontMetrics fm(font());
    const int row = fm.height() + 4;
    painter.drawText(QRect(0, 0, width(), row), Qt::AlignLeft | Qt::AlignVCenter, tr("[Fe/H]"));
    const int n = FehColourScale::binCount();
    for (int i = 0; i < n; ++i) {
        const int bin = n - 1 - i;  // metal-rich on top
        const QRect swatch(2, row * (i + 1) + 2, 14, row - 4);
        painter.fillRect(swatch, FehColourScale::colour(bin));
        painter.drawText(QRect(22, row * (i + 1), width() - 22, row), Qt::AlignLeft | Qt::AlignVCenter,
                         FehColourScale::label(bin));
    }
}

KielChartView::KielChartView(QWidget* parent)
    : QChartView(parent), reference_(new QScatterSeries), xAxis_(new QValueAxis), yAxis_(new QValueAxis)
{
    auto* chart = new QChart;
    chart->legend()->setVisible(false);
    chart->addAxis(xAxis_, Qt::AlignBottom);
    chart->addAxis(yAxis_, Qt::AlignLeft);
    reference_->setName(tr("reference"));
    reference_->setMarkerSize(8);
    reference_->setColor(Qt::transparent);
    reference_->setBorderColor(QColor(120, 120, 120));
    chart->addSeries(reference_);
    reference_->attachAxis(xAxis_);
    reference_->attachAxis(yAxis_);
    for (int b = 0; b < FehColourScale::binCount(); ++b) {
        auto* s = new QScatterSeries;
        s->setName(FehColourScale::label(b));
        s->setMarkerSize(7);
        s->setColor(FehColourScale::colour(b));
        s->setBorderColor(Qt::transparent);
        chart->addSeries(s);
        s->attachAxis(xAxis_);
        s->attachAxis(yAxis_);
        connect(s, &QScatterSeries::clicked, this, [this, b](const QPointF& p) { onClicked(b, p); });
        bins_.push_back(s);
    }
    binRows_.resize(bins_.size());
    xAxis_->setReverse(true);
    yAxis_->setReverse(true);
    xAxis_->setTitleText(tr("Teff (K)"));
    yAxis_->setTitleText(tr("log g"));
    xAxis_->setLabelFormat("%.0f");
    yAxis_->setLabelFormat("%.1f");
    // Round ticks (every 500 K, every 0.5 dex) whatever range the points need.
    for (const auto& [axis, step] : {std::pair{xAxis_, 500.0}, std::pair{yAxis_, 0.5}}) {
        axis->setTickType(QValueAxis::TicksDynamic);
        axis->setTickAnchor(0.0);
        axis->setTickInterval(step);
    }
    chart->setTitle(tr("Kiel diagram"));
    chart->setMargins(QMargins(4, 4, 4, 4));
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setToolTip(tr("Predicted Teff and log g, coloured by [Fe/H]; click a point to open the star"));
    fitAxes();
}

void KielChartView::clear()
{
    setStars({});
}

void KielChartView::setStars(const std::vector<KielStar>& stars)
{
    stars_ = stars;
    std::vector<QList<QPointF>> points(bins_.size());
    for (auto& rows : binRows_) rows.clear();
    QList<QPointF> refs;
    for (const auto& s : stars_) {
        if (!std::isfinite(s.teff) || !std::isfinite(s.logg)) continue;
        const auto b = static_cast<std::size_t>(FehColourScale::binOf(std::isfinite(s.feh) ? s.feh : 0.0));
        points[b].append(QPointF(s.teff, s.logg));
        binRows_[b].push_back(s.row);
        if (std::isfinite(s.refTeff) && std::isfinite(s.refLogg)) refs.append(QPointF(s.refTeff, s.refLogg));
    }
    for (std::size_t b = 0; b < bins_.size(); ++b) bins_[b]->replace(points[b]);
    reference_->replace(referenceVisible_ ? refs : QList<QPointF>());
    fitAxes();
}

void KielChartView::setReferenceVisible(bool visible)
{
    if (visible == referenceVisible_) return;
    referenceVisible_ = visible;
    setStars(std::vector<KielStar>(stars_));
}

int KielChartView::pointCount() const
{
    int n = 0;
    for (const auto* s : bins_) n += static_cast<int>(s->count());
    return n;
}

int KielChartView::referencePointCount() const
{
    return static_cast<int>(reference_->count());
}

QRectF KielChartView::plotRange() const
{
    return QRectF(QPointF(xAxis_->min(), yAxis_->min()), QPointF(xAxis_->max(), yAxis_->max()));
}

void KielChartView::fitAxes()
{
    // The trained range by default, widened to include every point.
    double tLo = 3500, tHi = 7000, gLo = 0, gHi = 5.5;
    auto include = [&](double t, double g) {
        if (!std::isfinite(t) || !std::isfinite(g)) return;
        tLo = std::min(tLo, t);
        tHi = std::max(tHi, t);
        gLo = std::min(gLo, g);
        gHi = std::max(gHi, g);
    };
    for (const auto& s : stars_) {
        include(s.teff, s.logg);
        if (referenceVisible_) include(s.refTeff, s.refLogg);
    }
    xAxis_->setRange(std::floor(tLo / 250.0) * 250.0, std::ceil(tHi / 250.0) * 250.0);
    yAxis_->setRange(std::floor(gLo * 2.0) / 2.0, std::ceil(gHi * 2.0) / 2.0);
}

void KielChartView::onClicked(int series, const QPointF& point)
{
    const auto* s = bins_[static_cast<std::size_t>(series)];
    const auto pts = s->points();
    int best = -1;
    double bestDistance = std::numeric_limits<double>::infinity();
    for (int i = 0; i < pts.size(); ++i) {
        // Distance in axis units scaled to comparable sizes (1 dex ~ 1000 K).
        const double d = std::hypot((pts[i].x() - point.x()) / 1000.0, pts[i].y() - point.y());
        if (d < bestDistance) {
            bestDistance = d;
            best = i;
        }
    }
    if (best >= 0) emit starClicked(binRows_[static_cast<std::size_t>(series)][static_cast<std::size_t>(best)]);
}

}  // namespace remap::ui
