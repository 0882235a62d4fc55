#include "train/TrainData.h"

#include "base/Error.h"
#include "data/TrainingSet.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace remap::train {

std::uint64_t SplitMix64::next()
{
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double SplitMix64::uniform()
{
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::size_t SplitMix64::below(std::size_t n)
{
    // Modulo bias is below 2^-40 for any table that fits in memory.
    return static_cast<std::size_t>(next() % n);
}

std::uint64_t SplitMix64::mix(std::uint64_t a, std::uint64_t b)
{
    SplitMix64 g(a ^ (b * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL));
    g.next();
    return g.next();
}

SpectraTable SpectraTable::subset(const std::vector<std::size_t>& indices) const
{
    SpectraTable out;
    out.path = path;
    out.pixels = pixels;
    out.wavelength = wavelength;
    out.preprocessSpec = preprocessSpec;
    out.flux.reserve(indices.size() * pixels);
    out.ivar.reserve(indices.size() * pixels);
    out.mask.reserve(indices.size() * pixels);
    for (std::size_t i : indices) {
        const auto from = static_cast<std::ptrdiff_t>(i * pixels), to = from + static_cast<std::ptrdiff_t>(pixels);
        out.flux.insert(out.flux.end(), flux.begin() + from, flux.begin() + to);
        out.ivar.insert(out.ivar.end(), ivar.begin() + from, ivar.begin() + to);
        out.mask.insert(out.mask.end(), mask.begin() + from, mask.begin() + to);
        out.labels.push_back(labels[i]);
        out.snr.push_back(snr[i]);
        out.sources.push_back(sources[i]);
        if (!photometry.empty()) out.photometry.push_back(photometry[i]);
    }
    return out;
}

Photometry SpectraTable::photometryOf(std::size_t row) const
{
    Photometry out;
    if (row < photometry.size())
        for (std::size_t k = 0; k < kPhotometryCount; ++k)
            if (std::isfinite(photometry[row][k])) out.set(static_cast<PhotometryEntry>(k), photometry[row][k]);
    return out;
}

void SpectraTable::append(const SpectraTable& other)
{
    flux.insert(flux.end(), other.flux.begin(), other.flux.end());
    ivar.insert(ivar.end(), other.ivar.begin(), other.ivar.end());
    mask.insert(mask.end(), other.mask.begin(), other.mask.end());
    labels.insert(labels.end(), other.labels.begin(), other.labels.end());
    snr.insert(snr.end(), other.snr.begin(), other.snr.end());
    sources.insert(sources.end(), other.sources.begin(), other.sources.end());
    // Rows of a table without photometry have none known.
    if (!photometry.empty() || !other.photometry.empty()) {
        photometry.resize(labels.size() - other.labels.size(), missingPhotometry());
        if (other.photometry.empty())
            photometry.resize(labels.size(), missingPhotometry());
        else
            photometry.insert(photometry.end(), other.photometry.begin(), other.photometry.end());
    }
}

SpectraTable loadSpectraTable(const std::string& path, ProgressObserver& progress)
{
    const TrainingSetReader reader(path);
    SpectraTable t;
    t.path = path;
    t.pixels = reader.pixels();
    t.wavelength = reader.wavelength();
    t.preprocessSpec = reader.header().preprocessSpec;
    const std::size_t rows = reader.rows();
    constexpr std::size_t kChunk = 512;
    for (std::size_t first = 0; first < rows; first += kChunk) {
        throwIfCancelled(progress);
        const auto batch = reader.read(first, std::min(kChunk, rows - first));
        for (std::size_t r = 0; r < batch.size(); ++r) {
            const auto& l = batch.labels[r];
            if (!std::isfinite(l[kLabelTeff]) || !std::isfinite(l[kLabelLogg]) || !std::isfinite(l[kLabelFeh])) {
                ++t.skipped;
                continue;
            }
            const auto from = static_cast<std::ptrdiff_t>(r * t.pixels),
                       to = from + static_cast<std::ptrdiff_t>(t.pixels);
            t.flux.insert(t.flux.end(), batch.flux.begin() + from, batch.flux.begin() + to);
            t.ivar.insert(t.ivar.end(), batch.ivar.begin() + from, batch.ivar.begin() + to);
            t.mask.insert(t.mask.end(), batch.mask.begin() + from, batch.mask.begin() + to);
            t.labels.push_back({l[kLabelTeff], l[kLabelLogg], l[kLabelFeh]});
            t.snr.push_back(batch.snr[r]);
            t.sources.push_back(batch.source[r]);
            if (reader.header().photometry) t.photometry.push_back(batch.photometry[r]);
        }
        progress.onProgress(std::min(first + kChunk, rows), rows, "loading " + path);
    }
    if (t.labels.empty())
        throw Error("no usable rows: every row lacks Teff, log g or [Fe/H] (" + std::to_string(t.skipped) + " rows)",
                    path);
    return t;
}

bool sameGrid(const std::vector<double>& a, const std::vector<double>& b)
{
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::abs(a[i] - b[i]) > 1e-9 * std::max(std::abs(a[i]), std::abs(b[i]))) return false;
    return true;
}

namespace {

std::string describeGrid(const SpectraTable& t)
{
    if (t.wavelength.empty()) return "0 pixels";
    char buf[96];
    std::snprintf(buf, sizeof buf, "%zu pixels, %.3f-%.3f A", t.wavelength.size(), t.wavelength.front(),
                  t.wavelength.back());
    return buf;
}

std::vector<std::size_t> seededShuffle(std::size_t n, std::uint64_t seed)
{
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    SplitMix64 rng(seed);
    for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    return order;
}

void addRehearsalRows(const TrainConfig& config, SpectraTable& train, ProgressObserver& progress)
{
    const auto& f = config.finetune;
    if (config.mode != TrainMode::Finetune || f.rehearsalSet.empty() || f.rehearsalRows <= 0) return;
    const SpectraTable pool = loadSpectraTable(f.rehearsalSet, progress);
    if (!sameGrid(train.wavelength, pool.wavelength))
        throw Error("the rehearsal set " + f.rehearsalSet + " (" + describeGrid(pool) +
                        ") is not on the wavelength grid of the training set " + config.trainSet + " (" +
                        describeGrid(train) + ")",
                    f.rehearsalSet);
    auto order = seededShuffle(pool.size(), SplitMix64::mix(config.seed, 0x7265686561ULL));
    order.resize(std::min(order.size(), static_cast<std::size_t>(f.rehearsalRows)));
    std::sort(order.begin(), order.end());
    train.append(pool.subset(order));
}

}  // namespace

TrainData loadTrainData(const TrainConfig& config, ProgressObserver& progress)
{
    if (config.trainSet.empty()) throw Error("training config: train_set is empty");
    TrainData data;
    data.train = loadSpectraTable(config.trainSet, progress);
    addRehearsalRows(config, data.train, progress);
    if (!config.validationSet.empty()) {
        data.validation = loadSpectraTable(config.validationSet, progress);
        if (!sameGrid(data.train.wavelength, data.validation.wavelength))
            throw Error("the validation set " + config.validationSet + " (" + describeGrid(data.validation) +
                            ") is not on the wavelength grid of the training set " + config.trainSet + " (" +
                            describeGrid(data.train) + ")",
                        config.validationSet);
        return data;
    }
    if (config.validationFraction <= 0.0) return data;
    // Held-out rows: a seeded permutation's head; both parts keep the file's row order.
    const std::size_t n = data.train.size();
    auto held = static_cast<std::size_t>(std::llround(config.validationFraction * static_cast<double>(n)));
    held = std::clamp<std::size_t>(held, 1, n > 1 ? n - 1 : 1);
    if (n < 2) throw Error("too few rows to hold out validation rows (give validation_set)", config.trainSet);
    const auto order = seededShuffle(n, SplitMix64::mix(config.seed, 0x76616c6964ULL));
    std::vector<std::size_t> val(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(held));
    std::vector<std::size_t> train(order.begin() + static_cast<std::ptrdiff_t>(held), order.end());
    std::sort(val.begin(), val.end());
    std::sort(train.begin(), train.end());
    const std::size_t skipped = data.train.skipped;
    data.validation = data.train.subset(val);
    data.train = data.train.subset(train);
    data.train.skipped = skipped;
    data.heldOut = true;
    return data;
}

std::vector<std::size_t> epochOrder(const std::vector<std::array<double, 3>>& labels, const SamplingConfig& sampling,
                                    const LabelBins& bins, std::uint64_t seed, std::int64_t epoch)
{
    const std::size_t n = labels.size();
    SplitMix64 rng(SplitMix64::mix(seed, static_cast<std::uint64_t>(epoch) + 0x65706f6368ULL));
    std::vector<std::size_t> order(n);
    if (sampling.balance == ClassBalance::None || n == 0) {
        std::iota(order.begin(), order.end(), 0);
        for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
        return order;
    }
    const int cells = std::max(1, sampling.balanceCells);
    auto cellOf = [&](const std::array<double, 3>& l) {
        std::size_t index = 0;
        for (int p = 0; p < 3; ++p) {
            const auto& b = bins[static_cast<Param>(p)];
            const int c = std::clamp(static_cast<int>(std::floor(b.normalize(l[p]) * cells)), 0, cells - 1);
            index = index * static_cast<std::size_t>(cells) + static_cast<std::size_t>(c);
        }
        return index;
    };
    std::vector<std::size_t> cell(n), count(static_cast<std::size_t>(cells) * cells * cells, 0);
    for (std::size_t i = 0; i < n; ++i) ++count[cell[i] = cellOf(labels[i])];
    std::vector<double> cumulative(n);
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        total += std::pow(static_cast<double>(count[cell[i]]), -sampling.balancePower);
        cumulative[i] = total;
    }
    for (std::size_t k = 0; k < n; ++k) {
        const double u = rng.uniform() * total;
        const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
        order[k] = std::min<std::size_t>(static_cast<std::size_t>(it - cumulative.begin()), n - 1);
    }
    return order;
}

}  // namespace remap::train
