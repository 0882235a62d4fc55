#pragma once

namespace remap::ui {

class MainWindow;

// Adds the Catalog, Teaching and Training tabs to the window and wires them to it: a catalog row
// opens its star in the Inspect tab, a finished training can become the active model, and closing
// the window while a training runs asks first and leaves a valid checkpoint.
void addStudioPanels(MainWindow& window);

}  // namespace remap::ui
