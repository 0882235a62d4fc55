#include "Commands.h"
#include "base/Error.h"
#include "io/SpectrumReader.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace remap::cli {
namespace {

struct InfoOptions {
    std::vector<std::string> files;
    ReadOptions read;
    bool json = false;
};

double fraction(std::size_t part, std::size_t whole)
{
    return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

nlohmann::json describe(const std::string& file, const Spectrum& s)
{
    nlohmann::json j;
    j["file"] = file;
    j["format"] = s.provenance.format;
    j["hdu"] = s.provenance.hdu;
    j["layout"] = s.provenance.layout;
    j["npix"] = s.size();
    j["wave_min"] = s.wavelength.front();
    j["wave_max"] = s.wavelength.back();
    j["wave_unit"] = s.provenance.waveUnit;
    j["wave_unit_source"] = s.provenance.waveUnitSource;
    j["medium"] = std::string(toString(s.medium));
    j["medium_source"] = s.provenance.mediumSource;
    j["flux_unit"] = s.fluxUnit;
    j["flux_kind"] = s.provenance.fluxKind;
    if (!s.provenance.columns.empty()) j["columns"] = s.provenance.columns;
    if (s.provenance.orders > 0) j["orders"] = s.provenance.orders;
    j["snr"] = estimateSnr(s);
    j["n_masked"] = s.maskedCount();
    const MaskedPixels& m = s.provenance.masked;
    const std::size_t n = s.size();
    // Fractions of the pixels in the result; trimmed order edges are not in it (fraction of result + trimmed).
    j["masked_fraction"] = {
        {"total", fraction(s.maskedCount(), n)},  {"flagged_by_file", fraction(m.flagged, n)},
        {"non_finite", fraction(m.nonFinite, n)}, {"zero_or_negative", fraction(m.nonPositive, n)},
        {"saturated", fraction(m.saturated, n)},  {"trimmed_order_edges", fraction(m.trimmed, n + m.trimmed)}};
    j["warnings"] = s.warnings;
    if (!s.objectName.empty()) j["object"] = s.objectName;
    if (!s.provenance.auxFile.empty()) j["wave_file"] = s.provenance.auxFile;
    if (s.labels.teff) j["teff"] = *s.labels.teff;
    if (s.labels.logg) j["logg"] = *s.labels.logg;
    if (s.labels.feh) j["feh"] = *s.labels.feh;
    if (s.labels.alpha) j["alpha"] = *s.labels.alpha;
    return j;
}

std::string percent(double f)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2g %%", 100.0 * f);
    return buffer;
}

void printText(const nlohmann::json& j)
{
    auto text = [&](const char* key) { return j.contains(key) ? j[key].get<std::string>() : std::string(); };
    std::printf("%s\n", text("file").c_str());
    std::printf("  format      %s (HDU %d)\n", text("format").c_str(), j["hdu"].get<int>());
    if (!text("layout").empty()) std::printf("  layout      %s\n", text("layout").c_str());
    if (j.contains("object")) std::printf("  object      %s\n", text("object").c_str());
    std::printf("  pixels      %zu (%zu masked)\n", j["npix"].get<std::size_t>(), j["n_masked"].get<std::size_t>());
    std::printf("  wavelength  %.3f - %.3f A\n", j["wave_min"].get<double>(), j["wave_max"].get<double>());
    std::printf("  unit        %s in the file (%s)\n", text("wave_unit").c_str(), text("wave_unit_source").c_str());
    std::printf("  medium      %s (%s)\n", text("medium").c_str(), text("medium_source").c_str());
    if (j.contains("columns")) std::printf("  columns     %s\n", text("columns").c_str());
    if (j.contains("orders")) std::printf("  orders      %d\n", j["orders"].get<int>());
    if (j.contains("wave_file")) std::printf("  wave file   %s\n", text("wave_file").c_str());
    std::printf("  flux unit   %s\n", text("flux_unit").empty() ? "(not given)" : text("flux_unit").c_str());
    std::printf("  flux        %s\n", text("flux_kind").c_str());
    const auto& m = j["masked_fraction"];
    std::printf("  masked      %s", percent(m["total"].get<double>()).c_str());
    const std::pair<const char*, const char*> causes[] = {{"flagged_by_file", "flagged by the file"},
                                                          {"non_finite", "NaN/inf"},
                                                          {"zero_or_negative", "zero or negative runs"},
                                                          {"saturated", "saturated"}};
    std::string parts;
    for (const auto& [key, label] : causes)
        if (m[key].get<double>() > 0)
            parts += (parts.empty() ? "" : ", ") + percent(m[key].get<double>()) + " " + label;
    if (!parts.empty()) std::printf(" (%s)", parts.c_str());
    if (m["trimmed_order_edges"].get<double>() > 0)
        std::printf("; %s of the order pixels trimmed at collapsing edges",
                    percent(m["trimmed_order_edges"].get<double>()).c_str());
    std::printf("\n");
    const double snr = j["snr"].get<double>();
    if (snr > 0)
        std::printf("  S/N         %.1f per pixel (DER_SNR)\n", snr);
    else
        std::printf("  S/N         not estimable (noiseless or too few pixels)\n");
    if (j.contains("teff") || j.contains("logg") || j.contains("feh")) {
        std::printf("  labels     ");
        if (j.contains("teff")) std::printf(" Teff %.0f K", j["teff"].get<double>());
        if (j.contains("logg")) std::printf("  log g %.2f", j["logg"].get<double>());
        if (j.contains("feh")) std::printf("  [Fe/H] %+.2f", j["feh"].get<double>());
        if (j.contains("alpha")) std::printf("  [alpha/M] %+.2f", j["alpha"].get<double>());
        std::printf("\n");
    }
    const auto& warnings = j["warnings"];
    if (warnings.empty()) {
        std::printf("  warnings    none\n");
    } else {
        std::printf("  warnings    %zu\n", warnings.size());
        for (const auto& w : warnings) std::printf("    - %s\n", w.get<std::string>().c_str());
    }
}

void runInfo(const InfoOptions& options, CliState& state)
{
    nlohmann::json all = nlohmann::json::array();
    int failed = 0;
    for (const auto& file : options.files) {
        try {
            const Spectrum s = readSpectrum(file, options.read);
            auto j = describe(file, s);
            if (options.json)
                all.push_back(std::move(j));
            else
                printText(j);
        } catch (const Cancelled&) {
            throw;
        } catch (const Error& e) {
            ++failed;
            std::cerr << "remap info: " << e.what() << '\n';
        }
    }
    if (options.json) printJson(all);
    if (failed) state.exitCode = kExitSomeFailed;
}

}  // namespace

