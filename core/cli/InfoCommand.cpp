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

nlohmann::json describe(const std::string& file, const Spectrum& s)
{
    nlohmann::json j;
    j["file"] = file;
    j["format"] = s.provenance.format;
    j["hdu"] = s.provenance.hdu;
    j["npix"] = s.size();
    j["wave_min"] = s.wavelength.front();
    j["wave_max"] = s.wavelength.back();
    j["medium"] = std::string(toString(s.medium));
    j["flux_unit"] = s.fluxUnit;
    j["snr"] = estimateSnr(s);
    j["n_masked"] = s.maskedCount();
    if (!s.objectName.empty()) j["object"] = s.objectName;
    if (!s.provenance.auxFile.empty()) j["wave_file"] = s.provenance.auxFile;
    if (s.labels.teff) j["teff"] = *s.labels.teff;
    if (s.labels.logg) j["logg"] = *s.labels.logg;
    if (s.labels.feh) j["feh"] = *s.labels.feh;
    if (s.labels.alpha) j["alpha"] = *s.labels.alpha;
    return j;
}

void printText(const nlohmann::json& j)
{
    std::printf("%s\n", j["file"].get<std::string>().c_str());
    std::printf("  format      %s (HDU %d)\n", j["format"].get<std::string>().c_str(), j["hdu"].get<int>());
    if (j.contains("object")) std::printf("  object      %s\n", j["object"].get<std::string>().c_str());
    std::printf("  pixels      %zu (%zu masked)\n", j["npix"].get<std::size_t>(), j["n_masked"].get<std::size_t>());
    std::printf("  wavelength  %.3f - %.3f A (%s)\n", j["wave_min"].get<double>(), j["wave_max"].get<double>(),
                j["medium"].get<std::string>().c_str());
    if (j.contains("wave_file")) std::printf("  wave file   %s\n", j["wave_file"].get<std::string>().c_str());
    std::printf("  flux unit   %s\n",
                j["flux_unit"].get<std::string>().empty() ? "(not given)" : j["flux_unit"].get<std::string>().c_str());
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
        "Describe spectrum files: detected format, pixels, wavelength range and medium, S/N, masked pixels, labels.\n"
        "Reads FITS (PHOENIX, SDSS, APOGEE, LAMOST, IRAF, 1-D WCS, tables, remap-1d) and text spectra.\n"
        "Exit status 0 when every file was read, 3 when any could not be (reasons on stderr).");
    cmd->add_option("files", options->files, "Spectrum files")->required()->check(CLI::ExistingPath);
    std::string formats;
    for (const auto& name : spectrumFormatNames()) formats += (formats.empty() ? "" : ", ") + name;
    cmd->add_option("--format", options->read.format, "Force a layout instead of auto-detection: " + formats)
        ->check(CLI::IsMember(spectrumFormatNames()));
    cmd->add_option("--wave-file", options->read.waveFile,
                    "PHOENIX HiRes wavelength file (default: searched beside the file and in parent folders)");
    cmd->add_option("--order", options->read.order, "IRAF multispec: which specN to read (default 1)");
    cmd->add_option("--row", options->read.row, "APOGEE apStar: row to read (0 = combined spectrum)");
    cmd->add_flag("--json", options->json,
                  "Print one JSON array of objects with file, format, npix, wave_min, wave_max, medium, snr, "
                  "n_masked (and teff, logg, feh when known)");
    cmd->callback([options, &state] { runInfo(*options, state); });
}

}  // namespace remap::cli
