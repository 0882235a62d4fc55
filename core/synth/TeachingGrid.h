#pragma once

#include "base/Progress.h"
#include "synth/Synthesizer.h"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace remap::synth {

// The fast path of the teaching sliders (< 100 ms a move): spectra of the full synthesizer at the nodes of a
// regular (Teff, log g, [Fe/H]) lattice, interpolated trilinearly (normalized flux and log continuum) for any
// position inside it. Nodes are synthesized on demand (about 0.3 s each on one core) and kept in memory; the
// whole lattice can be precomputed in parallel and saved to / loaded from a cache file. Thread-safe.
//
// The default lattice (200 K, 0.5 dex, 0.5 dex; 1,190 nodes over 3800-7000 K, log g 0.5-5, [Fe/H] -2.5..+0.5) is
// about as fine as the ATLAS9 grid itself (250 K, 0.5, 0.5); docs/synthesizer.md gives the measured error.
struct TeachingGridSpec {
    double teffMin = 3800, teffMax = 7000, teffStep = 200;
    double loggMin = 0.5, loggMax = 5.0, loggStep = 0.5;
    double fehMin = -2.5, fehMax = 0.5, fehStep = 0.5;
    double step = 0.02;  // A, the high-resolution sampling (enough for R <= 50,000)
    // Vacuum window: the MARVELS-like instrument window with the margins of R >= 2000 and no RV.
    double windowMin = 4983.0, windowMax = 5721.0;
    void validate() const;  // throws remap::Error
};

class TeachingGrid {
public:
    explicit TeachingGrid(const Synthesizer& synthesizer, TeachingGridSpec spec = {});
    ~TeachingGrid();
    TeachingGrid(const TeachingGrid&) = delete;
    TeachingGrid& operator=(const TeachingGrid&) = delete;

    const TeachingGridSpec& spec() const { return spec_; }
    const std::vector<double>& wavelengths() const { return wavelengths_; }  // vacuum A

    // True when (teff, logg, feh) lies inside the lattice and all its cell's nodes are cached.
    bool covers(double teff, double logg, double feh) const;
    bool ready(double teff, double logg, double feh) const;
    // Synthesizes the missing nodes of the cell (on `threads` threads; 0 = all cores). Throws outside.
    void prepare(double teff, double logg, double feh, int threads = 0);
    // The interpolated surface flux (erg/s/cm^2/cm) on wavelengths() and, if asked, its continuum; prepares the
    // cell first if needed. Microturbulence follows the synthesizer's law at each node, alpha the Galactic trend.
    void spectrum(double teff, double logg, double feh, std::vector<double>& flux,
                  std::vector<double>* continuum = nullptr);

    // Every node inside the synthesizer's domain (parallel, cancellable through `progress`).
    void precomputeAll(ProgressObserver& progress, int threads = 0);
    std::size_t cachedNodes() const;
    std::size_t nodeCount() const;  // nodes inside the domain

    // A binary cache (written atomically); load() ignores a file made for other physics or another lattice and
    // returns false then (or when it does not exist).
    void save(const std::string& path) const;
    bool load(const std::string& path);

private:
    struct Node {
        std::vector<std::uint16_t> normalized;  // flux / continuum in [0, 1.1], 1/59577 steps
        std::vector<float> logContinuum;        // at every kContinuumStride-th pixel
    };
    using Key = std::array<int, 3>;
    bool inDomain(const Key& k) const;
    double teffOf(int i) const { return spec_.teffMin + spec_.teffStep * i; }
    double loggOf(int i) const { return spec_.loggMin + spec_.loggStep * i; }
    double fehOf(int i) const { return spec_.fehMin + spec_.fehStep * i; }
    // The 8 corners and trilinear weights of a position; throws outside the lattice.
    std::array<std::pair<Key, double>, 8> corners(double teff, double logg, double feh) const;
    std::shared_ptr<const Node> compute(const Key& k, SynthesisWorkspace& ws) const;
    std::uint64_t fingerprint() const;

    const Synthesizer& synthesizer_;
    TeachingGridSpec spec_;
    std::vector<double> wavelengths_;
    int nTeff_ = 0, nLogg_ = 0, nFeh_ = 0;
    mutable std::mutex mutex_;
    std::map<Key, std::shared_ptr<const Node>> nodes_;
};

}  // namespace remap::synth
