#pragma once

// A trained deep-REMAP model as one file: network weights, the model card (architecture, bins,
// preprocessing, provenance, metrics) and the reference set for nearest-neighbour retrieval.
// Torch-free header: the network lives behind a pimpl (ml/TorchBundle.h gives torch code access).

#include "base/Spectrum.h"
#include "ml/NetworkConfig.h"
#include "ml/ParameterBins.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace remap {

// What a model is, in JSON form inside the bundle ("card"). Every key is required when reading.
struct ModelCard {
    // Bumped on any incompatible change of the bundle layout. 2: checksums and the sealed container
    // (ml/BundleContainer.h); the network's "attention" and "photometry" keys (absent in 1 = off).
    static constexpr int kFormatVersion = 2;
    int formatVersion = kFormatVersion;
    std::string name;         // e.g. "deep-remap-marvels-v1"
    std::string description;  // free text for people
    NetworkConfig network;
    LabelBins bins;
    // The PreprocessSpec the network was trained with (core/prep PreprocessSpec::toJson()); the
    // Predictor runs exactly this chain. An empty object means "input already prepared".
    nlohmann::json preprocess = nlohmann::json::object();
    // Provenance: data set, seed, epochs, loss configuration (LossConfig JSON), dates, code version...
    nlohmann::json training = nlohmann::json::object();
    // Validation metrics, e.g. {"teff_rmse": 75.0, ...}.
    nlohmann::json metrics = nlohmann::json::object();
    // Posterior temperature per head (Teff, log g, [Fe/H]): the posterior is softmax(logits / T).
    // 1 = as trained; `remap calibrate` fits it on held-out stars (Guo et al. 2017). Optional in
    // the JSON (absent = 1) so bundles written before it existed still load.
    std::array<double, 3> temperature{1.0, 1.0, 1.0};
};

void to_json(nlohmann::json& j, const ModelCard& card);
// Strict; an unsupported format version or a missing key throws remap::Error.
void from_json(const nlohmann::json& j, ModelCard& card);

// Training spectra stored with the model, for "stars like this one" retrieval in embedding space.
struct ReferenceSet {
    std::vector<float> embeddings;              // size() x embeddingSize, row-major, unit rows
    std::vector<std::array<double, 3>> labels;  // Teff, log g, [Fe/H]
    std::vector<std::string> names;             // source file or star name
    std::size_t size() const { return names.size(); }
    bool empty() const { return names.empty(); }
};

class ModelBundle {
public:
    // A new network with random weights (deterministic for a seed) described by `card`.
    static ModelBundle create(const ModelCard& card, std::uint64_t seed = 0);
    // Reads a bundle; throws remap::Error naming the file for a missing, truncated or corrupt file (any
    // changed byte: every stored value and the whole file carry SHA-256 checksums, and the error names
    // the damaged tensor where it can), a newer format version, a format-1 file (no checksums), a card
    // with missing keys, or weights that do not fit the card's architecture.
    static ModelBundle load(const std::string& path);
    // Reads a bundle of format 1 (written before checksums) without verification, for a one-off
    // conversion: save() then writes it with checksums. Bundles of format 2 are verified as by load().
    static ModelBundle loadUnverifiedLegacy(const std::string& path);
    // Writes the bundle atomically (a temporary file renamed into place).
    void save(const std::string& path) const;

    // Raw weights for other frameworks (bench/python/remap_net.py): `folder`/weights.json (card,
    // and per tensor its name, dtype float32|int64, shape, byte offset) + `folder`/weights.bin
    // (little-endian values, concatenated). No pickles: numpy.fromfile reads it.
    void exportRawWeights(const std::string& folder) const;
    // The reverse: loads weights exported by exportRawWeights or by remap_net.py (names and shapes
    // must match this bundle's architecture exactly; throws remap::Error otherwise).
    void importRawWeights(const std::string& folder);

    const ModelCard& card() const;
    void setCard(const ModelCard& card);  // architecture and bins must stay the same (remap::Error)
    const ReferenceSet& reference() const;
    void setReference(ReferenceSet reference);  // throws remap::Error on inconsistent sizes
    // Radial-velocity template for the preprocessing (a noiseless synthetic spectrum covering the
    // grid plus the RV search range); stored as wavelength, flux and medium. None: RV is not corrected.
    const std::optional<Spectrum>& rvTemplate() const;
    void setRvTemplate(std::optional<Spectrum> rvTemplate);
    std::int64_t parameterCount() const;
    std::string sourcePath() const;  // the file it was loaded from, empty when created in memory

    ModelBundle(ModelBundle&&) noexcept;
    ModelBundle& operator=(ModelBundle&&) noexcept;
    ~ModelBundle();
    ModelBundle clone() const;  // deep copy (weights included)

    struct Impl;
    Impl& impl() { return *impl_; }
    const Impl& impl() const { return *impl_; }

private:
    explicit ModelBundle(std::unique_ptr<Impl> impl);
    static ModelBundle loadBundle(const std::string& path, bool allowLegacy);
    std::unique_ptr<Impl> impl_;
};

}  // namespace remap
