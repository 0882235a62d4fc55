#include "CatalogModel.h"

#include <QBrush>
#include <QColor>
#include <QStringList>

#include <cmath>

namespace remap::ui {
namespace {

QString joinFlags(const std::vector<std::string>& flags)
{
    QStringList list;
    for (const auto& f : flags) list << QString::fromStdString(f);
    return list.join(QStringLiteral("; "));
}

// Decimals per parameter: Teff in K, log g and [Fe/H] in dex.
int decimals(int param)
{
    return param == 0 ? 0 : 2;
}

QString numberText(double v, int digits, bool sign = false)
{
    if (!std::isfinite(v)) return {};
    const QString s = QString::number(v, 'f', digits);
    return sign && v >= 0 ? QStringLiteral("+") + s : s;
}

}  // namespace

CatalogModel::CatalogModel(QObject* parent) : QAbstractTableModel(parent) {}

void CatalogModel::setEntries(std::vector<CatalogEntry> entries)
{
    beginResetModel();
    entries_ = std::move(entries);
    predictions_.assign(entries_.size(), std::nullopt);
    errors_.assign(entries_.size(), QString());
    hasReference_ = false;
    for (const auto& e : entries_) hasReference_ = hasReference_ || e.hasReference();
    finished_ = succeeded_ = 0;
    endResetModel();
}

void CatalogModel::clearResults()
{
    beginResetModel();
    predictions_.assign(entries_.size(), std::nullopt);
    errors_.assign(entries_.size(), QString());
    finished_ = succeeded_ = 0;
    endResetModel();
}

void CatalogModel::addResults(const std::vector<CatalogRow>& rows)
{
    int lo = rowCount(), hi = -1;
    for (const auto& r : rows) {
        if (r.index < 0 || r.index >= rowCount()) continue;
        const auto i = static_cast<std::size_t>(r.index);
        if (!predictions_[i] && errors_[i].isEmpty()) ++finished_;
        if (predictions_[i]) --succeeded_;
        predictions_[i] = r.prediction;
        errors_[i] = r.prediction ? QString() : r.error;
        if (r.prediction) ++succeeded_;
        lo = std::min(lo, r.index);
        hi = std::max(hi, r.index);
    }
    if (hi >= lo) emit dataChanged(index(lo, 0), index(hi, ColumnCount - 1));
}

int CatalogModel::flaggedCount() const
{
    int n = 0;
    for (const auto& p : predictions_)
        if (p && !p->flags.empty()) ++n;
    return n;
}

std::vector<Prediction> CatalogModel::successfulPredictions() const
{
    std::vector<Prediction> out;
    for (const auto& p : predictions_)
        if (p) out.push_back(*p);
    return out;
}

std::vector<ReferenceLabels> CatalogModel::successfulReferences() const
{
    std::vector<ReferenceLabels> out;
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (predictions_[i]) out.push_back(entries_[i].reference);
    return out;
}

int CatalogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(entries_.size());
}

int CatalogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

double CatalogModel::predicted(int row, int param) const
{
    const auto& p = prediction(row);
    return p ? (*p)[param].mean : NAN;
}

double CatalogModel::residual(int row, int param) const
{
    return predicted(row, param) - entry(row).reference[static_cast<std::size_t>(param)];
}

QVariant CatalogModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const int row = index.row();
    const auto& e = entry(row);
    const auto& p = prediction(row);
    const QString& err = error(row);
    const int column = index.column();

    if (role == Qt::ForegroundRole) {
        if (!err.isEmpty()) return QBrush(QColor(180, 30, 30));
        if (p && !p->flags.empty() && column == Flags) return QBrush(QColor(170, 100, 0));
        return {};
    }
    if (role == Qt::TextAlignmentRole)
        return (column >= Teff && column <= Rv) || (column >= TeffRef && column <= FehResidual)
                   ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                   : QVariant(Qt::AlignLeft | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        if (column == Status && !err.isEmpty()) return err;
        if (column == File) return QString::fromStdString(e.path);
        if (column == Flags && p) return joinFlags(p->flags);
        return {};
    }
    if (role != Qt::DisplayRole && role != SortRole) return {};
    const bool sort = role == SortRole;

    switch (column) {
        case Id:
            return QString::fromStdString(e.id);
        case File:
            return QString::fromStdString(e.file);
        case Teff:
        case Logg:
        case Feh: {
            const int param = column - Teff;
            if (!p) return sort ? QVariant(double(NAN)) : QVariant();
            const auto& post = (*p)[param];
            if (sort) return post.mean;
            return QStringLiteral("%1 ± %2").arg(numberText(post.mean, decimals(param), param == 2),
                                                 numberText(post.sigma(), decimals(param)));
        }
        case Snr: {
            // The measured S/N of the prepared spectrum; the catalog's value until there is one.
            const double v = p ? p->snr : e.snr;
            return sort ? QVariant(v) : QVariant(numberText(v, 1));
        }
        case Rv: {
            const double v = p ? p->rv : NAN;
            return sort ? QVariant(v) : QVariant(numberText(v, 1));
        }
        case Flags:
            return p ? joinFlags(p->flags) : QString();
        case TeffRef:
        case LoggRef:
        case FehRef: {
            const int param = column - TeffRef;
            const double v = e.reference[static_cast<std::size_t>(param)];
            return sort ? QVariant(v) : QVariant(numberText(v, decimals(param), param == 2));
        }
        case TeffResidual:
        case LoggResidual:
        case FehResidual: {
            const int param = column - TeffResidual;
            const double v = residual(row, param);
            return sort ? QVariant(v) : QVariant(numberText(v, decimals(param), true));
        }
        case Status:
            if (p) return tr("ok");
            if (!err.isEmpty()) return tr("failed: %1").arg(err);
            return QString();
        default:
            return {};
    }
}

