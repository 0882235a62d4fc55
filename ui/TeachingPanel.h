#pragma once

#include "TeachingEngine.h"

#include <QElapsedTimer>
#include <QHash>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QTextBrowser;

namespace remap::ui {

class CurveChartView;
class ModelSession;
class PosteriorChartView;
class SaliencyChartView;
class TeachingRunner;

// Teaching mode: sliders for Teff, log g, [Fe/H], S/N and the resolving power R. Every move
// synthesizes the star with the embedded synthesizer, observes it with the MARVELS-like instrument,
// runs the session's model on it (posteriors and the gradient saliency of the chosen parameter) and
// computes the Cramer-Rao information per pixel and the bounds, all off the GUI thread (the latest
// move wins). Without a model the spectrum and the information still work. A text explains what the
// lines and the network do at these parameters; "Classroom size" enlarges it.
class TeachingPanel : public QWidget {
    Q_OBJECT
public:
    enum class Control { Teff, Logg, Feh, Snr, Resolution };

    explicit TeachingPanel(ModelSession* session, QWidget* parent = nullptr);
    ~TeachingPanel() override;

    // Move the sliders from code (each move requests an update, like the user's). Values are clamped to
    // the slider ranges: Teff 3500-7000 K, log g 0-5.5, [Fe/H] -2.5..+0.5, S/N 10-500, R 2000-50000.
    void setTeff(double teff);
    void setLogg(double logg);
    void setFeh(double feh);
    void setSnr(double snr);
    void setResolvingPower(double r);
    void setSaliencyParameter(Param param);
    void setClassroomSize(bool large);
    // Requests an update for the current slider positions (done on first show and on model changes).
    void refresh();

    QSlider* slider(Control control) const;
    TeachingRequest currentRequest() const;
    // The newest complete update shown (spectrum, network and information).
    const TeachingResult& lastResult() const { return last_; }
    // Milliseconds from the request of lastResult() to its complete display.
    double lastUpdateMs() const { return lastUpdateMs_; }
    // True while a request made has not been shown completely yet.
    bool isUpdating() const { return !requestedAt_.isEmpty(); }
    QString explanationHtml() const;
    QString timingText() const;

signals:
    void spectrumShown(int serial);  // spectrum and network of a request are on screen
    void updateShown(int serial);    // ... and its information: the update is complete

protected:
    void showEvent(QShowEvent* event) override;

private:
    void buildLayout();
    void onSpectrum(const TeachingResult& result);
    void onInformation(const TeachingResult& result);
    void showSpectrumPart(const TeachingResult& result);
    void showInformationPart(const TeachingResult& result);
    void updateValueLabels();
    void updateValuesTable(const TeachingResult& result);

    ModelSession* session_;
    TeachingRunner* runner_;
    QSlider* teff_;
    QSlider* logg_;
    QSlider* feh_;
    QSlider* snr_;
    QSlider* resolution_;
    QLabel* teffValue_;
    QLabel* loggValue_;
    QLabel* fehValue_;
    QLabel* snrValue_;
    QLabel* resolutionValue_;
    QComboBox* param_;
    QCheckBox* classroom_;
    QLabel* values_;
    QLabel* timing_;
    QTextBrowser* explanation_;
    CurveChartView* spectrum_;
    CurveChartView* information_;
    SaliencyChartView* saliency_;
    PosteriorChartView* posteriors_[3];
    QLabel* networkNote_;
    int observedCurve_ = -1, modelCurve_ = -1, informationCurve_ = -1;
    std::uint64_t seed_ = 1;
    bool requested_ = false;
    QFont baseFont_;
    QElapsedTimer clock_;
    QHash<int, qint64> requestedAt_;  // serial -> clock_ ms
    TeachingResult last_;
    double lastUpdateMs_ = 0;
};

}  // namespace remap::ui
