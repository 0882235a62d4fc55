#include "train/Augmenter.h"

#include "base/Error.h"
#include "base/Random.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace remap::train {
namespace {

constexpr double kSpeedOfLightKms = 299792.458;

std::uint64_t mix(std::uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Each operation draws from its own stream, so switching one off (or changing its probability)
// leaves the numbers of the others unchanged.
enum Stream : std::uint64_t { kRvStream = 0, kTiltStream = 1, kNoiseStream = 2, kMaskStream = 3 };

SeededRandom streamFor(std::uint64_t seed, Stream stream)
{
    return SeededRandom(deriveSeed(seed, stream));
}

}  // namespace

std::uint64_t sampleSeed(std::uint64_t seed, std::int64_t epoch, std::int64_t row)
{
    constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ull;
    std::uint64_t h = mix(seed + kGolden);
    h = mix(h + kGolden * (static_cast<std::uint64_t>(epoch) + 1));
    return mix(h + kGolden * (static_cast<std::uint64_t>(row) + 1));
}

Augmenter::Augmenter(AugmentationConfig config, std::vector<double> grid) : config_(config), grid_(std::move(grid))
{
    if (grid_.size() < 2) throw Error("augmenter: the wavelength grid needs at least 2 pixels");
    for (std::size_t i = 1; i < grid_.size(); ++i)
        if (!(grid_[i] > grid_[i - 1])) throw Error("augmenter: the wavelength grid is not strictly increasing");
}

void Augmenter::dopplerShift(std::span<const double> grid, std::span<float> flux, std::span<std::uint8_t> mask,
                             double velocityKms)
{
    const std::size_t n = grid.size();
    const double factor = 1.0 - velocityKms / kSpeedOfLightKms;
    const std::vector<float> oldFlux(flux.begin(), flux.end());
    const std::vector<std::uint8_t> oldMask(mask.begin(), mask.end());
    for (std::size_t i = 0; i < n; ++i) {
        const double source = grid[i] * factor;
        // First grid point >= source: the source lies in [grid[hi - 1], grid[hi]].
        const auto hi = static_cast<std::size_t>(std::lower_bound(grid.begin(), grid.end(), source) - grid.begin());
        if (hi == n || (hi == 0 && source < grid[0])) {
            flux[i] = 1.0f;
            mask[i] = 1;
            continue;
        }
        if (hi == 0 || grid[hi] == source) {  // exactly on a pixel
            flux[i] = oldFlux[hi];
            mask[i] = oldMask[hi];
            continue;
        }
        const std::size_t lo = hi - 1;
        const double t = (source - grid[lo]) / (grid[hi] - grid[lo]);
        mask[i] = (oldMask[lo] || oldMask[hi]) ? 1 : 0;
        flux[i] = mask[i] ? 1.0f : static_cast<float>((1.0 - t) * oldFlux[lo] + t * oldFlux[hi]);
    }
}

void Augmenter::apply(std::span<float> flux, std::span<std::uint8_t> mask, std::span<const float> ivar, double snr,
                      std::uint64_t seed) const
{
    const std::size_t n = grid_.size();
    if (flux.size() != n || mask.size() != n || (!ivar.empty() && ivar.size() != n))
        throw Error("augmenter: the spectrum has " + std::to_string(flux.size()) + " flux, " +
                    std::to_string(mask.size()) + " mask and " + std::to_string(ivar.size()) +
                    " ivar values for a grid of " + std::to_string(n));
    if (!config_.enabled) return;
    const auto& c = config_;

    if (auto rng = streamFor(seed, kRvStream); c.rvProbability > 0 && rng.uniform() < c.rvProbability) {
        const double v = rng.gaussian(0.0, c.rvJitterKms);
        dopplerShift(grid_, flux, mask, v);
    }

    if (auto rng = streamFor(seed, kTiltStream); c.tiltProbability > 0 && rng.uniform() < c.tiltProbability) {
        const double a = rng.uniform(-c.tiltMax, c.tiltMax);
        const double b = rng.uniform(-c.tiltMax, c.tiltMax);
        const double lo = grid_.front(), span = grid_.back() - grid_.front();
        for (std::size_t i = 0; i < n; ++i) {
            if (mask[i]) continue;
            const double x = 2.0 * (grid_[i] - lo) / span - 1.0;
            flux[i] = static_cast<float>(flux[i] * (1.0 + a * x + b * 0.5 * (3.0 * x * x - 1.0)));
        }
    }

    if (auto rng = streamFor(seed, kNoiseStream); c.noiseProbability > 0 && rng.uniform() < c.noiseProbability) {
        const double target = std::exp(rng.uniform(std::log(c.snrMin), std::log(c.snrMax)));
        const bool knownSnr = std::isfinite(snr) && snr > 0.0;
        // A spectrum already noisier than the draw stays as it is.
        if (!(knownSnr && snr <= target)) {
            const double invTarget2 = 1.0 / (target * target);
            const double invSnr2 = knownSnr ? 1.0 / (snr * snr) : 0.0;
            for (std::size_t i = 0; i < n; ++i) {
                const double gauss = rng.gaussian();  // drawn for every pixel: the stream stays aligned
                if (mask[i]) continue;
                const double level = std::max(static_cast<double>(flux[i]), 0.0);
                // Variance already present: the pixel's own ivar, else the row's S/N scaled like
                // photon noise, else none (a noiseless model spectrum).
                double existing = 0.0;
                if (!ivar.empty() && ivar[i] > 0.0f)
                    existing = 1.0 / static_cast<double>(ivar[i]);
                else
                    existing = level * invSnr2;
                const double add = level * invTarget2 - existing;
                if (add > 0.0) flux[i] = static_cast<float>(flux[i] + std::sqrt(add) * gauss);
            }
        }
    }

    if (auto rng = streamFor(seed, kMaskStream);
        c.maskProbability > 0 && c.maskMaxFraction > 0 && rng.uniform() < c.maskProbability) {
        const auto total = static_cast<std::size_t>(std::floor(rng.uniform() * c.maskMaxFraction * n));
        const auto runs = static_cast<std::size_t>(1 + rng.index(3));
        const std::size_t length = total / runs;
        if (length > 0) {
            for (std::size_t r = 0; r < runs; ++r) {
                const std::size_t start = rng.index(n - length + 1);
                for (std::size_t i = start; i < start + length; ++i) {
                    flux[i] = 1.0f;
                    mask[i] = 1;
                }
            }
        }
    }
}

}  // namespace remap::train
