#pragma once

// Predictions for spectra with a trained model. Torch-free header: include this from the CLI and GUI.

#include "base/Photometry.h"
#include "base/Progress.h"
#include "base/Spectrum.h"
#include "ml/ModelBundle.h"
#include "ml/Posterior.h"
#include "ml/SaliencyOptions.h"
#include "prep/Preprocessor.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace remap {

struct PredictorOptions {
    std::string device = "auto";  // "auto" (CUDA when available), "cpu" or "cuda"
    // Threads for preprocessing in predictBatch and for torch's intra-op pool (a process-wide
    // setting, changed only when > 0). 0 keeps torch's default and uses the hardware concurrency.
    int threads = 0;
    int batchSize = 64;  // spectra per forward pass
    // Arithmetic of the convolutional trunk: "fp32" (= "auto") or "bf16". Batch norm is folded into
    // the convolutions in both. bf16 is about twice as fast on CPUs with AVX512_BF16 but moves
    // posterior means by up to ~0.7 of a bin width (docs/network.md "Inference"): for survey triage.
    std::string precision = "auto";
    std::optional<Spectrum> rvTemplate;  // replaces the bundle's radial-velocity template
    PosteriorOptions posterior;
    double lowSnr = 20.0;             // flag "low_snr" when 0 < S/N < this
    double manyMaskedFraction = 0.2;  // flag "many_masked_pixels" above this fraction of the grid
};

// A training spectrum close to the star in embedding space.
struct Neighbour {
    std::string name;
    std::array<double, 3> labels{};  // Teff, log g, [Fe/H]
    double distance = 0.0;           // cosine distance, 0 = same direction, 2 = opposite
};

// Loads a bundle once and predicts for any number of spectra. Every call runs the ONE preprocessing
// chain of the bundle (its PreprocessSpec; a model card with an empty "preprocess" object takes
// spectra already on the network grid) and then the network under InferenceMode created in the
// calling thread. All const members are safe to call from several threads at once.
class Predictor {
public:
    // Throws remap::Error for an unreadable bundle, a preprocessing spec that does not fit the
    // network, or device "cuda" when CUDA is not available.
    explicit Predictor(const std::string& bundlePath, PredictorOptions options = {});
    explicit Predictor(ModelBundle bundle, PredictorOptions options = {});
    ~Predictor();
    Predictor(Predictor&&) noexcept;
    Predictor& operator=(Predictor&&) noexcept;

    // Throws remap::Error (naming the spectrum's file) when it cannot be prepared. Without a
    // Photometry, a model with a photometric branch reads what photometryFromMetadata finds in the
    // spectrum's header keywords.
    Prediction predict(const Spectrum& spectrum) const;
    Prediction predict(const Spectrum& spectrum, const Photometry& photometry) const;
    // Prepares in parallel, then runs the network in batches; throws remap::Error for the first
    // spectrum that cannot be prepared. Reports progress per spectrum and honours cancellation.
    std::vector<Prediction> predictBatch(const std::vector<Spectrum>& spectra,
                                         ProgressObserver* progress = nullptr) const;

    // The two halves, for callers that handle failures per spectrum (the CLI) or bring prepared input.
    PreparedSpectrum prepare(const Spectrum& spectrum) const;
    // photometry: empty, or one entry per spectrum (an empty Photometry = none known for that star).
    std::vector<Prediction> predictPrepared(const std::vector<PreparedSpectrum>& prepared,
                                            const std::vector<std::string>& sources = {},
                                            const std::vector<Photometry>& photometry = {}) const;

    // Attribution of one parameter's posterior mean to each pixel of the network grid (see grid()).
    std::vector<float> saliency(const Spectrum& spectrum, Param param, SaliencyMethod method,
                                const SaliencyOptions& options = {}) const;
    std::vector<float> saliencyPrepared(const PreparedSpectrum& prepared, Param param, SaliencyMethod method,
                                        const SaliencyOptions& options = {}, const Photometry& photometry = {}) const;

    // Where the self-attention stage looks from a query region: for each pixel of grid(), the attention
    // that the queries inside [fromWavelength, toWavelength] (grid units) pay to the downsampled
    // position holding that pixel, averaged over heads and queries and spread evenly over the
    // position's pixels (the map sums to 1). layer: attention block, -1 = the last. Throws
    // remap::Error when the model has no attention stage, the layer does not exist or the region
    // covers no position.
    std::vector<float> attentionMap(const PreparedSpectrum& prepared, double fromWavelength, double toWavelength,
                                    int layer = -1) const;
    bool hasAttention() const;
    // The photometric inputs the model reads (kPhotometryNames), empty without a photometric branch.
    std::vector<std::string> photometryInputs() const;

    // The k reference (training) spectra nearest to the prediction's embedding, closest first.
    std::vector<Neighbour> nearestNeighbours(const Prediction& prediction, int k) const;

    // Wavelengths of the network input pixels (the PreprocessSpec grid; 0..P-1 without one).
    const std::vector<double>& grid() const;
    const ModelBundle& bundle() const;
    std::string deviceName() const;     // "cpu" or "cuda"
    std::string precisionName() const;  // "fp32" or "bf16", what the trunk runs in

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// True when this build of LibTorch can use a CUDA device now.
bool cudaAvailable();

}  // namespace remap
