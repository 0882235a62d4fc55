#include "io/formats/RemapFormat.h"

#include "base/Error.h"
#include "io/FitsFile.h"
#include "io/ReaderSupport.h"
#include "io/RemapSpectrumWriter.h"

namespace remap {

using namespace io;

bool RemapFormat::matches(FitsFile& file) const
{
    file.moveTo(0);
    return iequals(trim(file.keyString("REMAPFMT").value_or("")), kRemapFormatName);
}

Spectrum RemapFormat::read(FitsFile& file, const ReadOptions&) const
{
    file.moveTo(0);
    if (!iequals(trim(file.keyString("REMAPFMT").value_or("")), kRemapFormatName))
        file.fail("not a remap-1d file: the primary header has no REMAPFMT = 'remap-1d'");
    const auto version = file.keyInt("FMTVER").value_or(1);
    if (version < 1 || version > kRemapFormatVersion)
        file.fail("remap-1d layout version " + std::to_string(version) + " is not supported (this reader knows " +
                  std::to_string(kRemapFormatVersion) + ")");

    Spectrum s = startSpectrum(file, 1);
    const std::string medium = file.keyString("MEDIUM").value_or("unknown");
    try {
        s.medium = parseMedium(medium);
    } catch (const Error&) {
        file.fail("MEDIUM = '" + medium + "' is not air, vacuum or unknown");
    }
    s.objectName = file.keyString("OBJECT").value_or("");
    s.fluxUnit = file.keyString("BUNIT").value_or("");
    s.labels.teff = file.keyDouble("REF_TEFF");
    s.labels.logg = file.keyDouble("REF_LOGG");
    s.labels.feh = file.keyDouble("REF_FEH");
    s.labels.alpha = file.keyDouble("REF_ALPHA");

    if (!file.moveToNamed("SPECTRUM")) {
        file.moveTo(0);
        file.fail("the remap-1d file has no SPECTRUM table");
    }
    s.provenance.hdu = file.currentHdu();
    const auto waveCol = file.findColumn("WAVELENGTH");
    const auto fluxCol = file.findColumn("FLUX");
    if (!waveCol || !fluxCol) file.fail("the SPECTRUM table needs WAVELENGTH and FLUX columns");
    s.wavelength = file.readColumn(*waveCol);
    s.flux = file.readColumn(*fluxCol);
    if (const auto ivarCol = file.findColumn("IVAR")) {
        s.ivar = file.readColumn(*ivarCol);
        requireLength(file, s.ivar.size(), s.flux.size(), "column IVAR");
    }
    if (const auto maskCol = file.findColumn("MASK")) {
        const auto mask = file.readColumn(*maskCol);
        requireLength(file, mask.size(), s.flux.size(), "column MASK");
        s.mask.resize(mask.size());
        for (std::size_t i = 0; i < mask.size(); ++i) s.mask[i] = mask[i] != 0.0 ? 1 : 0;
    }
    requireLength(file, s.wavelength.size(), s.flux.size(), "column WAVELENGTH");
    requireSomeFinite(file, s.flux);
    s.provenance.waveUnit = "Angstrom";
    s.provenance.waveUnitSource = "remap-1d convention";
    s.provenance.mediumSource = "keyword MEDIUM = '" + medium + "'";
    s.provenance.layout = "remap-1d: SPECTRUM table in HDU " + std::to_string(s.provenance.hdu);

    if (file.moveToNamed("METADATA")) {
        const auto keyCol = file.findColumn("KEY");
        const auto valueCol = file.findColumn("VALUE");
        if (!keyCol || !valueCol) file.fail("the METADATA table needs KEY and VALUE columns");
        const auto keys = file.readStringColumn(*keyCol);
        const auto values = file.readStringColumn(*valueCol);
        for (std::size_t i = 0; i < keys.size() && i < values.size(); ++i) s.metadata[keys[i]] = values[i];
    }
    return s;
}

}  // namespace remap
