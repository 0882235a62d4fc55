#include "TeachingGrid.h"

#include "PhoenixGrid.h"
#include "base/AtomicFile.h"
#include "base/Error.h"
#include "base/Parallel.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

namespace remap::synth {
namespace {

constexpr std::size_t kContinuumStride = 64;  // pixels between stored continuum points (1.3 A)
constexpr double kQuantum = 1.0 / 59577.0;    // uint16 step of the normalized flux (0 .. 1.1)
constexpr char kMagic[8] = {'R', 'E', 'M', 'A', 'P', 'T', 'G', '2'};

int count(double lo, double hi, double step)
{
    return static_cast<int>(std::floor((hi - lo) / step + 1e-6)) + 1;
}

std::uint64_t mix(std::uint64_t h, std::uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

std::uint64_t bitsOf(double x)
{
    std::uint64_t b = 0;
    std::memcpy(&b, &x, sizeof b);
    return b;
}

}  // namespace

void TeachingGridSpec::validate() const
{
    if (!(teffStep > 0) || !(loggStep > 0) || !(fehStep > 0) || !(step > 0) || !(teffMax > teffMin) ||
        !(loggMax > loggMin) || !(fehMax > fehMin) || !(windowMax > windowMin))
        throw Error("the teaching grid needs positive steps and non-empty ranges");
    if (teffMin < kTeffMin || teffMax > kTeffMax || loggMin < kLoggMin || loggMax > kLoggMax || fehMin < kFehMin ||
        fehMax > kFehMax)
        throw Error("the teaching grid's lattice leaves the synthesizer's valid domain");
    if (windowMin < kSynthesisMin || windowMax > kSynthesisMax)
        throw Error("the teaching grid's window leaves the line data (4850-5850 A)");
}

TeachingGrid::TeachingGrid(const Synthesizer& synthesizer, TeachingGridSpec spec)
    : synthesizer_(synthesizer), spec_(spec)
{
    spec_.validate();
    wavelengths_ = linearWavelengthGrid(spec_.windowMin, spec_.windowMax, spec_.step);
    nTeff_ = count(spec_.teffMin, spec_.teffMax, spec_.teffStep);
    nLogg_ = count(spec_.loggMin, spec_.loggMax, spec_.loggStep);
    nFeh_ = count(spec_.fehMin, spec_.fehMax, spec_.fehStep);
}

TeachingGrid::~TeachingGrid() = default;

bool TeachingGrid::inDomain(const Key& k) const
{
    if (k[0] < 0 || k[1] < 0 || k[2] < 0 || k[0] >= nTeff_ || k[1] >= nLogg_ || k[2] >= nFeh_) return false;
    return loggOf(k[1]) >= minimumLogg(teffOf(k[0])) - 1e-9;
}

std::array<std::pair<TeachingGrid::Key, double>, 8> TeachingGrid::corners(double teff, double logg, double feh) const
{
    auto cell = [](double v, double lo, double step, int n, int& i, double& t) {
        const double u = (v - lo) / step;
        if (!std::isfinite(u) || u < -1e-9 || u > n - 1 + 1e-9) return false;
        i = std::clamp(static_cast<int>(std::floor(u)), 0, n - 2);
        t = std::clamp(u - i, 0.0, 1.0);
        return true;
    };
    int it = 0, ig = 0, im = 0;
    double tt = 0, tg = 0, tm = 0;
    if (!cell(teff, spec_.teffMin, spec_.teffStep, nTeff_, it, tt) ||
        !cell(logg, spec_.loggMin, spec_.loggStep, nLogg_, ig, tg) ||
        !cell(feh, spec_.fehMin, spec_.fehStep, nFeh_, im, tm))
        throw Error("Teff " + std::to_string(teff) + ", log g " + std::to_string(logg) + ", [Fe/H] " +
                    std::to_string(feh) + " lies outside the teaching grid");
    std::array<std::pair<Key, double>, 8> out;
    int n = 0;
    for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b)
            for (int c = 0; c < 2; ++c)
                out[static_cast<std::size_t>(n++)] = {Key{it + a, ig + b, im + c},
                                                      (a ? tt : 1 - tt) * (b ? tg : 1 - tg) * (c ? tm : 1 - tm)};
    for (const auto& [k, w] : out)
        if (w > 0 && !inDomain(k)) throw Error("the teaching grid has no models at this Teff and log g");
    return out;
}

bool TeachingGrid::covers(double teff, double logg, double feh) const
{
    try {
        corners(teff, logg, feh);
        return true;
    } catch (const Error&) {
        return false;
    }
}

bool TeachingGrid::ready(double teff, double logg, double feh) const
{
    if (!covers(teff, logg, feh)) return false;
    std::lock_guard lock(mutex_);
    for (const auto& [k, w] : corners(teff, logg, feh))
        if (w > 0 && !nodes_.count(k)) return false;
    return true;
}

std::shared_ptr<const TeachingGrid::Node> TeachingGrid::compute(const Key& k, SynthesisWorkspace& ws) const
{
    StellarParameters p;
    p.teff = teffOf(k[0]);
    p.logg = loggOf(k[1]);
    p.feh = fehOf(k[2]);
    SynthesisResult r;
    synthesizer_.synthesize(p, wavelengths_, r, ws);
    auto node = std::make_shared<Node>();
    node->normalized.resize(wavelengths_.size());
    for (std::size_t i = 0; i < wavelengths_.size(); ++i) {
        const double v = std::clamp(r.flux[i] / r.continuum[i], 0.0, 1.1);
        node->normalized[i] = static_cast<std::uint16_t>(std::lround(v / kQuantum));
    }
    for (std::size_t i = 0; i < wavelengths_.size(); i += kContinuumStride)
        node->logContinuum.push_back(static_cast<float>(std::log(r.continuum[i])));
    node->logContinuum.push_back(static_cast<float>(std::log(r.continuum.back())));
    return node;
}

void TeachingGrid::prepare(double teff, double logg, double feh, int threads)
{
    std::vector<Key> missing;
    {
        const auto c = corners(teff, logg, feh);
        std::lock_guard lock(mutex_);
        for (const auto& [k, w] : c)
            if (w > 0 && !nodes_.count(k)) missing.push_back(k);
    }
    if (missing.empty()) return;
    const int n = std::min(resolveThreadCount(threads), static_cast<int>(missing.size()));
    std::vector<SynthesisWorkspace> ws(static_cast<std::size_t>(n));
    SilentProgress quiet;
    parallelFor(missing.size(), n, quiet, "teaching grid", [&](std::size_t i, int worker) {
        auto node = compute(missing[i], ws[static_cast<std::size_t>(worker)]);
        std::lock_guard lock(mutex_);
        nodes_.emplace(missing[i], std::move(node));
    });
}

void TeachingGrid::spectrum(double teff, double logg, double feh, std::vector<double>& flux,
                            std::vector<double>* continuum)
{
    if (!ready(teff, logg, feh)) prepare(teff, logg, feh);
    const auto c = corners(teff, logg, feh);
    std::array<std::shared_ptr<const Node>, 8> node;
    {
        std::lock_guard lock(mutex_);
        for (std::size_t q = 0; q < c.size(); ++q)
            if (c[q].second > 0) node[q] = nodes_.at(c[q].first);
    }
    const std::size_t n = wavelengths_.size();
    flux.assign(n, 0.0);
    std::vector<double> logContinuum;
    for (std::size_t q = 0; q < c.size(); ++q) {
        if (!node[q]) continue;
        const double w = c[q].second;
        const std::uint16_t* r = node[q]->normalized.data();
        for (std::size_t i = 0; i < n; ++i) flux[i] += w * kQuantum * r[i];
        const auto& lc = node[q]->logContinuum;
        logContinuum.resize(lc.size(), 0.0);
        for (std::size_t j = 0; j < lc.size(); ++j) logContinuum[j] += w * lc[j];
    }
    if (continuum) continuum->resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t j = std::min(i / kContinuumStride, logContinuum.size() - 2);
        const std::size_t i0 = j * kContinuumStride;
        const std::size_t i1 = std::min(i0 + kContinuumStride, n - 1);
        const double t = i1 > i0 ? static_cast<double>(i - i0) / static_cast<double>(i1 - i0) : 0.0;
        const double c = std::exp(logContinuum[j] + t * (logContinuum[j + 1] - logContinuum[j]));
        flux[i] *= c;
        if (continuum) (*continuum)[i] = c;
    }
}

