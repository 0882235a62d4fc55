#include "io/SpectrumReader.h"

#include "base/Error.h"
#include "io/BadPixels.h"
#include "io/Compression.h"
#include "io/FitsFile.h"
#include "io/FormatRegistry.h"
#include "io/ReaderSupport.h"
#include "io/TextSpectrumReader.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <new>

namespace remap {

namespace fs = std::filesystem;
using namespace io;

namespace {

constexpr const char* kTextFormat = "text";
// Wavelengths outside this range mean a wrong unit or a missed log scale that no unit decision caught
// (e.g. a forced --wave-unit).
constexpr double kMinPlausibleAngstrom = 10.0;
constexpr double kMaxPlausibleAngstrom = 1e7;  // 1 mm

enum class FileKind { Fits, Text };

struct Sniffed {
    FileKind kind = FileKind::Text;
    bool compressed = false;
};

bool hasFitsExtension(const std::string& path)
{
    std::string name = toLower(fs::path(path).filename().string());
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) name.resize(name.size() - 3);
    const std::string ext = fs::path(name).extension().string();
    return ext == ".fits" || ext == ".fit" || ext == ".fts" || ext == ".fz";
}

Sniffed sniff(const std::string& path)
{
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) throw Error("no such file", path);
    if (fs::is_directory(status)) throw Error("this is a folder, not a spectrum file", path);
    if (!fs::is_regular_file(status)) throw Error("not a regular file", path);
    const auto size = fs::file_size(path, ec);
    if (ec) throw Error("cannot determine the file size: " + ec.message(), path);
    if (size == 0) throw Error("the file is empty (0 bytes)", path);
    Sniffed out;
    const std::string raw = readHead(path, 9);
    const Compression compression = compressionOf(raw);
    if (compression == Compression::Bzip2 || compression == Compression::UnixCompress)
        readDecompressed(path);  // throws, naming the compression
    out.compressed = compression == Compression::Gzip;
    const std::string head = readContentHead(path, 9);
    if (head.size() >= 9 && head.compare(0, 9, "SIMPLE  =") == 0)
        out.kind = FileKind::Fits;
    else if (hasFitsExtension(path))
        out.kind = FileKind::Fits;  // FitsFile::open explains what is wrong
    else
        out.kind = FileKind::Text;
    return out;
}

std::string triedList()
{
    std::string out;
    for (const auto& f : fitsFormats()) out += (out.empty() ? "" : ", ") + std::string(f->name());
    return out;
}

const SpectrumFormat* firstMatch(FitsFile& file)
{
    for (const auto& format : fitsFormats())
        if (format->matches(file)) return format.get();
    return nullptr;
}

bool hasTable(FitsFile& file)
{
    for (int h = 1; h < file.hduCount(); ++h) {
        file.moveTo(h);
        if (file.hduType() != FitsFile::HduType::Image) return true;
    }
    return false;
}

const SpectrumFormat& detect(FitsFile& file, const ReadOptions& options)
{
    if (const auto* format = firstMatch(file)) return *format;
    // Columns the user named: the generic table reader takes a table whose names it cannot tell.
    if (!options.columns.empty() && hasTable(file)) return *findFitsFormat("tabular");
    file.moveTo(0);
    const auto shape = file.imageShape();
    if (shape.size() >= 2 && oneDimensionalLength(shape) == 0)
        throw Error("the primary HDU holds a " + std::to_string(shape.size()) + "-D image (" + describeShape(shape) +
                        "), which is not a 1-D spectrum in any known layout (tried: " + triedList() + ")",
                    file.path(), 0);
    throw Error("no known spectrum layout matches this file (tried: " + triedList() + ")" +
                    (hasTable(file) ? "; if a table holds the spectrum, --columns WAVE,FLUX names its columns" : ""),
                file.path());
}

const SpectrumFormat& forced(FitsFile& file, const std::string& name)
{
    const SpectrumFormat* format = findFitsFormat(name);
    if (format->matches(file)) return *format;
    std::string message = "the file does not have the '" + name + "' layout (" + std::string(format->signature()) + ")";
    if (const auto* detected = firstMatch(file)) message += "; it looks like '" + std::string(detected->name()) + "'";
    throw Error(message, file.path());
}

bool isKnownFormat(const std::string& name)
{
    return name == kTextFormat || findFitsFormat(name) != nullptr;
}

void checkPlausibleWavelengths(const Spectrum& s)
{
    const double lo = s.wavelength.front(), hi = s.wavelength.back();
    if (lo < kMinPlausibleAngstrom || hi > kMaxPlausibleAngstrom)
        throw Error("the wavelength solution gives " + formatNumber(lo) + " to " + formatNumber(hi) +
                        " Angstrom, which is not a plausible spectrum (10 Angstrom to 1 mm); is the wavelength "
                        "unit (CUNIT1, --wave-unit) or the log-linear flag (DC-FLAG, CTYPE1 -LOG) wrong?",
                    s.provenance.file, s.provenance.hdu);
}

