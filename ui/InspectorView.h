#pragma once

#include "PredictionRunner.h"

#include <QWidget>

#include <array>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QSettings;
class QSplitter;
class QTableWidget;

namespace remap::ui {

class ModelSession;
class PosteriorChartView;
class SaliencyChartView;
class SpectrumChartView;
class SummaryPanel;

// The "Inspect" tab: one star at a time. Centre: the spectrum (normalized on the network grid when a
// model is loaded, as read otherwise) with masked pixels shaded and optionally the nearest training
// spectrum overlaid; directly beneath, on the same wavelength axis (zoom and pan follow), the saliency
// map for the chosen parameter and method. Right: the summary and three posterior histograms. All
// numbers come from PredictionRunner (that is, from the session's Predictor); nothing is recomputed.
class InspectorView : public QWidget {
    Q_OBJECT
public:
    explicit InspectorView(ModelSession* session, QWidget* parent = nullptr);
    ~InspectorView() override;

    // Opens `path`; `reference` (Teff, log g, [Fe/H]; NaN = unknown) overrides labels from the file.
    void openFile(const QString& path, std::optional<std::array<double, 3>> reference = {});
    void runModel();  // runs the network on the current spectrum (when run-on-open is off)
    void setRunOnOpen(bool run);
    bool runOnOpen() const { return runOnOpen_; }
    void setSaliencyChoice(const SaliencyChoice& choice);
    SaliencyChoice saliencyChoice() const;
    void setShowNeighbour(bool show);
    void resetZoom();

    QString currentPath() const { return path_; }
    std::shared_ptr<const Inspection> current() const { return shown_; }
    bool isBusy() const;
    QString messageText() const;  // the message bar's text ("" when hidden)
    QString neighbourCaption() const;

    SpectrumChartView* spectrumView() const { return spectrum_; }
    SaliencyChartView* saliencyView() const { return saliency_; }
    PosteriorChartView* posteriorView(Param param) const { return posteriors_[static_cast<int>(param)]; }
    SummaryPanel* summary() const { return summary_; }
    QTableWidget* neighbourTable() const { return neighbourTable_; }
    PredictionRunner* runner() const { return runner_; }

    // Writes every chart as FOLDER/<file stem>-<chart>.<format> ("png" or "svg"); returns the paths.
    // Throws remap::Error when one cannot be written.
    QStringList exportCharts(const QString& folder, const QString& format) const;

    void saveSettings(QSettings& settings) const;
    void restoreSettings(const QSettings& settings);

signals:
    void started(const QString& path);
    void shown(const QString& path);  // every chart drawn for `path` (raw, prepared or predicted)
    void failed(const QString& path, const QString& message);
    void busyChanged(bool busy);
    void statusMessage(const QString& text, int timeoutMs);

private:
    void request(bool runNetwork);
    void display(const std::shared_ptr<const Inspection>& r);
    void showSaliency();
    void showNeighbours();
    void updateMessage();
    void setMessage(const QString& html, bool error);
    std::optional<std::array<double, 3>> referenceFor(const Inspection& r) const;

    ModelSession* session_;
    PredictionRunner* runner_;
    QLabel* message_;
    QComboBox* param_;
    QComboBox* method_;
    QCheckBox* neighbourToggle_;
    SpectrumChartView* spectrum_;
    SaliencyChartView* saliency_;
    QLabel* saliencyNote_;
    QWidget* neighbourBox_;
    QLabel* neighbourCaption_;
    QTableWidget* neighbourTable_;
    SummaryPanel* summary_;
    std::array<PosteriorChartView*, 3> posteriors_{};
    QSplitter* mainSplit_;
    QSplitter* centreSplit_;
    QSplitter* rightSplit_;

    QString path_;
    std::optional<std::array<double, 3>> reference_;
    std::shared_ptr<const Inspection> shown_;
    QString readError_;  // the last file that could not be read, and why
    bool runOnOpen_ = true;
    bool networkWanted_ = false;  // the user asked for the network on the current file
};

}  // namespace remap::ui