void TeachingGrid::precomputeAll(ProgressObserver& progress, int threads)
{
    std::vector<Key> missing;
    {
        std::lock_guard lock(mutex_);
        for (int a = 0; a < nTeff_; ++a)
            for (int b = 0; b < nLogg_; ++b)
                for (int c = 0; c < nFeh_; ++c) {
                    const Key k{a, b, c};
                    if (inDomain(k) && !nodes_.count(k)) missing.push_back(k);
                }
    }
    const int n = resolveThreadCount(threads);
    std::vector<SynthesisWorkspace> ws(static_cast<std::size_t>(n));
    parallelFor(missing.size(), n, progress, "teaching grid", [&](std::size_t i, int worker) {
        auto node = compute(missing[i], ws[static_cast<std::size_t>(worker)]);
        std::lock_guard lock(mutex_);
        nodes_.emplace(missing[i], std::move(node));
    });
}

std::size_t TeachingGrid::cachedNodes() const
{
    std::lock_guard lock(mutex_);
    return nodes_.size();
}

std::size_t TeachingGrid::nodeCount() const
{
    std::size_t n = 0;
    for (int a = 0; a < nTeff_; ++a)
        for (int b = 0; b < nLogg_; ++b)
            for (int c = 0; c < nFeh_; ++c) n += inDomain(Key{a, b, c});
    return n;
}

