#pragma once

#include "base/Spectrum.h"

#include <QMainWindow>

class QLabel;
class QMenu;
class QProgressBar;

namespace remap::ui {

class SpectrumChartView;
class SpectrumLoader;

// The REMAP Studio window: opens spectra (dialog, drag and drop, recent files, command line)
// on a worker thread and shows them. Errors are shown as messages; the window keeps working.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    void openFile(const QString& path);
    SpectrumChartView* spectrumView() const { return spectrumView_; }
    const SpectrumLoader* loader() const { return loader_; }
    QString summaryText() const;

signals:
    void spectrumShown(const QString& path);
    void errorShown(const QString& message);

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void showSpectrum(const QString& path, const Spectrum& spectrum);
    void showError(const QString& path, const QString& message);
    void rememberRecent(const QString& path);
    void rebuildRecentMenu();
    void openWithDialog();

    SpectrumChartView* spectrumView_;
    SpectrumLoader* loader_;
    QLabel* summary_;
    QProgressBar* busy_;
    QMenu* recentMenu_ = nullptr;
};

}  // namespace remap::ui
