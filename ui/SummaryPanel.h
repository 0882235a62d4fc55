#pragma once

#include <QWidget>

#include <array>
#include <optional>

class QLabel;
class QListWidget;

namespace remap::ui {

struct Inspection;

// The numbers of one inspection in words: parameter values with their uncertainties and units (as
// `remap predict` prints them: median with the 16th and 84th percentiles), S/N, radial velocity,
// masked fraction, and the flags, each with a plain-language tooltip.
class SummaryPanel : public QWidget {
    Q_OBJECT
public:
    explicit SummaryPanel(QWidget* parent = nullptr);

    void showInspection(const Inspection& inspection, std::optional<std::array<double, 3>> reference);
    void showEmpty();
    QString text() const;  // the summary as shown (rich text) followed by the flags, one per line
    int flagCount() const;

    // A sentence for a Prediction flag ("low_snr", "multimodal:teff", "preprocessing: ...").
    static QString explainFlag(const QString& flag);

private:
    QLabel* label_;
    QLabel* flagsTitle_;
    QListWidget* flags_;
};

}  // namespace remap::ui