std::uint64_t TeachingGrid::fingerprint() const
{
    std::uint64_t h = 1469598103934665603ull;
    for (double v : {spec_.teffMin, spec_.teffMax, spec_.teffStep, spec_.loggMin, spec_.loggMax, spec_.loggStep,
                     spec_.fehMin, spec_.fehMax, spec_.fehStep, spec_.step, spec_.windowMin, spec_.windowMax})
        h = mix(h, bitsOf(v));
    for (char ch : std::string(kSynthVersion) + synthesizer_.lineList().source)
        h = mix(h, static_cast<unsigned char>(ch));
    h = mix(h, synthesizer_.lineList().lines.size());
    const PhysicsOptions& o = synthesizer_.options();
    for (double v : {o.vdwEnhancement, o.opacityThreshold, o.maxLineHalfWidth, o.continuumOffset})
        h = mix(h, bitsOf(v));
    h = mix(h, static_cast<std::uint64_t>(o.microturbulenceLaw) * 7 + (o.molecules ? 1 : 0) * 3 +
                   (o.hydrogenLines ? 1 : 0) + static_cast<std::uint64_t>(o.depthStride) * 11);
    return h;
}

void TeachingGrid::save(const std::string& path) const
{
    std::map<Key, std::shared_ptr<const Node>> copy;
    {
        std::lock_guard lock(mutex_);
        copy = nodes_;
    }
    writeAtomically(path, [&](const std::string& tmp) {
        std::ofstream out(tmp, std::ios::binary);
        const std::uint64_t fp = fingerprint(), count = copy.size(), pixels = wavelengths_.size();
        out.write(kMagic, sizeof kMagic);
        out.write(reinterpret_cast<const char*>(&fp), sizeof fp);
        out.write(reinterpret_cast<const char*>(&pixels), sizeof pixels);
        out.write(reinterpret_cast<const char*>(&count), sizeof count);
        for (const auto& [k, node] : copy) {
            const std::int32_t key[3] = {k[0], k[1], k[2]};
            const std::uint64_t nc = node->logContinuum.size();
            out.write(reinterpret_cast<const char*>(key), sizeof key);
            out.write(reinterpret_cast<const char*>(&nc), sizeof nc);
            out.write(reinterpret_cast<const char*>(node->normalized.data()),
                      static_cast<std::streamsize>(node->normalized.size() * sizeof(std::uint16_t)));
            out.write(reinterpret_cast<const char*>(node->logContinuum.data()),
                      static_cast<std::streamsize>(nc * sizeof(float)));
        }
        out.close();
        if (!out) throw Error("could not write the teaching grid cache", path);
    });
}

bool TeachingGrid::load(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    char magic[8];
    std::uint64_t fp = 0, pixels = 0, count = 0;
    in.read(magic, sizeof magic);
    in.read(reinterpret_cast<char*>(&fp), sizeof fp);
    in.read(reinterpret_cast<char*>(&pixels), sizeof pixels);
    in.read(reinterpret_cast<char*>(&count), sizeof count);
    if (!in || std::memcmp(magic, kMagic, sizeof kMagic) != 0 || fp != fingerprint() || pixels != wavelengths_.size() ||
        count > 100000)
        return false;
    std::map<Key, std::shared_ptr<const Node>> loaded;
    const std::uint64_t expectedContinuum = (wavelengths_.size() + kContinuumStride - 1) / kContinuumStride + 1;
    for (std::uint64_t q = 0; q < count; ++q) {
        std::int32_t key[3];
        std::uint64_t nc = 0;
        in.read(reinterpret_cast<char*>(key), sizeof key);
        in.read(reinterpret_cast<char*>(&nc), sizeof nc);
        const Key k{key[0], key[1], key[2]};
        if (!in || nc != expectedContinuum || !inDomain(k)) return false;
        auto node = std::make_shared<Node>();
        node->normalized.resize(pixels);
        node->logContinuum.resize(nc);
        in.read(reinterpret_cast<char*>(node->normalized.data()), static_cast<std::streamsize>(pixels * 2));
        in.read(reinterpret_cast<char*>(node->logContinuum.data()), static_cast<std::streamsize>(nc * sizeof(float)));
        if (!in) return false;
        loaded.emplace(k, std::move(node));
    }
    std::lock_guard lock(mutex_);
    for (auto& [k, n] : loaded) nodes_.emplace(k, std::move(n));
    return true;
}

}  // namespace remap::synth
