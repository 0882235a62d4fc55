#include "tables/AspcapTable.h"

#include <cstdio>

namespace remap::tables {

const std::vector<StarFlagInfo>& starFlags()
{
    static const std::vector<StarFlagInfo> flags = {
        {StarFlag::LowSnr, "LOW_SNR", "signal-to-noise too low for a reliable answer"},
        {StarFlag::ManyMaskedPixels, "MANY_MASKED_PIXELS", "a large share of the network input was masked"},
        {StarFlag::TeffOutsideTrainedRange, "TEFF_OUTSIDE_TRAINED", "Teff outside the range the model was trained on"},
        {StarFlag::LoggOutsideTrainedRange, "LOGG_OUTSIDE_TRAINED", "log g outside the trained range"},
        {StarFlag::FehOutsideTrainedRange, "FE_H_OUTSIDE_TRAINED", "[Fe/H] outside the trained range"},
        {StarFlag::TeffMultimodal, "TEFF_MULTIMODAL", "the Teff posterior has more than one peak"},
        {StarFlag::LoggMultimodal, "LOGG_MULTIMODAL", "the log g posterior has more than one peak"},
        {StarFlag::FehMultimodal, "FE_H_MULTIMODAL", "the [Fe/H] posterior has more than one peak"},
        {StarFlag::TeffEdgePileUp, "TEFF_EDGE", "Teff posterior piles up at an edge of the grid"},
        {StarFlag::LoggEdgePileUp, "LOGG_EDGE", "log g posterior piles up at an edge of the grid"},
        {StarFlag::FehEdgePileUp, "FE_H_EDGE", "[Fe/H] posterior piles up at an edge of the grid"},
        {StarFlag::PreprocessingWarning, "PREPROCESSING", "preprocessing warned about the spectrum"},
        {StarFlag::Other, "OTHER", "another warning (see the log of the run)"},
    };
    return flags;
}

StarFlag starFlagFromCode(const std::string& code)
{
    if (code == "low_snr") return StarFlag::LowSnr;
    if (code == "many_masked_pixels") return StarFlag::ManyMaskedPixels;
    if (code.rfind("preprocessing:", 0) == 0 || code == "preprocessing") return StarFlag::PreprocessingWarning;
    const auto colon = code.find(':');
    if (colon == std::string::npos) return StarFlag::Other;
    const std::string kind = code.substr(0, colon), param = code.substr(colon + 1);
    const int p = param == "teff" ? 0 : param == "logg" ? 1 : param == "feh" ? 2 : -1;
    if (p < 0) return StarFlag::Other;
    if (kind == "outside_trained_range") return static_cast<StarFlag>(2 + p);
    if (kind == "multimodal") return static_cast<StarFlag>(5 + p);
    if (kind == "edge_pile_up" || kind == "edge") return static_cast<StarFlag>(8 + p);
    return StarFlag::Other;
}

namespace {

template <typename Get>
std::vector<double> doubles(const std::vector<StarResult>& stars, Get get)
{
    std::vector<double> out;
    out.reserve(stars.size());
    for (const auto& s : stars) out.push_back(get(s));
    return out;
}

void addParameter(ResultTable& table, const std::vector<StarResult>& stars, const std::string& column,
                  ParameterResult StarResult::*member, const std::string& unit, const std::string& ucd,
                  const std::string& words, const ModelInfo& model)
{
    auto get = [&](double ParameterResult::*field) {
        return doubles(stars, [&](const StarResult& s) { return (s.*member).*field; });
    };
    table.addColumn({column, unit, words + ", " + model.estimator, ucd, get(&ParameterResult::value)});
    table.addColumn({column + "_ERR", unit, words + ", 1-sigma uncertainty (half the 16-84 percentile range)",
                     "stat.error;" + ucd, get(&ParameterResult::error)});
    table.addColumn(
        {column + "_P16", unit, words + ", 16th percentile of the posterior", {}, get(&ParameterResult::p16)});
    table.addColumn({column + "_P50", unit, words + ", median of the posterior", {}, get(&ParameterResult::p50)});
    table.addColumn(
        {column + "_P84", unit, words + ", 84th percentile of the posterior", {}, get(&ParameterResult::p84)});
}

}  // namespace

ResultTable aspcapTable(const std::vector<StarResult>& stars, const ModelInfo& model)
{
    ResultTable table;
    table.name = "REMAP_ASPCAP";
    table.description =
        "Stellar parameters predicted by REMAP Studio, one row per spectrum, columns named as in "
        "APOGEE/ASPCAP allStar";
    std::vector<std::string> files, names;
    bool anyName = false;
    for (const auto& s : stars) {
        files.push_back(s.file);
        names.push_back(s.name);
        anyName = anyName || !s.name.empty();
    }
    table.addColumn({"FILE", {}, "the spectrum's file or URL", "meta.id;meta.file", files});
    if (anyName) table.addColumn({"OBJ", {}, "object name", "meta.id;meta.main", names});
    addParameter(table, stars, "TEFF", &StarResult::teff, "K", "phys.temperature.effective", "effective temperature",
                 model);
    addParameter(table, stars, "LOGG", &StarResult::logg, "dex", "phys.gravity", "surface gravity log10(g/cm s^-2)",
                 model);
    addParameter(table, stars, "FE_H", &StarResult::feh, "dex", "phys.abund.Fe", "iron abundance [Fe/H]", model);
    table.addColumn({"SNR", {}, "signal-to-noise ratio per pixel", "stat.snr", doubles(stars, [](const StarResult& s) {
                         return s.snr;
                     })});
    table.addColumn({"VHELIO", "km/s", "heliocentric radial velocity", "spect.dopplerVeloc.opt",
                     doubles(stars, [](const StarResult& s) { return s.vhelio; })});
    std::vector<std::int64_t> flags;
    for (const auto& s : stars) flags.push_back(static_cast<std::int64_t>(s.flags));
    table.addColumn({"FLAGS", {}, "bitmask of warnings: bit n means keyword FLAGBnn", "meta.code.qual", flags});

    table.setKeyword({"MODEL", model.name, "network that produced the parameters"});
    table.setKeyword({"MODELVER", model.version, "version of that network"});
    table.setKeyword({"ORIGIN", std::string("REMAP Studio"), "software that wrote the table"});
    for (const auto& f : starFlags()) {
        char key[16];
        std::snprintf(key, sizeof key, "FLAGB%02u", static_cast<unsigned>(f.flag));
        table.setKeyword({key, std::string(f.name), f.meaning});
    }
    return table;
}

}  // namespace remap::tables
