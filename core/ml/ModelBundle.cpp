#include "ModelBundle.h"

#include "BundleContainer.h"
#include "JsonRead.h"
#include "TorchBundle.h"
#include "base/AtomicFile.h"
#include "base/Error.h"

#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace remap {
namespace {

constexpr const char* kFormatTag = "remap-model";
constexpr const char* kRawFormatTag = "remap-raw-weights";

std::string firstLine(const std::string& text)
{
    const auto nl = text.find('\n');
    return nl == std::string::npos ? text : text.substr(0, nl);
}

std::string shapeText(c10::IntArrayRef sizes)
{
    std::ostringstream out;
    out << '[';
    for (std::size_t i = 0; i < sizes.size(); ++i) out << (i ? ", " : "") << sizes[i];
    out << ']';
    return out.str();
}

// Every tensor of the network (parameters, then buffers) by its dotted name.
std::vector<std::pair<std::string, torch::Tensor>> namedState(const RemapNet& net)
{
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& p : net->named_parameters()) out.emplace_back(p.key(), p.value());
    for (const auto& b : net->named_buffers()) out.emplace_back(b.key(), b.value());
    return out;
}

// Copies `loaded` tensors into the network, checking that names and shapes match exactly.
void assignState(RemapNet& net, const std::map<std::string, torch::Tensor>& loaded, const std::string& file)
{
    const auto state = namedState(net);
    std::map<std::string, bool> expected;
    for (const auto& [name, tensor] : state) expected[name] = true;
    for (const auto& [name, tensor] : loaded)
        if (!expected.count(name))
            throw Error("the weights hold tensor '" + name +
                            "', which the architecture in the model card does not have (incompatible bundle)",
                        file);
    torch::NoGradGuard noGrad;
    for (const auto& [name, tensor] : state) {
        const auto it = loaded.find(name);
        if (it == loaded.end())
            throw Error("the weights lack tensor '" + name + "' that the architecture in the model card needs", file);
        if (it->second.sizes() != tensor.sizes())
            throw Error("shape mismatch for '" + name + "': the weights have " + shapeText(it->second.sizes()) +
                            ", the architecture in the model card needs " + shapeText(tensor.sizes()),
                        file);
        tensor.copy_(it->second.to(tensor.dtype()));
    }
}

void collectTensors(torch::serialize::InputArchive& archive, const std::string& prefix,
                    std::map<std::string, torch::Tensor>& out)
{
    for (const auto& key : archive.keys()) {
        c10::IValue value;
        archive.read(key, value);
        if (value.isTensor()) {
            out[prefix + key] = value.toTensor();
        } else if (value.isModule()) {
            torch::serialize::InputArchive nested;
            archive.read(key, nested);
            collectTensors(nested, prefix + key + ".", out);
        }
    }
}

std::string readString(torch::serialize::InputArchive& archive, const std::string& key, const std::string& file)
{
    c10::IValue value;
    if (!archive.try_read(key, value) || !value.isString())
        throw Error("the bundle has no '" + key + "' entry (not a REMAP model, or damaged)", file);
    return value.toStringRef();
}

nlohmann::json parseJson(const std::string& text, const std::string& what, const std::string& file)
{
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw Error("the " + what + " is not valid JSON (" + std::string(e.what()) + ")", file);
    }
}

void checkVersion(int version, const std::string& file)
{
    if (version > ModelCard::kFormatVersion)
        throw Error("the model was written in bundle format version " + std::to_string(version) +
                        ", newer than this build reads (version " + std::to_string(ModelCard::kFormatVersion) +
                        "); update REMAP Studio",
                    file);
    if (version < 1) throw Error("invalid bundle format version " + std::to_string(version), file);
}

void copyState(const RemapNet& from, RemapNet& to)
{
    std::map<std::string, torch::Tensor> state;
    for (const auto& [name, tensor] : namedState(from)) state[name] = tensor.detach().to(torch::kCPU);
    assignState(to, state, {});
}

}  // namespace

void to_json(nlohmann::json& j, const ModelCard& c)
{
    j = nlohmann::json{{"format_version", c.formatVersion},
                       {"name", c.name},
                       {"description", c.description},
                       {"network", c.network},
                       {"bins", c.bins},
                       {"preprocess", c.preprocess},
                       {"training", c.training},
                       {"metrics", c.metrics},
                       {"temperature", c.temperature}};
}