QVariant CatalogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal) return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case Teff:
            case Logg:
            case Feh:
                return tr("Posterior mean ± half the 16-84 % interval");
            case Snr:
                return tr("S/N per pixel measured on the spectrum (DER_SNR); the catalog's value before the run");
            case Rv:
                return tr("Radial velocity removed by the preprocessing (km/s)");
            case TeffResidual:
            case LoggResidual:
            case FehResidual:
                return tr("Predicted mean minus reference");
            default:
                return {};
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (section) {
        case Id:
            return tr("id");
        case File:
            return tr("file");
        case Teff:
            return tr("Teff [K]");
        case Logg:
            return tr("log g");
        case Feh:
            return tr("[Fe/H]");
        case Snr:
            return tr("S/N");
        case Rv:
            return tr("RV [km/s]");
        case Flags:
            return tr("flags");
        case TeffRef:
            return tr("Teff ref");
        case LoggRef:
            return tr("log g ref");
        case FehRef:
            return tr("[Fe/H] ref");
        case TeffResidual:
            return tr("ΔTeff");
        case LoggResidual:
            return tr("Δlog g");
        case FehResidual:
            return tr("Δ[Fe/H]");
        case Status:
            return tr("status");
        default:
            return {};
    }
}

// ---------------------------------------------------------------------------------------------

CatalogFilterProxy::CatalogFilterProxy(QObject* parent) : QSortFilterProxyModel(parent)
{
    setSortRole(CatalogModel::SortRole);
    setDynamicSortFilter(true);
}

void CatalogFilterProxy::setText(const QString& text)
{
    text_ = text.trimmed();
    invalidateFilter();
}

void CatalogFilterProxy::setSubset(Subset subset)
{
    subset_ = subset;
    invalidateFilter();
}

bool CatalogFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const auto* model = qobject_cast<const CatalogModel*>(sourceModel());
    if (!model || sourceParent.isValid()) return true;
    const auto& p = model->prediction(sourceRow);
    switch (subset_) {
        case Subset::All:
            break;
        case Subset::Giants:
            if (!p || !(p->logg.mean < kGiantLogg)) return false;
            break;
        case Subset::Dwarfs:
            if (!p || !(p->logg.mean >= kGiantLogg)) return false;
            break;
        case Subset::Flagged:
            if (!p || p->flags.empty()) return false;
            break;
        case Subset::Failed:
            if (model->error(sourceRow).isEmpty()) return false;
            break;
    }
    if (text_.isEmpty()) return true;
    for (int column : {CatalogModel::Id, CatalogModel::File, CatalogModel::Flags, CatalogModel::Status})
        if (model->data(model->index(sourceRow, column)).toString().contains(text_, Qt::CaseInsensitive)) return true;
    return false;
}

bool CatalogFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    const QVariant a = left.data(CatalogModel::SortRole), b = right.data(CatalogModel::SortRole);
    if (a.typeId() == QMetaType::Double || b.typeId() == QMetaType::Double) {
        const double x = a.toDouble(), y = b.toDouble();
        // Unknown values go last in either order (a descending sort asks lessThan(right, left)).
        if (std::isnan(x) || std::isnan(y))
            return sortOrder() == Qt::AscendingOrder ? !std::isnan(x) && std::isnan(y)
                                                     : std::isnan(x) && !std::isnan(y);
        return x < y;
    }
    return QString::compare(a.toString(), b.toString(), Qt::CaseInsensitive) < 0;
}

}  // namespace remap::ui
