#include "io/formats/PhoenixFormats.h"

#include "base/Error.h"
#include "io/FitsFile.h"
#include "io/ReaderSupport.h"
#include "io/SpectralAxis.h"

#include <cmath>
#include <filesystem>
#include <memory>
#include <mutex>

namespace remap {

namespace fs = std::filesystem;
using namespace io;

namespace {

constexpr const char* kDefaultPhoenixUnit = "erg/s/cm^2/cm";

bool hasWavelengthKeywords(FitsFile& file)
{
    return file.hasKey("CTYPE1") || file.hasKey("CRVAL1");
}

bool primaryHasPhoenixHeader(FitsFile& file)
{
    file.moveTo(0);
    return file.hasKey("PHXTEFF");
}

std::vector<double> readPrimaryFlux(FitsFile& file)
{
    file.moveTo(0);
    const auto shape = file.imageShape();
    if (oneDimensionalLength(shape) <= 0)
        file.fail("the primary HDU holds a " + describeShape(shape) + " image, not a 1-D PHOENIX flux array");
    auto flux = file.readImage();
    requireSomeFinite(file, flux);
    return flux;
}

// Labels, unit, name and a few header values shared by both PHOENIX layouts (current HDU = 0).
void readPhoenixHeader(FitsFile& file, Spectrum& s)
{
    s.labels.teff = file.keyDouble("PHXTEFF");
    s.labels.logg = file.keyDouble("PHXLOGG");
    s.labels.feh = file.keyDouble("PHXM_H");
    s.labels.alpha = file.keyDouble("PHXALPHA");
    const auto unit = file.keyString("BUNIT");
    s.fluxUnit = unit && !unit->empty() ? *unit : kDefaultPhoenixUnit;
    if (const auto object = file.keyString("OBJECT"); object && !object->empty()) {
        s.objectName = *object;
    } else {
        std::string stem = fs::path(file.path()).filename().string();
        const auto cut = stem.find(".PHOENIX");
        s.objectName = cut != std::string::npos ? stem.substr(0, cut) : stem;
    }
    for (const char* key : {"PHXVER", "PHXEOS", "PHXDUST", "PHXXI_L", "PHXXI_M", "PHXXI_N", "PHXMXLEN"})
        copyKeyToMetadata(file, key, s, key);
}

// Search upwards from `start` (a folder) for the WAVE file.
std::string searchUpwards(fs::path dir)
{
    std::error_code ec;
    while (!dir.empty()) {
        const fs::path candidate = dir / kPhoenixWaveFileName;
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
        const fs::path parent = dir.parent_path();
        if (parent == dir) break;
        dir = parent;
    }
    return {};
}

// The last WAVE file read, kept while its size and time stamp are unchanged: reading a grid
// would otherwise load the same 12 MB once per flux file.
struct WaveCache {
    std::mutex mutex;
    std::string path;
    std::uintmax_t size = 0;
    fs::file_time_type time;
    std::shared_ptr<const std::vector<double>> wavelength;
};

std::shared_ptr<const std::vector<double>> loadWaveFile(const std::string& path)
{
    static WaveCache cache;
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    const auto time = fs::last_write_time(path, ec);
    {
        std::lock_guard lock(cache.mutex);
        if (!ec && cache.wavelength && cache.path == path && cache.size == size && cache.time == time)
            return cache.wavelength;
    }
    FitsFile wave = FitsFile::open(path);
    wave.moveTo(0);
    const auto shape = wave.imageShape();
    if (oneDimensionalLength(shape) <= 0)
        wave.fail("the PHOENIX wavelength file should hold a 1-D array in HDU 0, found " + describeShape(shape));
    auto values = std::make_shared<std::vector<double>>(wave.readImage());
    for (std::size_t i = 0; i < values->size(); ++i)
        if (!std::isfinite((*values)[i]) || (*values)[i] <= 0)
            wave.fail("wavelength " + std::to_string(i) + " in the PHOENIX wavelength file is not a positive number");
    std::shared_ptr<const std::vector<double>> result = std::move(values);
    if (!ec) {
        std::lock_guard lock(cache.mutex);
        cache.path = path;
        cache.size = size;
        cache.time = time;
        cache.wavelength = result;
    }
    return result;
}

}  // namespace

std::string findPhoenixWaveFile(const std::string& fluxPath, const std::string& explicitWaveFile)
{
    std::error_code ec;
    if (!explicitWaveFile.empty()) {
        if (fs::is_directory(explicitWaveFile, ec)) {
            const fs::path inside = fs::path(explicitWaveFile) / kPhoenixWaveFileName;
            if (fs::is_regular_file(inside, ec)) return inside.string();
            throw Error(
                std::string("the folder given as PHOENIX wavelength file does not contain ") + kPhoenixWaveFileName,
                explicitWaveFile);
        }
        if (!fs::is_regular_file(explicitWaveFile, ec))
            throw Error("the PHOENIX wavelength file given does not exist", explicitWaveFile);
        return explicitWaveFile;
    }
    const fs::path absolute = fs::absolute(fs::path(fluxPath), ec);
    const fs::path start = ec ? fs::path(fluxPath) : absolute;
    std::string found = searchUpwards(start.parent_path());
    if (found.empty()) {
        // The flux file may be a link into the real grid tree: search from its target as well.
        const fs::path real = fs::canonical(fs::path(fluxPath), ec);
        if (!ec && real.parent_path() != start.parent_path()) found = searchUpwards(real.parent_path());
    }
    return found;
}

bool PhoenixHiresFormat::matches(FitsFile& file) const
{
    return primaryHasPhoenixHeader(file) && !hasWavelengthKeywords(file);
}

Spectrum PhoenixHiresFormat::read(FitsFile& file, const ReadOptions& options) const
{
    file.moveTo(0);
    if (!file.hasKey("PHXTEFF")) file.fail("not a PHOENIX file: the primary header has no PHXTEFF");
    Spectrum s = startSpectrum(file, 0);
    s.flux = readPrimaryFlux(file);
    readPhoenixHeader(file, s);

    const std::string wavePath = findPhoenixWaveFile(file.path(), options.waveFile);
    if (wavePath.empty()) {
        std::error_code ec;
        const auto dir = fs::absolute(fs::path(file.path()), ec).parent_path().string();
        file.fail(std::string("PHOENIX HiRes flux without wavelength keywords, and the wavelength file ") +
                  kPhoenixWaveFileName + " was not found beside it or in any parent folder (searched from " + dir +
                  " up to the root); give it with --wave-file");
    }
    const auto wave = loadWaveFile(wavePath);
    if (wave->size() != s.flux.size())
        file.fail("the PHOENIX wavelength file " + wavePath + " has " + std::to_string(wave->size()) +
                  " points but the flux has " + std::to_string(s.flux.size()) +
                  " (a different grid or a R=10000 file?)");
    s.wavelength = *wave;
    s.medium = Medium::Vacuum;
    s.provenance.auxFile = wavePath;
    s.provenance.waveUnit = "Angstrom";
    s.provenance.waveUnitSource = "PHOENIX convention (the WAVE file is in Angstrom)";
    s.provenance.mediumSource = "PHOENIX convention (the WAVE file is in vacuum)";
    s.provenance.layout = "PHOENIX HiRes: 1-D flux image, wavelengths from the WAVE file";
    return s;
}

bool PhoenixMedresFormat::matches(FitsFile& file) const
{
    return primaryHasPhoenixHeader(file) && hasWavelengthKeywords(file);
}

Spectrum PhoenixMedresFormat::read(FitsFile& file, const ReadOptions& options) const
{
    file.moveTo(0);
    if (!file.hasKey("PHXTEFF")) file.fail("not a PHOENIX file: the primary header has no PHXTEFF");
    if (!hasWavelengthKeywords(file))
        file.fail(
            "this PHOENIX file has no wavelength keywords (CTYPE1/CRVAL1): it is a HiRes file, "
            "read it as phoenix-hires with its WAVE file");
    Spectrum s = startSpectrum(file, 0);
    s.flux = readPrimaryFlux(file);
    readPhoenixHeader(file, s);
    // CTYPE1 '*-LOG' with CRVAL1 < 10 is ln(Angstrom) here, never the FITS -LOG rule in metres.
    AxisEvidence evidence;
    evidence.overrideUnit = options.waveUnit;
    DecidedAxis axis = decideImageAxis(file, s.flux.size(), evidence, "the primary HDU's wavelength axis");
    s.wavelength = std::move(axis.wavelength);
    s.warnings = axis.wcs.warnings;
    s.warnings.insert(s.warnings.end(), axis.unit.warnings.begin(), axis.unit.warnings.end());
    s.medium = axis.wcs.medium;
    s.provenance.mediumSource = axis.wcs.medium == Medium::Unknown ? "not stated" : axis.wcs.mediumSource;
    s.provenance.waveUnit = axis.unit.unit;
    s.provenance.waveUnitSource = axis.unit.source;
    s.provenance.layout = "PHOENIX R=10000: 1-D image, CTYPE1 '" + axis.wcs.ctype + "'" +
                          (axis.wcs.scale == SpectralWcs::Scale::Ln ? ", CRVAL1 = ln(wavelength)" : "");
    return s;
}

}  // namespace remap