void addInfoCommand(CLI::App& app, CliState& state)
{
    auto options = std::make_shared<InfoOptions>();
    auto* cmd = app.add_subcommand(
        "info",
        "Describe spectrum files: detected layout, pixels, wavelength range, the file's wavelength unit and the\n"
        "medium with where each came from, flux kind, masked pixels by cause, S/N, labels and the reader's warnings.\n"
        "Reads FITS (PHOENIX, SDSS, APOGEE, LAMOST LRS/MRS, IRAF 1-D and multispec, echelle order images, 1-D WCS,\n"
        "tables, remap-1d) and text spectra (iSpec, LibreESpRIT .s, CSV, ASCII), also gzip-compressed.\n"
        "Exit status 0 when every file was read, 3 when any could not be (reasons on stderr).");
    cmd->add_option("files", options->files, "Spectrum files")->required()->check(CLI::ExistingPath);
    std::string formats;
    for (const auto& name : spectrumFormatNames()) formats += (formats.empty() ? "" : ", ") + name;
    cmd->add_option("--format", options->read.format, "Force a layout instead of auto-detection: " + formats)
        ->check(CLI::IsMember(spectrumFormatNames()));
    cmd->add_option("--wave-file", options->read.waveFile,
                    "PHOENIX HiRes wavelength file (default: searched beside the file and in parent folders)");
    cmd->add_option("--order", options->read.order,
                    "Echelle files (IRAF multispec, order images), LAMOST MRS arms, IRAF apertures: read order N "
                    "alone (1-based); default 0 merges the orders into one spectrum");
    cmd->add_option("--row", options->read.row, "APOGEE apStar: row to read (0 = combined spectrum)");
    cmd->add_option("--columns", options->read.columns,
                    "Tables and text: WAVE,FLUX[,ERR] column names or 1-based numbers, instead of choosing them "
                    "by name and content")
        ->delimiter(',')
        ->expected(2, 3);
    cmd->add_option("--wave-unit", options->read.waveUnit,
                    "The unit the file's wavelengths are in (Angstrom, nm, um, m), overriding its keywords and "
                    "the range");
    cmd->add_flag("--json", options->json,
                  "Print one JSON array of objects with file, format, hdu, layout, npix, wave_min, wave_max, "
                  "wave_unit, wave_unit_source, medium, medium_source, flux_unit, flux_kind, columns, orders, snr, "
                  "n_masked, masked_fraction (total, flagged_by_file, non_finite, zero_or_negative, saturated, "
                  "trimmed_order_edges), warnings (and object, teff, logg, feh, alpha when known)");
    cmd->callback([options, &state] { runInfo(*options, state); });
}

}  // namespace remap::cli
