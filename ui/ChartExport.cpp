#include "ChartExport.h"

#include "base/Error.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsView>
#include <QGuiApplication>
#include <QMessageBox>
#include <QPainter>
#include <QPixmap>
#include <QSettings>
#include <QSvgGenerator>
#include <QWidget>

namespace remap::ui {

void exportChart(QWidget* view, const QString& path)
{
    if (view == nullptr) throw Error("nothing to export", path.toStdString());
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("png")) {
        // grab() renders at the widget's device pixel ratio, so high-DPI screens give sharp images.
        const QPixmap pixmap = view->grab();
        if (pixmap.isNull() || !pixmap.save(path, "PNG"))
            throw Error("could not write the PNG image (is the folder writable?)", path.toStdString());
        return;
    }
    if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(view->size());
        svg.setViewBox(QRect(QPoint(0, 0), view->size()));
        svg.setTitle(view->windowTitle().isEmpty() ? QStringLiteral("REMAP Studio chart") : view->windowTitle());
        svg.setDescription(QStringLiteral("Exported by REMAP Studio"));
        QPainter painter;
        if (!painter.begin(&svg))
            throw Error("could not write the SVG image (is the folder writable?)", path.toStdString());
        // A chart view renders its scene (and the view's foreground, e.g. masked-region shading) as
        // vector paths and text; QWidget::render would give only the viewport's background here.
        if (auto* graphics = qobject_cast<QGraphicsView*>(view))
            graphics->render(&painter, QRectF(QPointF(0, 0), QSizeF(view->size())), graphics->viewport()->rect());
        else
            view->render(&painter);
        painter.end();
        if (!QFileInfo(path).exists() || QFileInfo(path).size() == 0)
            throw Error("could not write the SVG image", path.toStdString());
        return;
    }
    throw Error("unknown image type '." + suffix.toStdString() + "': use .png or .svg", path.toStdString());
}

void addExportAction(QWidget* chartView)
{
    auto* action = new QAction(QObject::tr("Export chart…"), chartView);
    action->setToolTip(QObject::tr("Save this chart as a PNG or SVG image"));
    QObject::connect(action, &QAction::triggered, chartView, [chartView] {
        QSettings settings;
        const QString folder = settings.value("export/lastDir").toString();
        QString selected;
        QString path = QFileDialog::getSaveFileName(chartView, QObject::tr("Export chart"), folder,
                                                    QObject::tr("PNG image (*.png);;SVG image (*.svg)"), &selected);
        if (path.isEmpty()) return;
        if (QFileInfo(path).suffix().isEmpty()) path += selected.contains("svg") ? ".svg" : ".png";
        settings.setValue("export/lastDir", QFileInfo(path).absolutePath());
        try {
            exportChart(chartView, path);
        } catch (const std::exception& e) {
            QMessageBox::warning(chartView, QObject::tr("Export failed"), QString::fromStdString(e.what()));
        }
    });
    chartView->addAction(action);
    chartView->setContextMenuPolicy(Qt::ActionsContextMenu);
}

}  // namespace remap::ui
