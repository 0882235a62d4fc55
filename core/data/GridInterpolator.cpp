#include "GridInterpolator.h"

#include "base/Error.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace remap {
namespace {

// Labels equal within this count as the same grid value (headers print them with few digits).
constexpr double kSameValue = 1e-6;

double alphaOf(const LabelRow& row)
{
    return std::isfinite(row[kLabelAlpha]) ? row[kLabelAlpha] : 0.0;
}

std::uint64_t splitMix64(std::uint64_t& state)
{
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Uniform in [0, 1) from the top 53 bits: the same on every platform (std distributions are not).
double unitDouble(std::uint64_t& state)
{
    return static_cast<double>(splitMix64(state) >> 11) * 0x1.0p-53;
}

std::size_t indexOf(const std::vector<double>& axis, double value)
{
    const auto it = std::lower_bound(axis.begin(), axis.end(), value - kSameValue);
    return static_cast<std::size_t>(it - axis.begin());
}

// Candidate low-corner indices on one axis for `value`: the interval holding it, plus the
// neighbouring interval when it lies on a node (so a node on a face of an incomplete cell still
// finds the complete cell beside it).
std::vector<std::size_t> intervalCandidates(const std::vector<double>& axis, double value)
{
    std::vector<std::size_t> out;
    if (axis.size() < 2 || value < axis.front() - kSameValue || value > axis.back() + kSameValue) return out;
    const std::size_t last = axis.size() - 2;
    std::size_t i = static_cast<std::size_t>(std::upper_bound(axis.begin(), axis.end(), value) - axis.begin());
    i = i == 0 ? 0 : std::min(i - 1, last);
    out.push_back(i);
    if (std::abs(value - axis[i]) <= kSameValue && i > 0) out.push_back(i - 1);
    if (std::abs(value - axis[i + 1]) <= kSameValue && i + 1 <= last) out.push_back(i + 1);
    return out;
}

}  // namespace

GridInterpolator::GridInterpolator(const std::vector<LabelRow>& nodes)
{
    // Group nodes by alpha, collecting each group's axis values.
    std::map<long long, std::vector<std::size_t>> byAlpha;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& n = nodes[i];
        if (!std::isfinite(n[kLabelTeff]) || !std::isfinite(n[kLabelLogg]) || !std::isfinite(n[kLabelFeh])) continue;
        byAlpha[std::llround(alphaOf(n) * 1e4)].push_back(i);
    }
    for (const auto& [key, members] : byAlpha) {
        Group g;
        g.alpha = alphaOf(nodes[members.front()]);
        for (int a = 0; a < 3; ++a) {
            auto& axis = g.axes[static_cast<std::size_t>(a)];
            for (std::size_t m : members) axis.push_back(nodes[m][static_cast<std::size_t>(a)]);
            std::sort(axis.begin(), axis.end());
            axis.erase(
                std::unique(axis.begin(), axis.end(), [](double x, double y) { return std::abs(x - y) <= kSameValue; }),
                axis.end());
        }
        const std::size_t nt = g.axes[0].size(), ng = g.axes[1].size(), nf = g.axes[2].size();
        g.nodeAt.assign(nt * ng * nf, -1);
        for (std::size_t m : members) {
            const std::size_t t = indexOf(g.axes[0], nodes[m][0]);
            const std::size_t l = indexOf(g.axes[1], nodes[m][1]);
            const std::size_t f = indexOf(g.axes[2], nodes[m][2]);
            long& slot = g.nodeAt[(f * ng + l) * nt + t];
            if (slot < 0) slot = static_cast<long>(m);  // a duplicate node: the first one wins
        }
        g.cellAt.assign(nt * ng * nf, -1);
        for (std::size_t f = 0; f + 1 < nf; ++f)
            for (std::size_t l = 0; l + 1 < ng; ++l)
                for (std::size_t t = 0; t + 1 < nt; ++t) {
                    Cell cell;
                    cell.alpha = g.alpha;
                    bool complete = true;
                    for (std::size_t c = 0; c < 8 && complete; ++c) {
                        const std::size_t tt = t + (c & 1), ll = l + ((c >> 1) & 1), ff = f + ((c >> 2) & 1);
                        const long node = g.nodeAt[(ff * ng + ll) * nt + tt];
                        complete = node >= 0;
                        if (complete) cell.corners[c] = static_cast<std::size_t>(node);
                    }
                    if (!complete) continue;
                    cell.lo = {g.axes[0][t], g.axes[1][l], g.axes[2][f]};
                    cell.hi = {g.axes[0][t + 1], g.axes[1][l + 1], g.axes[2][f + 1]};
                    g.cellAt[(f * ng + l) * nt + t] = static_cast<long>(cells_.size());
                    cells_.push_back(cell);
                }
        groups_.push_back(std::move(g));
    }
}

