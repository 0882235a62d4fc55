#include "io/RemapSpectrumWriter.h"

#include "base/AtomicFile.h"
#include "base/Error.h"
#include "io/FitsFile.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace remap {

namespace {

void writeLabel(FitsFile& file, const char* key, const std::optional<double>& value, const char* comment)
{
    if (value && std::isfinite(*value)) file.writeKey(key, *value, comment);
}

std::string widthForm(const std::vector<std::string>& values)
{
    std::size_t width = 1;
    for (const auto& v : values) width = std::max(width, v.size());
    return std::to_string(width) + "A";
}

}  // namespace

void writeRemapSpectrum(const Spectrum& spectrum, const std::string& path)
{
    if (spectrum.empty()) throw Error("cannot write an empty spectrum (no pixels)", path);
    try {
        spectrum.validate();
    } catch (const Error& e) {
        throw Error("cannot write an inconsistent spectrum: " + e.problem(), path);
    }
    writeAtomically(path, [&](const std::string& tmpPath) {
        FitsFile file = FitsFile::create(tmpPath);
        file.createEmptyPrimary();
        file.writeKey("ORIGIN", std::string("REMAP"), "written by REMAP Studio");
        file.writeKey("REMAPFMT", std::string(kRemapFormatName), "REMAP 1-D spectrum layout");
        file.writeKey("FMTVER", kRemapFormatVersion, "version of the remap-1d layout");
        file.writeKey("OBJECT", spectrum.objectName, "object name");
        file.writeKey("MEDIUM", std::string(toString(spectrum.medium)), "wavelengths in air, vacuum or unknown");
        file.writeKey("BUNIT", spectrum.fluxUnit, "flux unit");
        file.writeKey("NPIX", static_cast<long long>(spectrum.size()), "number of pixels");
        writeLabel(file, "REF_TEFF", spectrum.labels.teff, "reference Teff [K]");
        writeLabel(file, "REF_LOGG", spectrum.labels.logg, "reference log g [cgs]");
        writeLabel(file, "REF_FEH", spectrum.labels.feh, "reference [Fe/H] [dex]");
        writeLabel(file, "REF_ALPHA", spectrum.labels.alpha, "reference [alpha/M] [dex]");
        if (!spectrum.provenance.file.empty()) file.writeKey("SRCFILE", spectrum.provenance.file, "read from");
        if (!spectrum.provenance.format.empty())
            file.writeKey("SRCFMT", spectrum.provenance.format, "layout it was read as");

        const long n = static_cast<long>(spectrum.size());
        file.createTable("SPECTRUM",
                         {{"WAVELENGTH", "D", "Angstrom"},
                          {"FLUX", "D", spectrum.fluxUnit.size() <= 60 ? spectrum.fluxUnit : ""},
                          {"IVAR", "D", ""},
                          {"MASK", "B", ""}},
                         n);
        file.writeKey("MEDIUM", std::string(toString(spectrum.medium)), "wavelengths in air, vacuum or unknown");
        file.writeColumn(1, spectrum.wavelength);
        file.writeColumn(2, spectrum.flux);
        file.writeColumn(3, spectrum.ivar);
        std::vector<std::uint8_t> mask(spectrum.mask.size());
        std::transform(spectrum.mask.begin(), spectrum.mask.end(), mask.begin(),
                       [](std::uint8_t m) { return static_cast<std::uint8_t>(m ? 1 : 0); });
        file.writeColumn(4, mask);

        if (!spectrum.metadata.empty()) {
            std::vector<std::string> keys, values;
            for (const auto& [key, value] : spectrum.metadata) {
                keys.push_back(key);
                values.push_back(value);
            }
            file.createTable("METADATA", {{"KEY", widthForm(keys), ""}, {"VALUE", widthForm(values), ""}},
                             static_cast<long>(keys.size()));
            file.writeColumn(1, keys);
            file.writeColumn(2, values);
        }
        file.close();
    });
}

}  // namespace remap
