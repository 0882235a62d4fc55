#pragma once

// The training panel's live charts: per-task losses per step, per-epoch curves (with a second run
// overlaid for comparison), predicted-against-reference plots of the calibration stars and the
// metrics table. All of them are fed reports (live) or a RunRecord (a past or followed run).

#include "train/RunRecord.h"

#include <QChartView>
#include <QList>
#include <QPointF>
#include <QTableWidget>
#include <QTimer>
#include <QWidget>

#include <array>
#include <optional>
#include <vector>

class QComboBox;
class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace remap::ui {

// Means of consecutive runs of points, at most `buckets` of them (a noisy loss curve reads better as
// its running mean than as a min/max envelope). Fewer points than buckets are returned unchanged.
QList<QPointF> decimateMean(const std::vector<double>& x, const std::vector<double>& y, int buckets);

// Losses of the Teff, log g, [Fe/H] and embedding tasks and the weighted total against the optimizer
// step. Reports are stored in full; the chart is redrawn at most every 100 ms, decimated when long.
class LossChartView : public QChartView {
    Q_OBJECT
public:
    static constexpr int kSeriesCount = 5;  // teff, logg, feh, embedding, total
    static constexpr int kDisplayBuckets = 1000;

    explicit LossChartView(QWidget* parent = nullptr);

    // A step at or before the last one (a resumed run repeats steps after its checkpoint) replaces
    // the stored steps from there on.
    void addStep(const train::StepReport& step);
    void setSteps(const std::vector<train::StepReport>& steps);
    void clear();
    int stepCount() const { return static_cast<int>(steps_.size()); }
    // Points drawn by one series (index as above); after the pending redraw, see flush().
    int displayedPointCount(int series) const;
    void flush();  // redraws now if anything changed

private:
    void redraw();

    std::vector<double> x_;
    std::array<std::vector<double>, kSeriesCount> y_;
    std::vector<std::int64_t> steps_;
    std::array<QLineSeries*, kSeriesCount> series_{};
    QValueAxis* xAxis_;
    QValueAxis* yAxis_;
    QTimer redrawTimer_;
};

// One value per epoch: training and validation loss, or one parameter's validation RMSE, bias or
// MAD. The fine-tuning baseline is drawn at epoch 0. A second run can be overlaid (dashed).
class EpochChartView : public QChartView {
    Q_OBJECT
public:
    enum class Metric { Loss, TeffRmse, LoggRmse, FehRmse, TeffBias, LoggBias, FehBias };

    explicit EpochChartView(QWidget* parent = nullptr);

    void addEpoch(const train::EpochReport& epoch);  // replaces a repeated epoch (resumed run) and what followed
    void setEpochs(const std::vector<train::EpochReport>& epochs, const std::optional<train::EpochReport>& baseline);
    void setComparison(const QString& name, const std::vector<train::EpochReport>& epochs,
                       const std::optional<train::EpochReport>& baseline);
    void clearComparison();
    void clear();  // the current run (the comparison stays)
    void setMetric(Metric metric);
    Metric metric() const { return metric_; }

    int epochCount() const { return static_cast<int>(epochs_.size()); }
    int validationPointCount() const;
    int comparisonPointCount() const;

private:
    void redraw();

    Metric metric_ = Metric::Loss;
    std::vector<train::EpochReport> epochs_;
    std::optional<train::EpochReport> baseline_;
    std::vector<train::EpochReport> comparison_;
    std::optional<train::EpochReport> comparisonBaseline_;
    QLineSeries* train_;
    QLineSeries* validation_;
    QLineSeries* compareValidation_;
    QLineSeries* compareTrain_;
    QValueAxis* xAxis_;
    QValueAxis* yAxis_;
};

// Posterior mean against reference for one parameter over the validation (calibration) stars, with
// each star's 16-84 % interval as an error bar and the 1:1 line. Hovering a star names it.
class CalibrationChartView : public QChartView {
    Q_OBJECT
public:
    static constexpr int kMaxStars = 5000;  // more are thinned evenly for display

    explicit CalibrationChartView(Param param, QWidget* parent = nullptr);

    void setPredictions(const std::vector<train::StarPrediction>& stars, const QString& caption);
    void clear();
    int pointCount() const;
    Param param() const { return param_; }

protected:
    void drawForeground(QPainter* painter, const QRectF& rect) override;

private:
    void showStarTip(const QPointF& point, bool state);

    Param param_;
    std::vector<train::StarPrediction> stars_;  // those drawn
    QScatterSeries* points_;
    QLineSeries* identity_;
    QValueAxis* xAxis_;
    QValueAxis* yAxis_;
};

// Bias, standard deviation, MAD, RMSE and 68 % coverage per parameter; a fine-tuning run adds the
// pretrained model's rows for comparison.
class MetricsTable : public QTableWidget {
    Q_OBJECT
public:
    explicit MetricsTable(QWidget* parent = nullptr);
    void setMetrics(const train::ValidationMetrics& metrics, const std::optional<train::ValidationMetrics>& baseline);
    void clearMetrics();
};

// The charts of one run, laid out together.
class TrainingCharts : public QWidget {
    Q_OBJECT
public:
    explicit TrainingCharts(QWidget* parent = nullptr);

    void clear();  // keeps the comparison
    void addStep(const train::StepReport& step);
    void addEpoch(const train::EpochReport& epoch);  // epoch -1: the fine-tuning baseline
    void showRecord(const train::RunRecord& record);
    void setComparison(const QString& name, const train::RunRecord& record);
    void clearComparison();

    LossChartView* lossChart() const { return loss_; }
    EpochChartView* epochChart() const { return epochs_; }
    CalibrationChartView* calibrationChart(Param param) const { return calibration_[static_cast<int>(param)]; }
    MetricsTable* metricsTable() const { return metrics_; }

private:
    void showEpochDetails(const train::EpochReport& epoch);

    LossChartView* loss_;
    EpochChartView* epochs_;
    QComboBox* metricChoice_;
    std::array<CalibrationChartView*, 3> calibration_{};
    MetricsTable* metrics_;
    std::optional<train::ValidationMetrics> baselineMetrics_;
};

}  // namespace remap::ui
