#pragma once

#include <QString>
#include <QWidget>

#include <array>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableView;

namespace remap::ui {

class CatalogFilterProxy;
class CatalogModel;
class CatalogRunner;
class KielChartView;
class ModelSession;

// Predicts a whole catalog with the session's model: open a catalog CSV (and optionally a truth CSV),
// run the model off the GUI thread with progress and Cancel, browse a sortable, filterable table and a
// Kiel diagram that fill as results arrive, and export the results as CSV or FITS (the same writer and
// numbers as `remap predict --catalog`). Files that fail become rows with their error.
class CatalogPanel : public QWidget {
    Q_OBJECT
public:
    explicit CatalogPanel(ModelSession* session, QWidget* parent = nullptr);
    ~CatalogPanel() override;

    // Reads the catalog (and the truth CSV, joined by id or file); no prediction yet. On failure emits
    // errorOccurred, keeps the previous catalog and returns false.
    bool openCatalog(const QString& csvPath, const QString& truthPath = {});
    // The demo survey's giant candidates with their truth file (the first demo folder that has them:
    // installed share/remap-studio/demo-survey, or the build's). Empty when there is none.
    static std::array<QString, 2> demoGiantCatalog();
    // openCatalog(demoGiantCatalog()); false when there is no demo survey.
    bool openDemoCatalog();
    // Starts predicting the open catalog with the session's current model; false when there is no
    // catalog or model, or a run is going.
    bool run();
    void cancel();
    bool isRunning() const;
    // Writes the successful rows (catalog order) as CSV, FITS or HDF5 by the extension, atomically,
    // via core's writePredictions. Emits exported or errorOccurred; returns success.
    bool exportResults(const QString& path);

    void setChunkSize(int files) { chunkSize_ = files; }
    QString catalogPath() const { return catalogPath_; }
    QString summaryText() const;
    CatalogModel* model() const { return model_; }
    CatalogFilterProxy* proxy() const { return proxy_; }
    QTableView* tableView() const { return table_; }
    KielChartView* kielView() const { return kiel_; }

signals:
    // A star was chosen (table row or Kiel point): its spectrum file and, when the catalog knows them,
    // its reference Teff, log g, [Fe/H] (NaN for the unknown ones).
    void starActivated(QString path, std::optional<std::array<double, 3>> reference);
    void catalogLoaded(const QString& path, int stars);
    void runStarted(int stars);
    void runFinished(bool cancelled);
    void exported(const QString& path);
    void errorOccurred(const QString& message);

private:
    void onRows();
    void onFinished(bool cancelled);
    void activateSourceRow(int row);
    void updateKiel();
    void updateSummary();
    void updateActions();
    void chooseCatalog();
    void chooseTruth();
    void chooseExport(const QString& filter, const QString& suffix);
    void showError(const QString& message);

    ModelSession* session_;
    CatalogModel* model_;
    CatalogFilterProxy* proxy_;
    CatalogRunner* runner_;
    QTableView* table_;
    KielChartView* kiel_;
    QLineEdit* filter_;
    QComboBox* subset_;
    QCheckBox* showReference_;
    QPushButton* openButton_;
    QPushButton* demoButton_;
    QPushButton* truthButton_;
    QPushButton* runButton_;
    QPushButton* cancelButton_;
    QPushButton* exportCsvButton_;
    QPushButton* exportFitsButton_;
    QProgressBar* progress_;
    QLabel* summary_;
    QLabel* modelLabel_;
    QString catalogPath_, truthPath_;
    QString runModelName_;  // the model of the results shown
    int chunkSize_ = 32;
    bool cancelled_ = false;
};

}  // namespace remap::ui
