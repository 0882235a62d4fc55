#include "StudioPanels.h"

#include "CatalogPanel.h"
#include "MainWindow.h"
#include "TeachingPanel.h"
#include "TrainingPanel.h"
#include "TrainingSetupForm.h"
#include "base/Error.h"

#include <QCloseEvent>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QMessageBox>
#include <QSettings>
#include <QTabWidget>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace remap::ui {
namespace {

// Asks before a running training is stopped by closing the window, then waits for its checkpoint.
// An event filter, so the window's own close handling (settings, geometry) still runs afterwards.
class CloseGuard : public QObject {
public:
    CloseGuard(MainWindow* window, TrainingPanel* training) : QObject(window), window_(window), training_(training)
    {
        window->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (watched != window_ || event->type() != QEvent::Close || !training_->isTraining()) return false;
        // Offscreen (tests, screenshots) nobody can answer a dialog: stop cleanly without asking.
        if (QGuiApplication::platformName() != QLatin1String("offscreen")) {
            const auto answer = QMessageBox::question(
                window_, QObject::tr("Training is running"),
                QObject::tr("A training is running. Stop it and quit? It writes a checkpoint first, so "
                            "the run can be resumed later from the Training tab or with remap train --resume."),
                QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
            if (answer != QMessageBox::Yes) {
                event->ignore();
                return true;
            }
        }
        training_->requestStopForClose();
        return false;
    }

private:
    MainWindow* window_;
    TrainingPanel* training_;
};

// The open tab and the training set-up persist between sessions (the inspector and the window
// layout persist through MainWindow).
void restoreStudioSettings(QTabWidget* tabs, TrainingSetupForm* form)
{
    const QSettings settings;
    const QString setup = settings.value("training/setup").toString();
    if (!setup.isEmpty()) {
        try {
            form->setConfig(train::TrainConfig::fromJson(nlohmann::json::parse(setup.toStdString())));
            form->setPretrainedBundle(settings.value("training/pretrainedBundle").toString());
        } catch (const std::exception&) {
            // A set-up saved by another version: keep the defaults.
        }
    }
    tabs->setCurrentIndex(std::clamp(settings.value("mainWindow/tab", 0).toInt(), 0, tabs->count() - 1));
}

void saveStudioSettings(const QTabWidget* tabs, const TrainingSetupForm* form)
{
    QSettings settings;
    settings.setValue("mainWindow/tab", tabs->currentIndex());
    settings.setValue("training/setup", QString::fromStdString(form->config().toJson().dump()));
    settings.setValue("training/pretrainedBundle", form->pretrainedBundle());
}

}  // namespace

void addStudioPanels(MainWindow& window)
{
    auto* session = window.modelSession();
    auto* catalog = new CatalogPanel(session);
    auto* teaching = new TeachingPanel(session);
    auto* training = new TrainingPanel(session);
    QTabWidget* tabs = window.tabs();
    tabs->setTabToolTip(tabs->addTab(catalog, QObject::tr("Catalog")),
                        QObject::tr("Run the model over a catalog: table, Kiel diagram, export"));
    tabs->setTabToolTip(tabs->addTab(teaching, QObject::tr("Teaching")),
                        QObject::tr("Sliders drive the synthesizer, the network and the information content live"));
    tabs->setTabToolTip(tabs->addTab(training, QObject::tr("Training")),
                        QObject::tr("Pretraining and fine-tuning in the background with live charts"));
    QObject::connect(catalog, &CatalogPanel::starActivated, &window, &MainWindow::showStar);
    new CloseGuard(&window, training);
    restoreStudioSettings(tabs, training->setupForm());
    QObject::connect(qApp, &QCoreApplication::aboutToQuit, &window,
                     [tabs, form = training->setupForm()] { saveStudioSettings(tabs, form); });
}

}  // namespace remap::ui