void from_json(const nlohmann::json& j, ModelCard& c)
{
    using ml_detail::requireKey;
    constexpr std::string_view where = "model card";
    ModelCard out;
    out.formatVersion = requireKey<int>(j, "format_version", where);
    checkVersion(out.formatVersion, {});
    out.name = requireKey<std::string>(j, "name", where);
    out.description = requireKey<std::string>(j, "description", where);
    // Keys a card of an older format did not have take the meaning they had then.
    nlohmann::json upgraded = j;
    if (upgraded.contains("network")) upgraded["network"] = upgradeNetworkJson(upgraded["network"], out.formatVersion);
    out.network = requireKey<NetworkConfig>(upgraded, "network", where);
    out.bins = requireKey<LabelBins>(j, "bins", where);
    out.preprocess = requireKey<nlohmann::json>(j, "preprocess", where);
    out.training = requireKey<nlohmann::json>(j, "training", where);
    out.metrics = requireKey<nlohmann::json>(j, "metrics", where);
    if (j.contains("temperature")) {
        out.temperature = requireKey<std::array<double, 3>>(j, "temperature", where);
        for (double t : out.temperature)
            if (!(t > 0.0) || !std::isfinite(t))
                throw Error("model card: temperature must be three positive numbers, got " +
                            j.at("temperature").dump());
    }
    c = std::move(out);
}

