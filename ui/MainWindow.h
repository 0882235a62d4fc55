#pragma once

#include <QMainWindow>

#include <array>
#include <optional>

class QActionGroup;
class QCheckBox;
class QComboBox;
class QFrame;
class QLabel;
class QMenu;
class QProgressBar;
class QTabWidget;

namespace remap::ui {

class InspectorView;
class ModelSession;
class SpectrumChartView;

// The REMAP Studio window: a tab widget whose "Inspect" tab shows one star (InspectorView); other panels
// are added as tabs (tabs()). Spectra open by dialog, drag and drop, recent files, the command line and
// showStar(); the model (ModelSession, shared by every tab) is chosen in the Model menu and toolbar.
// Errors are shown as messages; the window keeps working.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // loadDefaultModel: load the remembered or shipped model at start (tests pass false).
    explicit MainWindow(QWidget* parent = nullptr, bool loadDefaultModel = true);
    ~MainWindow() override;

    void openFile(const QString& path);
    // Opens the first file and adds the others to the recent list (the inspector shows one star).
    void openFiles(const QStringList& paths);

    QTabWidget* tabs() const { return tabs_; }
    ModelSession* modelSession() const { return session_; }
    InspectorView* inspector() const { return inspector_; }
    SpectrumChartView* spectrumView() const;
    QString summaryText() const;
    bool firstStartOffered() const;  // the demo info bar is showing

    // A demo spectrum to offer a new user (the first of the demo data folders), or "".
    static QString demoStar();

public slots:
    // Switches to the Inspect tab and opens `path` with the catalog's reference values (NaN = unknown).
    void showStar(const QString& path, std::optional<std::array<double, 3>> reference);
    void openModel(const QString& bundlePath);
    void setDevice(const QString& device);  // "auto", "cpu" or "cuda"; remembered in the settings

signals:
    void spectrumShown(const QString& path);  // the inspector drew everything it has for `path`
    void errorShown(const QString& message);  // a file could not be read (the message names it)

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    void buildFirstStartBar();
    void openWithDialog();
    void openModelWithDialog();
    void exportWithDialog();
    void rememberRecent(const QString& path);
    void rebuildRecentMenu();
    void updateModelLabel();
    void about();
    void saveSettings();

    ModelSession* session_;
    InspectorView* inspector_;
    QTabWidget* tabs_;
    QFrame* firstStart_ = nullptr;
    QProgressBar* busy_;
    QLabel* modelLabel_;
    QComboBox* deviceBox_ = nullptr;
    QCheckBox* runOnOpenBox_ = nullptr;
    QActionGroup* deviceActions_ = nullptr;
    QAction* runOnOpenAction_ = nullptr;
    QMenu* recentMenu_ = nullptr;
};

}  // namespace remap::ui