GridInterpolator::Point GridInterpolator::weightsIn(const Cell& cell, double teff, double logg, double feh)
{
    Point p;
    p.labels = {teff, logg, feh, cell.alpha};
    const double x[3] = {teff, logg, feh};
    double u[3];
    for (std::size_t a = 0; a < 3; ++a) u[a] = std::clamp((x[a] - cell.lo[a]) / (cell.hi[a] - cell.lo[a]), 0.0, 1.0);
    for (std::size_t c = 0; c < 8; ++c) {
        double w = 1.0;
        for (std::size_t a = 0; a < 3; ++a) w *= ((c >> a) & 1) ? u[a] : 1.0 - u[a];
        p.weights[c] = w;
        p.rows[c] = cell.corners[c];
    }
    return p;
}

GridInterpolator::Point GridInterpolator::draw(std::uint64_t seed, std::uint64_t k) const
{
    if (cells_.empty())
        throw Error(
            "grid interpolation needs at least one complete grid cell (8 models at the corners of a "
            "Teff x log g x [Fe/H] box) inside the selected ranges");
    // A private stream per point: mixing seed and k through SplitMix64 decorrelates neighbours.
    std::uint64_t state = seed;
    splitMix64(state);
    state ^= k * 0xD1B54A32D192ED03ull;
    const auto index =
        std::min(cells_.size() - 1, static_cast<std::size_t>(unitDouble(state) * static_cast<double>(cells_.size())));
    const Cell& cell = cells_[index];
    double x[3];
    for (std::size_t a = 0; a < 3; ++a) x[a] = cell.lo[a] + unitDouble(state) * (cell.hi[a] - cell.lo[a]);
    return weightsIn(cell, x[0], x[1], x[2]);
}

std::optional<GridInterpolator::Point> GridInterpolator::locate(const LabelRow& labels) const
{
    for (const auto& g : groups_) {
        if (std::abs(g.alpha - alphaOf(labels)) > kSameValue) continue;
        const std::size_t nt = g.axes[0].size(), ng = g.axes[1].size();
        for (std::size_t t : intervalCandidates(g.axes[0], labels[0]))
            for (std::size_t l : intervalCandidates(g.axes[1], labels[1]))
                for (std::size_t f : intervalCandidates(g.axes[2], labels[2])) {
                    const long cell = g.cellAt[(f * ng + l) * nt + t];
                    if (cell >= 0)
                        return weightsIn(cells_[static_cast<std::size_t>(cell)], labels[0], labels[1], labels[2]);
                }
    }
    return std::nullopt;
}

TrainingRow blendRows(const TrainingBatch& grid, const GridInterpolator::Point& point)
{
    const std::size_t pixels = grid.pixels;
    std::vector<double> flux(pixels, 0.0), ivar(pixels, 0.0);
    TrainingRow out;
    out.mask.assign(pixels, 0);
    out.labels = point.labels;
    out.snr = 0.0;
    out.rv = 0.0;
    out.interpolated = true;
    for (std::size_t c = 0; c < 8; ++c) {
        const double w = point.weights[c];
        if (w == 0.0) continue;
        const std::size_t row = point.rows[c];
        if (row >= grid.size()) throw Error("grid interpolation refers to a row the grid does not have");
        const std::size_t offset = row * pixels;
        for (std::size_t p = 0; p < pixels; ++p) {
            flux[p] += w * grid.flux[offset + p];
            ivar[p] += w * grid.ivar[offset + p];
            out.mask[p] |= grid.mask[offset + p];
        }
        out.snr += w * grid.snr[row];
        out.rv += w * grid.rv[row];
    }
    out.flux.resize(pixels);
    out.ivar.resize(pixels);
    for (std::size_t p = 0; p < pixels; ++p) {
        out.flux[p] = static_cast<float>(flux[p]);
        out.ivar[p] = out.mask[p] ? 0.0f : static_cast<float>(ivar[p]);
    }
    return out;
}

}  // namespace remap