ModelBundle::ModelBundle(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ModelBundle::ModelBundle(ModelBundle&&) noexcept = default;
ModelBundle& ModelBundle::operator=(ModelBundle&&) noexcept = default;
ModelBundle::~ModelBundle() = default;

ModelBundle ModelBundle::create(const ModelCard& card, std::uint64_t seed)
{
    card.network.validate();
    card.bins.validate();
    auto impl = std::make_unique<Impl>();
    impl->card = card;
    impl->card.formatVersion = ModelCard::kFormatVersion;
    torch::manual_seed(seed);
    impl->network = RemapNet(card.network, card.bins.counts());
    impl->network->eval();
    return ModelBundle(std::move(impl));
}

ModelBundle ModelBundle::clone() const
{
    auto impl = std::make_unique<Impl>();
    impl->card = impl_->card;
    impl->reference = impl_->reference;
    impl->sourcePath = impl_->sourcePath;
    impl->rvTemplate = impl_->rvTemplate;
    impl->network = RemapNet(impl_->card.network, impl_->card.bins.counts());
    copyState(impl_->network, impl->network);
    impl->network->train(impl_->network->is_training());
    return ModelBundle(std::move(impl));
}

void ModelBundle::save(const std::string& path) const
{
    const auto& impl = *impl_;
    torch::serialize::OutputArchive root;
    root.write("format", c10::IValue(std::string(kFormatTag)));
    root.write("format_version", c10::IValue(static_cast<int64_t>(ModelCard::kFormatVersion)));
    root.write("card", c10::IValue(nlohmann::json(impl.card).dump()));

    torch::serialize::OutputArchive weights;
    impl.network->save(weights);
    root.write("weights", weights);

    torch::serialize::OutputArchive reference;
    const auto n = static_cast<int64_t>(impl.reference.size());
    const int64_t e = impl.card.network.embeddingSize;
    auto embeddings = torch::zeros({n, e}, torch::kFloat32);
    if (n > 0) std::memcpy(embeddings.data_ptr<float>(), impl.reference.embeddings.data(), sizeof(float) * n * e);
    auto labels = torch::zeros({n, 3}, torch::kFloat64);
    if (n > 0) std::memcpy(labels.data_ptr<double>(), impl.reference.labels.data(), sizeof(double) * n * 3);
    reference.write("embeddings", embeddings, /*is_buffer=*/true);
    reference.write("labels", labels, /*is_buffer=*/true);
    reference.write("names", c10::IValue(nlohmann::json(impl.reference.names).dump()));
    root.write("reference", reference);

    if (impl.rvTemplate) {
        const auto& t = *impl.rvTemplate;
        torch::serialize::OutputArchive rv;
        rv.write("wavelength", torch::tensor(t.wavelength, torch::kFloat64), true);
        rv.write("flux", torch::tensor(t.flux, torch::kFloat64), true);
        rv.write("medium", c10::IValue(std::string(toString(t.medium))));
        rv.write("name", c10::IValue(t.objectName));
        root.write("rv_template", rv);
    }

    bundle_detail::writeSealed(root, path);
}

ModelBundle ModelBundle::load(const std::string& path)
{
    return loadBundle(path, false);
}

ModelBundle ModelBundle::loadUnverifiedLegacy(const std::string& path)
{
    return loadBundle(path, true);
}

ModelBundle ModelBundle::loadBundle(const std::string& path, bool allowLegacy)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw Error("the model file does not exist", path);
    torch::serialize::InputArchive root;
    try {
        bundle_detail::openSealed(path, root, allowLegacy);
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& err) {
        throw Error("not a readable REMAP model bundle: the file is truncated, damaged or of another kind (" +
                        firstLine(err.what_without_backtrace()) + ")",
                    path);
    } catch (const std::exception& err) {
        throw Error(std::string("not a readable REMAP model bundle (") + err.what() + ")", path);
    }
    try {
        if (readString(root, "format", path) != kFormatTag) throw Error("not a REMAP model bundle", path);
        c10::IValue version;
        if (!root.try_read("format_version", version) || !version.isInt())
            throw Error("the bundle has no format version", path);
        checkVersion(static_cast<int>(version.toInt()), path);

        auto impl = std::make_unique<Impl>();
        impl->sourcePath = path;
        try {
            impl->card = parseJson(readString(root, "card", path), "model card", path).get<ModelCard>();
            impl->card.formatVersion = ModelCard::kFormatVersion;  // read into today's form, written as such
        } catch (const Error& err) {
            if (!err.file().empty()) throw;
            throw Error(err.problem(), path);
        }
        impl->network = RemapNet(impl->card.network, impl->card.bins.counts());
        impl->network->eval();

        torch::serialize::InputArchive weights;
        if (!root.try_read("weights", weights)) throw Error("the bundle holds no weights", path);
        std::map<std::string, torch::Tensor> loaded;
        collectTensors(weights, {}, loaded);
        assignState(impl->network, loaded, path);

        torch::serialize::InputArchive reference;
        if (!root.try_read("reference", reference)) throw Error("the bundle holds no reference set", path);
        std::map<std::string, torch::Tensor> refTensors;
        collectTensors(reference, {}, refTensors);
        const auto names = parseJson(readString(reference, "names", path), "reference name list", path)
                               .get<std::vector<std::string>>();
        const auto emb = refTensors.count("embeddings") ? refTensors["embeddings"] : torch::Tensor();
        const auto lab = refTensors.count("labels") ? refTensors["labels"] : torch::Tensor();
        const auto n = static_cast<int64_t>(names.size());
        const int64_t e = impl->card.network.embeddingSize;
        if (!emb.defined() || !lab.defined() || emb.dim() != 2 || emb.size(0) != n || emb.size(1) != e ||
            lab.dim() != 2 || lab.size(0) != n || lab.size(1) != 3)
            throw Error("the reference set is inconsistent (embeddings, labels and names differ in size)", path);
        ReferenceSet ref;
        ref.names = names;
        const auto embF = emb.to(torch::kFloat32).contiguous();
        ref.embeddings.assign(embF.data_ptr<float>(), embF.data_ptr<float>() + n * e);
        const auto labD = lab.to(torch::kFloat64).contiguous();
        const double* l = labD.data_ptr<double>();
        for (int64_t i = 0; i < n; ++i) ref.labels.push_back({l[3 * i], l[3 * i + 1], l[3 * i + 2]});
        impl->reference = std::move(ref);

        torch::serialize::InputArchive rv;
        if (root.try_read("rv_template", rv)) {
            std::map<std::string, torch::Tensor> rvTensors;
            collectTensors(rv, {}, rvTensors);
            if (!rvTensors.count("wavelength") || !rvTensors.count("flux") ||
                rvTensors["wavelength"].numel() != rvTensors["flux"].numel())
                throw Error("the radial-velocity template in the bundle is inconsistent", path);
            Spectrum t;
            const auto w = rvTensors["wavelength"].to(torch::kFloat64).contiguous();
            const auto f = rvTensors["flux"].to(torch::kFloat64).contiguous();
            t.wavelength.assign(w.data_ptr<double>(), w.data_ptr<double>() + w.numel());
            t.flux.assign(f.data_ptr<double>(), f.data_ptr<double>() + f.numel());
            t.medium = parseMedium(readString(rv, "medium", path));
            t.objectName = readString(rv, "name", path);
            t.provenance.file = path;
            t.finalize();
            impl->rvTemplate = std::move(t);
        }
        return ModelBundle(std::move(impl));
    } catch (const c10::Error& err) {
        throw Error("the model bundle is damaged (" + firstLine(err.what_without_backtrace()) + ")", path);
    } catch (const nlohmann::json::exception& err) {
        throw Error(std::string("the model bundle is damaged (") + err.what() + ")", path);
    }
}

