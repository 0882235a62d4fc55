#pragma once

#include "CatalogFile.h"
#include "CatalogRunner.h"
#include "ml/PredictionWriter.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

#include <optional>
#include <vector>

namespace remap::ui {

// The catalog and its predictions as a table, one row per catalog entry (in catalog order). Values
// are shown as text ("5777 ± 45"); SortRole gives the number (NaN when unknown) or the text to sort by.
class CatalogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Id,
        File,
        Teff,
        Logg,
        Feh,
        Snr,
        Rv,
        Flags,
        TeffRef,
        LoggRef,
        FehRef,
        TeffResidual,
        LoggResidual,
        FehResidual,
        Status,
        ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit CatalogModel(QObject* parent = nullptr);

    void setEntries(std::vector<CatalogEntry> entries);  // clears the results
    void clearResults();
    void addResults(const std::vector<CatalogRow>& rows);

    const std::vector<CatalogEntry>& entries() const { return entries_; }
    const CatalogEntry& entry(int row) const { return entries_[static_cast<std::size_t>(row)]; }
    const std::optional<Prediction>& prediction(int row) const { return predictions_[static_cast<std::size_t>(row)]; }
    const QString& error(int row) const { return errors_[static_cast<std::size_t>(row)]; }
    bool hasReference() const { return hasReference_; }

    int finishedCount() const { return finished_; }
    int succeededCount() const { return succeeded_; }
    int failedCount() const { return finished_ - succeeded_; }
    int flaggedCount() const;

    // The successful predictions in catalog order, with their reference labels (for writePredictions).
    std::vector<Prediction> successfulPredictions() const;
    std::vector<ReferenceLabels> successfulReferences() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    double predicted(int row, int param) const;
    double residual(int row, int param) const;

    std::vector<CatalogEntry> entries_;
    std::vector<std::optional<Prediction>> predictions_;
    std::vector<QString> errors_;
    bool hasReference_ = false;
    int finished_ = 0;
    int succeeded_ = 0;
};

// Sorting by the numbers behind the text (unknown values last) and filtering by text and subset.
class CatalogFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class Subset { All, Giants, Dwarfs, Flagged, Failed };
    static constexpr double kGiantLogg = 3.5;  // predicted log g below this: a giant

    explicit CatalogFilterProxy(QObject* parent = nullptr);
    void setText(const QString& text);  // case-insensitive, matched against id, file, flags and status
    void setSubset(Subset subset);
    Subset subset() const { return subset_; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QString text_;
    Subset subset_ = Subset::All;
};

}  // namespace remap::ui
