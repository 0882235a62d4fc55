#include "io/SpectrumReader.h"

#include "base/Error.h"
#include "io/FitsFile.h"
#include "io/FormatRegistry.h"
#include "io/ReaderSupport.h"
#include "io/TextSpectrumReader.h"

#include <filesystem>
#include <fstream>
#include <new>

namespace remap {

namespace fs = std::filesystem;
using namespace io;

namespace {

constexpr const char* kTextFormat = "text";
// Wavelengths outside this range mean a wrong unit or a missed log scale (e.g. 3.6 "Angstrom"
// from an IRAF log-linear file read as linear, or a PHOENIX R=10000 file read in metres).
constexpr double kMinPlausibleAngstrom = 10.0;
constexpr double kMaxPlausibleAngstrom = 1e7;  // 1 mm

enum class FileKind { Fits, Text };

FileKind sniff(const std::string& path)
{
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) throw Error("no such file", path);
    if (fs::is_directory(status)) throw Error("this is a folder, not a spectrum file", path);
    if (!fs::is_regular_file(status)) throw Error("not a regular file", path);
    const auto size = fs::file_size(path, ec);
    if (ec) throw Error("cannot determine the file size: " + ec.message(), path);
    if (size == 0) throw Error("the file is empty (0 bytes)", path);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open the file for reading (permissions?)", path);
    char head[9] = {0};
    in.read(head, sizeof head);
    const auto got = static_cast<std::size_t>(in.gcount());
    if (got >= 9 && std::string(head, 9) == "SIMPLE  =") return FileKind::Fits;
    if (got >= 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b)
        throw Error("the file is gzip-compressed: decompress it first (gunzip)", path);
    const std::string ext = toLower(fs::path(path).extension().string());
    if (ext == ".fits" || ext == ".fit" || ext == ".fts" || ext == ".fz") return FileKind::Fits;  // open() explains
    return FileKind::Text;
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

const SpectrumFormat& detect(FitsFile& file)
{
    if (const auto* format = firstMatch(file)) return *format;
    file.moveTo(0);
    const auto shape = file.imageShape();
    if (shape.size() >= 2 && oneDimensionalLength(shape) == 0)
        throw Error("the primary HDU holds a " + std::to_string(shape.size()) + "-D image (" + describeShape(shape) +
                        "), which is not a 1-D spectrum in any known layout (tried: " + triedList() + ")",
                    file.path(), 0);
    throw Error("no known spectrum layout matches this file (tried: " + triedList() + ")", file.path());
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
                        "unit (CUNIT1) or the log-linear flag (DC-FLAG, CTYPE1 -LOG) wrong?",
                    s.provenance.file, s.provenance.hdu);
}

Spectrum readAny(const std::string& path, const ReadOptions& options)
{
    const FileKind kind = sniff(path);
    Spectrum s;
    std::string formatName;
    if (options.format == kTextFormat || (options.format.empty() && kind == FileKind::Text)) {
        if (kind == FileKind::Fits) throw Error("this is a FITS file, not a text spectrum", path);
        s = readTextSpectrum(path);
        formatName = kTextFormat;
    } else {
        FitsFile file = FitsFile::open(path);  // read-only
        const SpectrumFormat& format = options.format.empty() ? detect(file) : forced(file, options.format);
        s = format.read(file, options);
        formatName = format.name();
    }
    s.provenance.file = path;
    s.provenance.format = formatName;
    s.finalize();
    checkPlausibleWavelengths(s);
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
    } catch (const Error&) {
        throw;
    } catch (const std::bad_alloc&) {
        throw Error("not enough memory to read this file (a corrupt header announcing huge arrays?)", path);
    } catch (const std::exception& e) {
        throw Error(std::string("unexpected failure while reading: ") + e.what(), path);
    }
}

std::string detectSpectrumFormat(const std::string& path)
{
    try {
        if (sniff(path) == FileKind::Text) return kTextFormat;
        FitsFile file = FitsFile::open(path);
        return std::string(detect(file).name());
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(std::string("unexpected failure while detecting the format: ") + e.what(), path);
    }
}

std::vector<std::string> spectrumFormatNames()
{
    return {"phoenix-hires", "phoenix-medres", "sdss-spec",      "apogee-apstar", "apogee-aspcapstar",
            "lamost-lrs",    "iraf-1d",        "iraf-multispec", "wcs1d",         "tabular",
            "text",          "remap-1d"};
}

}  // namespace remap
