#pragma once

#include <QString>

class QWidget;

namespace remap::ui {

// Writes what `view` shows to `path`: a PNG at the screen's device pixel ratio (".png") or a
// vector SVG (".svg"), chosen by the extension. Throws remap::Error naming the file for any other
// extension or when the file cannot be written. Works for any widget; meant for chart views.
void exportChart(QWidget* view, const QString& path);

// Adds "Export chart…" to the context menu of `chartView` (a file dialog, PNG or SVG). Failures are
// shown as a message box, never thrown out of the event loop.
void addExportAction(QWidget* chartView);

}  // namespace remap::ui