void ModelBundle::exportRawWeights(const std::string& folder) const
{
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (!fs::is_directory(folder)) throw Error("could not create the export folder", folder);
    nlohmann::json index{{"format", kRawFormatTag},
                         {"format_version", 1},
                         {"byte_order", "little"},
                         {"card", impl_->card},
                         {"tensors", nlohmann::json::array()}};
    std::string blob;
    for (const auto& [name, tensor] : namedState(impl_->network)) {
        const bool isFloat = tensor.is_floating_point();
        const auto t = tensor.detach().to(torch::kCPU).to(isFloat ? torch::kFloat32 : torch::kInt64).contiguous();
        const auto bytes = static_cast<std::size_t>(t.numel()) * t.element_size();
        index["tensors"].push_back({{"name", name},
                                    {"dtype", isFloat ? "float32" : "int64"},
                                    {"shape", t.sizes().vec()},
                                    {"offset", blob.size()},
                                    {"bytes", bytes}});
        blob.append(static_cast<const char*>(t.data_ptr()), bytes);
    }
    const std::string binPath = (fs::path(folder) / "weights.bin").string();
    writeAtomically(binPath, [&](const std::string& tmp) {
        std::ofstream out(tmp, std::ios::binary);
        out.write(blob.data(), static_cast<std::streamsize>(blob.size()));
        if (!out) throw Error("could not write the raw weights", binPath);
    });
    const std::string indexPath = (fs::path(folder) / "weights.json").string();
    writeAtomically(indexPath, [&](const std::string& tmp) {
        std::ofstream out(tmp);
        out << index.dump(1) << '\n';
        if (!out) throw Error("could not write the weight index", indexPath);
    });
}

void ModelBundle::importRawWeights(const std::string& folder)
{
    namespace fs = std::filesystem;
    const std::string indexPath = (fs::path(folder) / "weights.json").string();
    const std::string binPath = (fs::path(folder) / "weights.bin").string();
    std::ifstream indexFile(indexPath);
    if (!indexFile) throw Error("cannot open the weight index", indexPath);
    nlohmann::json index;
    try {
        index = nlohmann::json::parse(indexFile);
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("the weight index is not valid JSON (") + e.what() + ")", indexPath);
    }
    if (index.value("format", "") != kRawFormatTag) throw Error("not a REMAP raw weight index", indexPath);
    std::ifstream bin(binPath, std::ios::binary);
    if (!bin) throw Error("cannot open the raw weights", binPath);
    const std::string blob((std::istreambuf_iterator<char>(bin)), std::istreambuf_iterator<char>());
    std::map<std::string, torch::Tensor> loaded;
    try {
        for (const auto& entry : ml_detail::requireKey<nlohmann::json>(index, "tensors", "weight index")) {
            const auto name = ml_detail::requireKey<std::string>(entry, "name", "weight index entry");
            const auto dtype = ml_detail::requireKey<std::string>(entry, "dtype", "weight index entry");
            const auto shape = ml_detail::requireKey<std::vector<int64_t>>(entry, "shape", "weight index entry");
            const auto offset = ml_detail::requireKey<std::size_t>(entry, "offset", "weight index entry");
            if (dtype != "float32" && dtype != "int64")
                throw Error("tensor '" + name + "' has unsupported dtype " + dtype, indexPath);
            const auto type = dtype == "float32" ? torch::kFloat32 : torch::kInt64;
            auto t = torch::empty(shape, type);
            const auto bytes = static_cast<std::size_t>(t.numel()) * t.element_size();
            if (offset + bytes > blob.size())
                throw Error("the raw weights are truncated (tensor '" + name + "' runs past the end)", binPath);
            std::memcpy(t.data_ptr(), blob.data() + offset, bytes);
            loaded[name] = t;
        }
    } catch (const Error& e) {
        if (!e.file().empty()) throw;
        throw Error(e.problem(), indexPath);
    }
    assignState(impl_->network, loaded, indexPath);
}

const ModelCard& ModelBundle::card() const
{
    return impl_->card;
}

void ModelBundle::setCard(const ModelCard& card)
{
    if (!(card.network == impl_->card.network) || !(card.bins == impl_->card.bins))
        throw Error("setCard cannot change the architecture or the bins of an existing network");
    impl_->card = card;
    impl_->card.formatVersion = ModelCard::kFormatVersion;
}

const ReferenceSet& ModelBundle::reference() const
{
    return impl_->reference;
}

void ModelBundle::setReference(ReferenceSet reference)
{
    const auto n = reference.names.size();
    if (reference.labels.size() != n ||
        reference.embeddings.size() != n * static_cast<std::size_t>(impl_->card.network.embeddingSize))
        throw Error("reference set: embeddings, labels and names must describe the same number of spectra");
    impl_->reference = std::move(reference);
}

const std::optional<Spectrum>& ModelBundle::rvTemplate() const
{
    return impl_->rvTemplate;
}

void ModelBundle::setRvTemplate(std::optional<Spectrum> rvTemplate)
{
    if (rvTemplate) rvTemplate->finalize();
    impl_->rvTemplate = std::move(rvTemplate);
}

std::int64_t ModelBundle::parameterCount() const
{
    std::int64_t count = 0;
    for (const auto& p : impl_->network->parameters()) count += p.numel();
    return count;
}

std::string ModelBundle::sourcePath() const
{
    return impl_->sourcePath;
}

}  // namespace remap
