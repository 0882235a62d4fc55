#include "TrainingSetupForm.h"

#include "base/AtomicFile.h"
#include "base/Error.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDoubleValidator>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSpinBox>

#include <fstream>

namespace remap::ui {
namespace {

QString absolute(const QString& text)
{
    const QString t = text.trimmed();
    return t.isEmpty() ? t : QFileInfo(t).absoluteFilePath();
}

}  // namespace

TrainingSetupForm::TrainingSetupForm(QWidget* parent)
    : QWidget(parent),
      form_(new QFormLayout(this)),
      mode_(new QComboBox),
      trainSet_(new QLineEdit),
      validationSet_(new QLineEdit),
      validationFraction_(new QDoubleSpinBox),
      bundle_(new QLineEdit),
      runDir_(new QLineEdit),
      epochs_(new QSpinBox),
      batchSize_(new QSpinBox),
      learningRate_(new QLineEdit),
      warmup_(new QDoubleSpinBox),
      schedule_(new QComboBox),
      augmentation_(new QCheckBox(tr("noise, RV jitter, tilt, masked runs"))),
      freezeStages_(new QSpinBox),
      earlyStopping_(new QCheckBox(tr("stop when validation stalls"))),
      patience_(new QSpinBox),
      device_(new QComboBox),
      seed_(new QLineEdit)
{
    mode_->setObjectName("trainingMode");
    mode_->addItem(tr("Pretraining (synthetic grid)"), static_cast<int>(train::TrainMode::Pretrain));
    mode_->addItem(tr("Fine-tuning (observed stars)"), static_cast<int>(train::TrainMode::Finetune));
    trainSet_->setPlaceholderText(tr("HDF5 training set (remap dataset build)"));
    validationSet_->setPlaceholderText(tr("optional: held-out rows of the training set"));
    validationFraction_->setRange(0.0, 0.9);
    validationFraction_->setSingleStep(0.05);
    validationFraction_->setDecimals(3);
    bundle_->setPlaceholderText(tr("pretrained .remap bundle"));
    runDir_->setPlaceholderText(tr("automatic: a new folder under runs/"));
    epochs_->setRange(1, 100000);
    batchSize_->setRange(1, 1 << 16);
    auto* lrValidator = new QDoubleValidator(1e-9, 10.0, 12, learningRate_);
    lrValidator->setNotation(QDoubleValidator::ScientificNotation);
    lrValidator->setLocale(QLocale::c());
    learningRate_->setValidator(lrValidator);
    warmup_->setRange(0.0, 1000.0);
    warmup_->setDecimals(2);
    warmup_->setSingleStep(0.5);
    warmup_->setSuffix(tr(" epochs"));
    schedule_->addItem(tr("cosine"), static_cast<int>(train::ScheduleKind::Cosine));
    schedule_->addItem(tr("one-cycle"), static_cast<int>(train::ScheduleKind::OneCycle));
    schedule_->addItem(tr("constant"), static_cast<int>(train::ScheduleKind::Constant));
    freezeStages_->setRange(0, 32);
    freezeStages_->setToolTip(tr("0: nothing frozen; K: the stem and the first K-1 residual stages get no updates"));
    patience_->setRange(1, 10000);
    patience_->setSuffix(tr(" epochs"));
    device_->addItems({QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda")});
    seed_->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{1,19}")), seed_));

    auto* stopRow = new QWidget;
    auto* stopLayout = new QHBoxLayout(stopRow);
    stopLayout->setContentsMargins(0, 0, 0, 0);
    stopLayout->addWidget(earlyStopping_);
    stopLayout->addWidget(new QLabel(tr("patience")));
    stopLayout->addWidget(patience_);
    connect(earlyStopping_, &QCheckBox::toggled, patience_, &QWidget::setEnabled);

    form_->addRow(tr("Mode"), mode_);
    form_->addRow(tr("Training set"), pathRow(trainSet_, tr("Training set"), false, tr("HDF5 (*.h5 *.hdf5)")));
    form_->addRow(tr("Validation set"), pathRow(validationSet_, tr("Validation set"), false, tr("HDF5 (*.h5 *.hdf5)")));
    form_->addRow(tr("Held-out fraction"), validationFraction_);
    form_->addRow(tr("Pretrained model"), pathRow(bundle_, tr("Pretrained model"), false, tr("Bundles (*.remap)")));
    form_->addRow(tr("Run folder"), pathRow(runDir_, tr("Run folder"), true, {}));
    form_->addRow(tr("Epochs"), epochs_);
    form_->addRow(tr("Batch size"), batchSize_);
    form_->addRow(tr("Learning rate"), learningRate_);
    form_->addRow(tr("Warm-up"), warmup_);
    form_->addRow(tr("Schedule"), schedule_);
    form_->addRow(tr("Augmentation"), augmentation_);
    form_->addRow(tr("Freeze stages"), freezeStages_);
    form_->addRow(tr("Early stopping"), stopRow);
    form_->addRow(tr("Device"), device_);
    form_->addRow(tr("Seed"), seed_);

    connect(mode_, &QComboBox::currentIndexChanged, this, [this] {
        const auto mode = static_cast<train::TrainMode>(mode_->currentData().toInt());
        if (!settingConfig_) applyModeDefaults(mode);
        emit modeChanged(mode);
    });
    setConfig(train::TrainConfig{});
}

QWidget* TrainingSetupForm::pathRow(QLineEdit* edit, const QString& title, bool directory, const QString& filter)
{
    auto* row = new QWidget;
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* browse = new QPushButton(tr("…"));
    browse->setToolTip(tr("Browse"));
    browse->setMaximumWidth(32);
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    connect(browse, &QPushButton::clicked, this, [this, edit, title, directory, filter] {
        const QString start = edit->text().isEmpty() ? QString() : QFileInfo(edit->text()).absolutePath();
        const QString path = directory ? QFileDialog::getExistingDirectory(this, title, start)
                                       : QFileDialog::getOpenFileName(this, title, start, filter);
        if (!path.isEmpty()) edit->setText(path);
    });
    return row;
}

void TrainingSetupForm::updateModeFields()
{
    const bool finetune = mode_->currentData().toInt() == static_cast<int>(train::TrainMode::Finetune);
    form_->setRowVisible(validationFraction_, !finetune);
    form_->setRowVisible(bundle_->parentWidget(), finetune);
    form_->setRowVisible(freezeStages_, finetune);
    if (auto* label = qobject_cast<QLabel*>(form_->labelForField(validationSet_->parentWidget())))
        label->setText(finetune ? tr("Calibration set") : tr("Validation set"));
    validationSet_->setPlaceholderText(finetune ? tr("required: stars with reference labels")
                                                : tr("optional: held-out rows of the training set"));
}

train::TrainConfig TrainingSetupForm::config() const
{
    train::TrainConfig c = base_;
    c.mode = static_cast<train::TrainMode>(mode_->currentData().toInt());
    c.trainSet = absolute(trainSet_->text()).toStdString();
    c.validationSet = absolute(validationSet_->text()).toStdString();
    c.validationFraction = validationFraction_->value();
    c.outputDir = absolute(runDir_->text()).toStdString();
    c.epochs = epochs_->value();
    c.batchSize = batchSize_->value();
    bool ok = false;
    const double lr = QLocale::c().toDouble(learningRate_->text().trimmed(), &ok);
    if (ok) c.optimizer.learningRate = lr;
    c.schedule.warmupEpochs = warmup_->value();
    c.schedule.kind = static_cast<train::ScheduleKind>(schedule_->currentData().toInt());
    c.augmentation.enabled = augmentation_->isChecked();
    c.finetune.freezeStages = freezeStages_->value();
    c.earlyStopping.enabled = earlyStopping_->isChecked();
    c.earlyStopping.patience = patience_->value();
    c.device = device_->currentText().toStdString();
    const qulonglong seed = seed_->text().toULongLong(&ok);
    if (ok) c.seed = seed;
    return c;
}

void TrainingSetupForm::setConfig(const train::TrainConfig& c)
{
    base_ = c;
    settingConfig_ = true;
    mode_->setCurrentIndex(mode_->findData(static_cast<int>(c.mode)));
    settingConfig_ = false;
    trainSet_->setText(QString::fromStdString(c.trainSet));
    validationSet_->setText(QString::fromStdString(c.validationSet));
    validationFraction_->setValue(c.validationFraction);
    // TrainConfig's default "run" is relative to the working directory: the panel picks a folder instead.
    runDir_->setText(c.outputDir == train::TrainConfig{}.outputDir ? QString() : QString::fromStdString(c.outputDir));
    epochs_->setValue(c.epochs);
    batchSize_->setValue(c.batchSize);
    learningRate_->setText(QString::number(c.optimizer.learningRate, 'g', 6));
    warmup_->setValue(c.schedule.warmupEpochs);
    schedule_->setCurrentIndex(schedule_->findData(static_cast<int>(c.schedule.kind)));
    augmentation_->setChecked(c.augmentation.enabled);
    freezeStages_->setValue(c.finetune.freezeStages);
    earlyStopping_->setChecked(c.earlyStopping.enabled);
    patience_->setValue(c.earlyStopping.patience);
    patience_->setEnabled(c.earlyStopping.enabled);
    const int device = device_->findText(QString::fromStdString(c.device));
    device_->setCurrentIndex(device >= 0 ? device : 0);
    seed_->setText(QString::number(static_cast<qulonglong>(c.seed)));
    updateModeFields();
}

void TrainingSetupForm::applyModeDefaults(train::TrainMode mode)
{
    // The hyperparameters become the new mode's defaults; the data, run folder, device and seed stay.
    const train::TrainConfig edited = config();
    train::TrainConfig c = train::TrainConfig::defaultsFor(mode);
    c.trainSet = edited.trainSet;
    c.validationSet = edited.validationSet;
    c.outputDir = edited.outputDir;
    c.device = edited.device;
    c.seed = edited.seed;
    setConfig(c);
}

QString TrainingSetupForm::pretrainedBundle() const
{
    return absolute(bundle_->text());
}

void TrainingSetupForm::setPretrainedBundle(const QString& path)
{
    bundle_->setText(path);
}

void TrainingSetupForm::loadConfigFile(const QString& path)
{
    setConfig(train::TrainConfig::load(path.toStdString()));
}

void TrainingSetupForm::saveConfigFile(const QString& path) const
{
    train::TrainConfig c = config();
    if (c.outputDir.empty()) c.outputDir = train::TrainConfig{}.outputDir;  // the CLI needs one
    const std::string text = c.toJson().dump(2) + "\n";
    writeAtomically(path.toStdString(), [&](const std::string& tmp) {
        std::ofstream out(tmp, std::ios::binary);
        out << text;
        out.close();
        if (!out) throw Error("cannot write the training configuration", path.toStdString());
    });
}

}  // namespace remap::ui
