#pragma once

#include "data/TrainingSet.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace remap {

// Trilinear interpolation between prepared spectra of a model grid in (Teff, log g, [Fe/H]),
// separately for each [alpha/M] value (NaN alpha counts as 0). The grid need not be uniform
// (PHOENIX steps Teff by 100 K below 7000 K and 200 K above): each axis is the sorted set of
// values the nodes use, and a cell is usable only when all 8 corners are present.
class GridInterpolator {
public:
    // Corner c of a cell has Teff hi when bit 0 is set, log g hi for bit 1, [Fe/H] hi for bit 2.
    struct Cell {
        double alpha = 0.0;
        std::array<double, 3> lo{};  // teff, logg, feh
        std::array<double, 3> hi{};
        std::array<std::size_t, 8> corners{};  // indices into the node list
    };
    struct Point {
        LabelRow labels{};
        std::array<std::size_t, 8> rows{};  // node indices
        std::array<double, 8> weights{};    // sum to 1
    };

    // `nodes[i]` are the labels of grid spectrum i; nodes without Teff, log g or [Fe/H] are ignored.
    explicit GridInterpolator(const std::vector<LabelRow>& nodes);

    // Complete cells in a fixed order (alpha, then [Fe/H], log g, Teff of the low corner).
    const std::vector<Cell>& cells() const { return cells_; }

    // Point k of the deterministic stream `seed`: a cell drawn uniformly among complete cells,
    // then labels drawn uniformly inside it. Independent of other k (resuming needs no state).
    // Throws remap::Error if there is no complete cell.
    Point draw(std::uint64_t seed, std::uint64_t k) const;

    // The trilinear weights at `labels`, or nothing outside every complete cell.
    std::optional<Point> locate(const LabelRow& labels) const;

    static Point weightsIn(const Cell& cell, double teff, double logg, double feh);

private:
    struct Group {
        double alpha = 0.0;
        std::array<std::vector<double>, 3> axes;
        std::vector<long> nodeAt;  // flattened (feh, logg, teff) -> node index or -1
        std::vector<long> cellAt;  // flattened low-corner index -> cell index or -1
    };
    std::vector<Group> groups_;
    std::vector<Cell> cells_;
};

// The trilinear blend of grid rows: flux and ivar are weighted sums; a pixel is masked (ivar 0)
// when any corner with a non-zero weight masks it; snr and rv are weighted too. Corners with zero
// weight are skipped, so a point on a node reproduces that node's row exactly.
// `grid` holds the node rows in node order.
TrainingRow blendRows(const TrainingBatch& grid, const GridInterpolator::Point& point);

}  // namespace remap
