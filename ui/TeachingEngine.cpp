#include "TeachingEngine.h"

#include "base/Error.h"
#include "prep/Continuum.h"
#include "synth/Observe.h"

#include <chrono>

namespace remap::ui {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// The MARVELS-like instrument at resolving power R, without cosmic rays and dead pixels: the lesson is
// about lines and photon noise.
synth::InstrumentModel teachingInstrument(double resolvingPower)
{
    synth::InstrumentModel instrument;
    instrument.resolvingPower = resolvingPower;
    instrument.cosmicRaysPerSpectrum = 0;
    instrument.deadPixels = 0;
    return instrument;
}

synth::StellarParameters parametersOf(const TeachingRequest& r)
{
    synth::StellarParameters p;
    p.teff = r.teff;
    p.logg = r.logg;
    p.feh = r.feh;
    return p;
}

}  // namespace

TeachingEngine::TeachingEngine() = default;
TeachingEngine::~TeachingEngine() = default;

TeachingResult TeachingEngine::computeSpectrum(const TeachingRequest& request, const Predictor* predictor)
{
    TeachingResult out;
    out.request = request;
    const auto t0 = Clock::now();
    try {
        const auto instrument = teachingInstrument(request.resolvingPower);
        if (gridR_ != request.resolvingPower || highResGrid_.empty()) {
            const auto [lo, hi] = synth::requiredVacuumWindow(instrument, 0.0);
            highResGrid_ = synth::linearWavelengthGrid(lo, hi, synth::kHighResStep);
            gridR_ = request.resolvingPower;
        }
        const auto params = parametersOf(request);
        synthesizer_.synthesize(params, highResGrid_, synthesis_, workspace_);
        Spectrum high;
        high.wavelength = highResGrid_;
        high.flux = synthesis_.flux;
        high.medium = Medium::Vacuum;
        high.fluxUnit = "erg/s/cm^2/cm";
        high.provenance.file = "teaching star";
        high.finalize();

        synth::ObservationSettings clean;
        clean.noise = false;
        clean.distortions = false;
        const Spectrum noiseless = synth::observe(high, instrument, clean);
        const auto continuum = fitContinuum(noiseless);

        synth::ObservationSettings noisy;
        noisy.snr = request.snr;
        noisy.seed = request.seed;
        noisy.distortions = false;
        out.spectrum = synth::observe(high, instrument, noisy);
        out.spectrum.provenance.file = "teaching star";
        out.spectrum.objectName = "teaching star";
        // Electrons per input flux unit: brings the noisy observation back to the noiseless one's scale.
        const double gain = std::stod(out.spectrum.metadata.at("GAINSCAL"));
        const std::size_t n = noiseless.size();
        out.wavelength = noiseless.wavelength;
        out.observed.resize(n);
        out.model.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const double c = continuum[i] > 0 ? continuum[i] : 1.0;
            out.model[i] = noiseless.flux[i] / c;
            out.observed[i] = out.spectrum.flux[i] / (gain * c);
        }
    } catch (const std::exception& e) {
        out.error = e.what();
        out.spectrumMs = msSince(t0);
        return out;
    }
    out.spectrumMs = msSince(t0);

    if (!predictor) {
        out.networkNote = "no model";
        return out;
    }
    const auto t1 = Clock::now();
    try {
        const PreparedSpectrum prepared = predictor->prepare(out.spectrum);
        auto predictions = predictor->predictPrepared({prepared}, {"teaching star"});
        if (!predictions.empty()) out.prediction = std::move(predictions.front());
        out.saliency = predictor->saliencyPrepared(prepared, request.param, SaliencyMethod::Gradient);
        out.saliencyWavelength = predictor->grid();
        out.saliencyMask = prepared.mask;
        const auto& spec = predictor->bundle().card().preprocess;
        if (spec.is_object() && spec.contains("resolving_power"))
            out.networkResolvingPower = spec["resolving_power"].get<double>();
    } catch (const std::exception& e) {
        out.networkNote = e.what();
    }
    out.networkMs = msSince(t1);
    return out;
}

bool TeachingEngine::hasCachedInformation(const TeachingRequest& r) const
{
    const std::array<double, 4> key{r.teff, r.logg, r.feh, r.resolvingPower};
    for (const auto& e : cache_)
        if (e.key == key) return true;
    return false;
}

void TeachingEngine::addInformation(TeachingResult& result)
{
    if (!result.error.empty()) return;
    const auto t0 = Clock::now();
    const auto& r = result.request;
    const std::array<double, 4> key{r.teff, r.logg, r.feh, r.resolvingPower};
    auto it = cache_.begin();
    while (it != cache_.end() && it->key != key) ++it;
    result.informationCached = it != cache_.end();
    if (it != cache_.end()) {
        cache_.splice(cache_.begin(), cache_, it);  // most recent first
    } else {
        CacheEntry entry;
        entry.key = key;
        synth::FisherSettings settings;
        settings.instrument = teachingInstrument(r.resolvingPower);
        settings.snr = kReferenceSnr;
        const auto params = parametersOf(r);
        try {
            auto crlb = synth::cramerRaoBound(synthesizer_, params, settings);
            entry.information = std::move(crlb.pixels.information);
            entry.bound = crlb.bound;
        } catch (const Error&) {
            // A singular Fisher matrix still has per-pixel information; only the bounds are unknown.
            try {
                entry.information = synth::pixelFisherInformation(synthesizer_, params, settings).information;
            } catch (const std::exception& e) {
                result.informationNote = e.what();
                result.informationMs = msSince(t0);
                return;
            }
        }
        cache_.push_front(std::move(entry));
        if (cache_.size() > kCacheSize) cache_.pop_back();
    }
    // Photon-limited noise sigma_i = sqrt(f_i) / SNR: information scales as SNR^2, the bound as 1 / SNR.
    const auto& e = cache_.front();
    const double scale = r.snr / kReferenceSnr;
    for (std::size_t p = 0; p < 3; ++p) {
        result.information[p] = e.information[p];
        for (double& v : result.information[p]) v *= scale * scale;
        result.crlb[p] = e.bound[p] / scale;
    }
    result.hasInformation = true;
    result.informationMs = msSince(t0);
}

}  // namespace remap::ui
