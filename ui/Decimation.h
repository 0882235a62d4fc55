#pragma once

#include <QList>
#include <QPointF>

#include <vector>

namespace remap::ui {

// Reduces a curve to at most about 2 * buckets points, keeping each bucket's minimum and maximum
// so absorption lines stay visible when a 1.5-million-pixel PHOENIX spectrum is drawn.
QList<QPointF> decimateMinMax(const std::vector<double>& x, const std::vector<double>& y, int buckets);

}  // namespace remap::ui
