#pragma once

#include "train/TrainConfig.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLineEdit;
class QSpinBox;

namespace remap::ui {

// The set-up of a training run: mode, data, run folder and the main hyperparameters, with the
// defaults of train::TrainConfig::defaultsFor(mode) (switching the mode loads that mode's defaults). Keys the form does
// not show (network, loss, sampling, ...) are kept from the last configuration set or loaded, so "Load config…" / "Save
// config…" round-trip the whole JSON file that `remap train --config` reads.
class TrainingSetupForm : public QWidget {
    Q_OBJECT
public:
    explicit TrainingSetupForm(QWidget* parent = nullptr);

    // The configuration as edited. Data paths become absolute; an empty run folder stays empty
    // (the panel picks one). Does not validate (TrainConfig::validate does).
    train::TrainConfig config() const;
    void setConfig(const train::TrainConfig& config);

    // Fine-tuning: the pretrained bundle (not part of TrainConfig; `remap train finetune --from`).
    QString pretrainedBundle() const;
    void setPretrainedBundle(const QString& path);

    // TrainConfig::load / toJson; throw remap::Error naming the file.
    void loadConfigFile(const QString& path);
    void saveConfigFile(const QString& path) const;

signals:
    void modeChanged(remap::train::TrainMode mode);

private:
    void updateModeFields();
    void applyModeDefaults(train::TrainMode mode);
    QWidget* pathRow(QLineEdit* edit, const QString& title, bool directory, const QString& filter);

    train::TrainConfig base_;
    bool settingConfig_ = false;  // setConfig changes the mode without loading its defaults
    QFormLayout* form_;
    QComboBox* mode_;
    QLineEdit* trainSet_;
    QLineEdit* validationSet_;
    QDoubleSpinBox* validationFraction_;
    QLineEdit* bundle_;
    QLineEdit* runDir_;
    QSpinBox* epochs_;
    QSpinBox* batchSize_;
    QLineEdit* learningRate_;
    QDoubleSpinBox* warmup_;
    QComboBox* schedule_;
    QCheckBox* augmentation_;
    QSpinBox* freezeStages_;
    QCheckBox* earlyStopping_;
    QSpinBox* patience_;
    QComboBox* device_;
    QLineEdit* seed_;
};

}  // namespace remap::ui