// SATURATE / SATLEVEL of the data HDU, else of the primary.
std::optional<double> saturationLevel(FitsFile& file, int hdu)
{
    for (int h : {hdu, 0}) {
        if (h < 0 || h >= file.hduCount()) continue;
        file.moveTo(h);
        for (const char* key : {"SATURATE", "SATLEVEL", "SATURATION"})
            if (const auto v = file.keyDouble(key); v && *v > 0) return v;
    }
    return std::nullopt;
}

// Every string of the result valid UTF-8 (JSON output and the GUI require it; files may hold Latin-1).
void makeUtf8(Spectrum& s)
{
    for (std::string* text :
         {&s.fluxUnit, &s.objectName, &s.provenance.file, &s.provenance.auxFile, &s.provenance.layout,
          &s.provenance.waveUnitSource, &s.provenance.mediumSource, &s.provenance.fluxKind, &s.provenance.columns})
        *text = validUtf8(*text);
    for (auto& w : s.warnings) w = validUtf8(w);
    std::map<std::string, std::string> metadata;
    for (const auto& [key, value] : s.metadata) metadata[validUtf8(key)] = validUtf8(value);
    s.metadata = std::move(metadata);
}

Spectrum readAny(const std::string& path, const ReadOptions& options)
{
    const Sniffed sniffed = sniff(path);
    Spectrum s;
    std::string formatName;
    std::optional<double> saturation;
    if (options.format == kTextFormat || (options.format.empty() && sniffed.kind == FileKind::Text)) {
        if (sniffed.kind == FileKind::Fits) throw Error("this is a FITS file, not a text spectrum", path);
        s = readTextSpectrum(path, readDecompressed(path), options);
        formatName = kTextFormat;
    } else {
        FitsFile file = FitsFile::open(path);  // read-only
        const SpectrumFormat& format = options.format.empty() ? detect(file, options) : forced(file, options.format);
        s = format.read(file, options);
        formatName = format.name();
        s.warnings.insert(s.warnings.begin(), file.notes().begin(), file.notes().end());
        saturation = saturationLevel(file, s.provenance.hdu);
    }
    s.provenance.file = path;
    s.provenance.format = formatName;
    if (sniffed.compressed)
        s.provenance.layout += (s.provenance.layout.empty() ? "" : "; ") + std::string("gzip-compressed");
    if (s.provenance.waveUnit.empty()) {
        s.provenance.waveUnit = "Angstrom";
        s.provenance.waveUnitSource = formatName + " convention";
    }
    if (s.provenance.mediumSource.empty())
        s.provenance.mediumSource = s.medium == Medium::Unknown ? "not stated" : formatName + " convention";
    if (formatName != "remap-1d") orderWavelengthAxis(s);
    maskBadPixels(s, saturation, formatName != "remap-1d");
    s.finalize();
    if (s.provenance.fluxKind.empty()) s.provenance.fluxKind = classifyFlux(s);
    checkPlausibleWavelengths(s);
    makeUtf8(s);
    return s;
}

}  // namespace

Spectrum readSpectrum(const std::string& path, const ReadOptions& options)
{
    if (!options.format.empty() && !isKnownFormat(options.format)) {
        std::string known;
        for (const auto& name : spectrumFormatNames()) known += (known.empty() ? "" : ", ") + name;
        throw UsageError("unknown spectrum format '" + options.format + "' (known: " + known + ")", path);
    }
    try {
        return readAny(path, options);
    } catch (const UsageError& e) {
        throw UsageError(validUtf8(e.problem()), validUtf8(e.file()), e.hdu());
    } catch (const Cancelled&) {
        throw;
    } catch (const Error& e) {
        throw Error(validUtf8(e.problem()), validUtf8(e.file()), e.hdu());  // messages may quote file bytes
    } catch (const std::bad_alloc&) {
        throw Error("not enough memory to read this file (a corrupt header announcing huge arrays?)", path);
    } catch (const std::exception& e) {
        throw Error(std::string("unexpected failure while reading: ") + e.what(), path);
    }
}

std::string detectSpectrumFormat(const std::string& path)
{
    try {
        if (sniff(path).kind == FileKind::Text) return kTextFormat;
        FitsFile file = FitsFile::open(path);
        return std::string(detect(file, ReadOptions{}).name());
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(std::string("unexpected failure while detecting the format: ") + e.what(), path);
    }
}

std::vector<std::string> spectrumFormatNames()
{
    return {"phoenix-hires", "phoenix-medres", "sdss-spec", "apogee-apstar",  "apogee-aspcapstar",
            "lamost-mrs",    "lamost-lrs",     "iraf-1d",   "iraf-multispec", "echelle-image",
            "wcs1d",         "tabular",        "text",      "remap-1d"};
}

}  // namespace remap
