#include "Decimation.h"

#include <algorithm>

namespace remap::ui {

QList<QPointF> decimateMinMax(const std::vector<double>& x, const std::vector<double>& y, int buckets)
{
    QList<QPointF> out;
    const std::size_t n = std::min(x.size(), y.size());
    if (n == 0) return out;
    if (buckets <= 0 || n <= static_cast<std::size_t>(2 * buckets)) {
        out.reserve(static_cast<qsizetype>(n));
        for (std::size_t i = 0; i < n; ++i) out.append(QPointF(x[i], y[i]));
        return out;
    }
    out.reserve(2 * buckets);
    const double per = static_cast<double>(n) / buckets;
    for (int b = 0; b < buckets; ++b) {
        const auto begin = static_cast<std::size_t>(b * per);
        const auto end = std::min(n, static_cast<std::size_t>((b + 1) * per));
        if (begin >= end) continue;
        std::size_t lo = begin, hi = begin;
        for (std::size_t i = begin; i < end; ++i) {
            if (y[i] < y[lo]) lo = i;
            if (y[i] > y[hi]) hi = i;
        }
        const std::size_t first = std::min(lo, hi), second = std::max(lo, hi);
        out.append(QPointF(x[first], y[first]));
        if (second != first) out.append(QPointF(x[second], y[second]));
    }
    return out;
}

}  // namespace remap::ui
