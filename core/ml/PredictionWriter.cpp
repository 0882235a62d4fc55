#include "PredictionWriter.h"

#include "base/AtomicFile.h"
#include "base/Error.h"
#include "io/FitsFile.h"
#include "ml/ParameterBins.h"

#include <hdf5.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

namespace remap {
namespace {

enum class TableFormat { Csv, Fits, Hdf5 };

TableFormat formatFor(const std::string& path)
{
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".csv") return TableFormat::Csv;
    if (ext == ".fits" || ext == ".fit") return TableFormat::Fits;
    if (ext == ".h5" || ext == ".hdf5") return TableFormat::Hdf5;
    throw Error("unknown output format '" + ext + "' (use .csv, .fits or .h5)", path);
}

std::string joinFlags(const std::vector<std::string>& flags)
{
    std::string out;
    for (const auto& f : flags) out += (out.empty() ? "" : "; ") + f;
    return out;
}

// The scalar columns shared by every format.
struct Column {
    std::string name;
    std::string unit;
    std::function<double(std::size_t)> value;
    bool flag = false;  // 0/1 column
};

std::vector<Column> scalarColumns(const std::vector<Prediction>& preds, const std::vector<ReferenceLabels>& reference)
{
    std::vector<Column> cols;
    const char* units[3] = {"K", "dex", "dex"};
    for (int p = 0; p < 3; ++p) {
        const std::string n(paramName(static_cast<Param>(p)));
        auto add = [&](const std::string& suffix, double ParameterPosterior::*member) {
            cols.push_back({n + suffix, units[p], [&preds, p, member](std::size_t i) { return preds[i][p].*member; }});
        };
        add("_mean", &ParameterPosterior::mean);
        add("_median", &ParameterPosterior::median);
        add("_mode", &ParameterPosterior::mode);
        add("_p16", &ParameterPosterior::p16);
        add("_p84", &ParameterPosterior::p84);
        add("_hdi68_lo", &ParameterPosterior::hdi68Lo);
        add("_hdi68_hi", &ParameterPosterior::hdi68Hi);
        add("_hdi95_lo", &ParameterPosterior::hdi95Lo);
        add("_hdi95_hi", &ParameterPosterior::hdi95Hi);
        cols.push_back(
            {n + "_multimodal", "", [&preds, p](std::size_t i) { return preds[i][p].multimodal ? 1.0 : 0.0; }, true});
        cols.push_back(
            {n + "_edge", "", [&preds, p](std::size_t i) { return preds[i][p].edgePileUp ? 1.0 : 0.0; }, true});
    }
    cols.push_back({"snr", "", [&preds](std::size_t i) { return preds[i].snr; }});
    cols.push_back({"rv_kms", "km/s", [&preds](std::size_t i) { return preds[i].rv; }});
    cols.push_back({"masked_fraction", "", [&preds](std::size_t i) { return preds[i].maskedFraction; }});
    if (!reference.empty())
        for (int p = 0; p < 3; ++p)
            cols.push_back({std::string(paramName(static_cast<Param>(p))) + "_ref", units[p],
                            [&reference, p](std::size_t i) { return reference[i][static_cast<std::size_t>(p)]; }});
    return cols;
}

std::string csvField(const std::string& text)
{
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string number(double v, bool flag)
{
    if (!std::isfinite(v)) return "nan";
    char buf[40];
    std::snprintf(buf, sizeof buf, flag ? "%.0f" : "%.7g", v);
    return buf;
}

void writeCsv(const std::string& tmp, const std::vector<Prediction>& preds, const std::vector<Column>& cols)
{
    std::ofstream out(tmp);
    out << "file";
    for (const auto& c : cols) out << ',' << c.name;
    out << ",flags\n";
    for (std::size_t i = 0; i < preds.size(); ++i) {
        out << csvField(preds[i].source);
        for (const auto& c : cols) out << ',' << number(c.value(i), c.flag);
        out << ',' << csvField(joinFlags(preds[i].flags)) << '\n';
    }
    out.close();
    if (!out) throw Error("could not write the prediction table", tmp);
}

void writeFits(const std::string& tmp, const std::vector<Prediction>& preds, const std::vector<Column>& cols,
               const std::string& modelName)
{
    const auto n = preds.size();
    std::size_t fileWidth = 1, flagWidth = 1;
    for (const auto& p : preds) {
        fileWidth = std::max(fileWidth, p.source.size());
        flagWidth = std::max(flagWidth, joinFlags(p.flags).size());
    }
    const std::size_t embedding = n ? preds.front().embedding.size() : 0;
    std::vector<FitsFile::ColumnSpec> specs{{"FILE", std::to_string(fileWidth) + "A", ""}};
    auto upper = [](std::string s) {
        std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
        return s;
    };
    for (const auto& c : cols) specs.push_back({upper(c.name), c.flag ? "B" : "D", c.unit});
    specs.push_back({"FLAGS", std::to_string(flagWidth) + "A", ""});
    if (embedding) specs.push_back({"EMBEDDING", std::to_string(embedding) + "E", ""});
    for (int p = 0; p < 3 && n; ++p)
        specs.push_back({upper(std::string(paramName(static_cast<Param>(p)))) + "_PROB",
                         std::to_string(preds.front()[p].probabilities.size()) + "E", ""});

    auto file = FitsFile::create(tmp);
    file.createEmptyPrimary();
    file.writeKey("ORIGIN", std::string("REMAP Studio"), "deep-REMAP predictions");
    if (!modelName.empty()) file.writeKey("MODEL", modelName, "model bundle name");
    file.createTable("PREDICTIONS", specs, static_cast<long>(n));
    int col = 1;
    std::vector<std::string> files;
    for (const auto& p : preds) files.push_back(p.source.empty() ? " " : p.source);
    file.writeColumn(col++, files);
    for (const auto& c : cols) {
        std::vector<double> values(n);
        for (std::size_t i = 0; i < n; ++i) values[i] = c.value(i);
        if (c.flag) {
            std::vector<std::uint8_t> bytes(values.begin(), values.end());
            file.writeColumn(col++, bytes);
        } else {
            file.writeColumn(col++, values);
        }
    }
    std::vector<std::string> flags;
    for (const auto& p : preds) flags.push_back(p.flags.empty() ? " " : joinFlags(p.flags));
    file.writeColumn(col++, flags);
    if (embedding) {
        std::vector<double> values;
        for (const auto& p : preds) values.insert(values.end(), p.embedding.begin(), p.embedding.end());
        file.writeColumn(col++, values);
    }
    for (int p = 0; p < 3 && n; ++p) {
        std::vector<double> values;
        for (const auto& pred : preds)
            values.insert(values.end(), pred[p].probabilities.begin(), pred[p].probabilities.end());
        file.writeColumn(col++, values);
        const auto& c = preds.front()[p].binCentres;
        const double w = c.size() > 1 ? c[1] - c[0] : 0.0;
        const std::string key = upper(std::string(paramName(static_cast<Param>(p))));
        file.writeKey(key + "_MIN", c.front() - 0.5 * w, "lower edge of the first posterior bin");
        file.writeKey(key + "_MAX", c.back() + 0.5 * w, "upper edge of the last posterior bin");
        file.writeKey(key + "_NBIN", static_cast<long long>(c.size()), "posterior bins");
    }
    file.close();
}

// Minimal RAII for HDF5 identifiers.
struct H5 {
    hid_t id;
    herr_t (*close)(hid_t);
    H5(hid_t i, herr_t (*c)(hid_t), const std::string& what, const std::string& file) : id(i), close(c)
    {
        if (id < 0) throw Error("HDF5: could not " + what, file);
    }
    ~H5()
    {
        if (id >= 0) close(id);
    }
    H5(const H5&) = delete;
    H5& operator=(const H5&) = delete;
};

void h5Write(hid_t parent, const std::string& name, hid_t memType, hid_t fileType, const std::vector<hsize_t>& dims,
             const void* data, const std::string& file)
{
    H5 space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose, "create a dataspace",
             file);
    H5 set(H5Dcreate2(parent, name.c_str(), fileType, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose,
           "create dataset " + name, file);
    if (!dims.empty() && dims[0] > 0 && H5Dwrite(set.id, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        throw Error("HDF5: could not write dataset " + name, file);
}

void h5Strings(hid_t parent, const std::string& name, const std::vector<std::string>& values, const std::string& file)
{
    H5 type(H5Tcopy(H5T_C_S1), H5Tclose, "create a string type", file);
    H5Tset_size(type.id, H5T_VARIABLE);
    H5Tset_cset(type.id, H5T_CSET_UTF8);
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    h5Write(parent, name, type.id, type.id, {values.size()}, ptrs.data(), file);
}

void writeHdf5(const std::string& tmp, const std::vector<Prediction>& preds, const std::vector<Column>& cols,
               const std::string& modelName)
{
    H5 file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, "create the file", tmp);
    H5 table(H5Gcreate2(file.id, "predictions", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "create a group",
             tmp);
    const auto n = preds.size();
    std::vector<std::string> files, flags;
    for (const auto& p : preds) {
        files.push_back(p.source);
        flags.push_back(joinFlags(p.flags));
    }
    h5Strings(table.id, "file", files, tmp);
    h5Strings(table.id, "flags", flags, tmp);
    h5Strings(table.id, "model", {modelName}, tmp);
    for (const auto& c : cols) {
        std::vector<double> values(n);
        for (std::size_t i = 0; i < n; ++i) values[i] = c.value(i);
        h5Write(table.id, c.name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {n}, values.data(), tmp);
    }
    const std::size_t e = n ? preds.front().embedding.size() : 0;
    std::vector<float> embedding;
    for (const auto& p : preds) embedding.insert(embedding.end(), p.embedding.begin(), p.embedding.end());
    h5Write(table.id, "embedding", H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, {n, e}, embedding.data(), tmp);
    H5 posteriors(H5Gcreate2(file.id, "posteriors", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "create a group",
                  tmp);
    for (int p = 0; p < 3 && n; ++p) {
        H5 group(H5Gcreate2(posteriors.id, std::string(paramName(static_cast<Param>(p))).c_str(), H5P_DEFAULT,
                            H5P_DEFAULT, H5P_DEFAULT),
                 H5Gclose, "create a group", tmp);
        const auto& c = preds.front()[p].binCentres;
        h5Write(group.id, "bin_centres", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {c.size()}, c.data(), tmp);
        std::vector<float> probs;
        for (const auto& pred : preds)
            probs.insert(probs.end(), pred[p].probabilities.begin(), pred[p].probabilities.end());
        h5Write(group.id, "probabilities", H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, {n, c.size()}, probs.data(), tmp);
    }
}

}  // namespace

void writePredictions(const std::string& path, const std::vector<Prediction>& predictions,
                      const std::vector<ReferenceLabels>& reference, const std::string& modelName)
{
    const auto format = formatFor(path);
    if (!reference.empty() && reference.size() != predictions.size())
        throw Error("reference labels must be given for every prediction or for none", path);
    const auto cols = scalarColumns(predictions, reference);
    writeAtomically(path, [&](const std::string& tmp) {
        switch (format) {
            case TableFormat::Csv:
                writeCsv(tmp, predictions, cols);
                break;
            case TableFormat::Fits:
                writeFits(tmp, predictions, cols, modelName);
                break;
            case TableFormat::Hdf5:
                writeHdf5(tmp, predictions, cols, modelName);
                break;
        }
    });
}

nlohmann::json predictionToJson(const Prediction& prediction, bool withHistograms)
{
    nlohmann::json j;
    j["file"] = prediction.source;
    for (Param p : kAllParams)
        j[std::string(paramName(p))] = posteriorToJson(prediction[static_cast<int>(p)], withHistograms);
    j["flags"] = prediction.flags;
    j["snr"] = prediction.snr;
    j["rv_kms"] = std::isfinite(prediction.rv) ? nlohmann::json(prediction.rv) : nlohmann::json(nullptr);
    j["masked_fraction"] = prediction.maskedFraction;
    return j;
}

}  // namespace remap
