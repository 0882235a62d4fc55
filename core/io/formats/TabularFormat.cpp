#include "io/formats/TabularFormat.h"

#include "base/Error.h"
#include "io/ColumnChoice.h"
#include "io/FitsFile.h"
#include "io/ReaderSupport.h"
#include "io/SpectralAxis.h"

#include <cmath>
#include <optional>

namespace remap {

using namespace io;

namespace {

using Column = FitsFile::Column;

bool numeric(const Column& c)
{
    // CFITSIO type codes: TSTRING 16, TBIT 1; negative codes are variable-length arrays.
    return c.typecode != 16 && c.typecode != 1 && c.typecode > 0;
}

struct Layout {
    int hdu = -1;
    std::vector<Column> columns;
    std::vector<ColumnInfo> infos;
    ColumnChoice choice;
};

std::vector<ColumnInfo> infosOf(const std::vector<Column>& columns)
{
    std::vector<ColumnInfo> out;
    for (const auto& c : columns) out.push_back({c.name, c.unit, numeric(c)});
    return out;
}

// Picks the columns of one table HDU (the current one); an incomplete choice when it is not a spectrum.
Layout pickColumns(FitsFile& file, int hdu, const ReadOptions& options)
{
    Layout layout;
    layout.hdu = hdu;
    layout.columns = file.columns();
    layout.infos = infosOf(layout.columns);
    if (file.rowCount() <= 0) return layout;
    const long row = options.row;
    const ColumnValues values = [&](int i) {
        try {
            return readSpectrumColumn(file, layout.columns[static_cast<std::size_t>(i)], row);
        } catch (const Error&) {
            return std::vector<double>{};
        }
    };
    layout.choice = chooseColumns(layout.infos, options.columns, values, false, file.path());
    return layout;
}

Layout findLayout(FitsFile& file, const ReadOptions& options)
{
    const int n = file.hduCount();
    for (int h = 1; h < n; ++h) {
        file.moveTo(h);
        if (file.hduType() == FitsFile::HduType::Image) continue;
        Layout layout = pickColumns(file, h, options);
        if (layout.choice.complete()) return layout;
    }
    return {};
}

std::optional<std::pair<Medium, std::string>> mediumFromName(const std::string& waveName)
{
    const std::string name = toLower(waveName);
    if (name.find("air") != std::string::npos || name == "awav")
        return std::make_pair(Medium::Air, "the column name '" + waveName + "'");
    if (name.find("vac") != std::string::npos || name == "vwav")
        return std::make_pair(Medium::Vacuum, "the column name '" + waveName + "'");
    return std::nullopt;
}

}  // namespace

bool TabularFormat::matches(FitsFile& file) const
{
    ReadOptions probe;
    return findLayout(file, probe).hdu >= 0;
}

Spectrum TabularFormat::read(FitsFile& file, const ReadOptions& options) const
{
    const Layout layout = findLayout(file, options);
    if (layout.hdu < 0) {
        file.moveTo(0);
        file.fail(
            "no table with a wavelength column (a length unit such as Angstrom/nm/um, a name such as "
            "wavelength/wave/lambda/loglam, or monotonic values) and a flux column; --columns names them");
    }
    file.moveTo(layout.hdu);
    Spectrum s = startSpectrum(file, layout.hdu);
    const ColumnChoice& choice = layout.choice;
    const Column& waveCol = layout.columns[static_cast<std::size_t>(choice.wave)];
    const Column& fluxCol = layout.columns[static_cast<std::size_t>(choice.flux)];
    const long row = options.row;
    s.flux = readSpectrumColumn(file, fluxCol, row);
    const std::size_t n = s.flux.size();
    s.wavelength = readSpectrumColumn(file, waveCol, row);
    requireLength(file, s.wavelength.size(), n, "column '" + waveCol.name + "'");
    if (choice.logWave)
        for (auto& w : s.wavelength) w = std::pow(10.0, w);
    s.fluxUnit = trim(fluxCol.unit);
    s.mask.assign(n, 0);
    if (choice.uncertainty >= 0) {
        const Column& col = layout.columns[static_cast<std::size_t>(choice.uncertainty)];
        const auto values = readSpectrumColumn(file, col, row);
        requireLength(file, values.size(), n, "column '" + col.name + "'");
        ivarFromUncertainty(uncertaintyKindOf(choice.uncertaintyRole), values, s.flux, s.ivar, s.mask);
    }
    if (choice.mask >= 0) {
        const Column& col = layout.columns[static_cast<std::size_t>(choice.mask)];
        const auto values = readSpectrumColumn(file, col, row);
        requireLength(file, values.size(), n, "column '" + col.name + "'");
        orMaskNonZero(values, s.mask);
    }
    requireSomeFinite(file, s.flux);
    s.warnings = choice.warnings;
    s.provenance.columns = choice.describe(layout.infos);

    // Unit: the column's TUNIT (for loglam, the unit of 10^x), checked against the instrument and range.
    const auto instrument = instrumentOf(file);
    AxisEvidence evidence;
    evidence.instrument = instrument;
    evidence.overrideUnit = options.waveUnit;
    std::vector<UnitStatement> stated;
    if (const auto f = angstromsPerUnit(waveCol.unit))
        stated.push_back({*f, trim(waveCol.unit),
                          "keyword TUNIT" + std::to_string(waveCol.index) + " = '" + trim(waveCol.unit) + "'"});
    double lo = INFINITY, hi = -INFINITY;
    for (double w : s.wavelength)
        if (std::isfinite(w)) {
            lo = std::min(lo, w);
            hi = std::max(hi, w);
        }
    if (!(lo <= hi)) file.fail("column '" + waveCol.name + "' holds no finite wavelength");
    const UnitDecision unit = decideWavelengthUnit(
        stated, lo, hi, evidence, "the wavelength column '" + waveCol.name + "'", file.path(), layout.hdu);
    scaleInPlace(s.wavelength, unit.angstromsPerUnit);
    s.provenance.waveUnit = unit.unit;
    s.provenance.waveUnitSource = unit.source;
    s.warnings.insert(s.warnings.end(), unit.warnings.begin(), unit.warnings.end());

    std::optional<std::pair<Medium, std::string>> medium;
    for (int h : {layout.hdu, 0}) {
        if (medium) break;
        file.moveTo(h);
        medium = statedMedium(file);
    }
    if (!medium) medium = mediumFromName(waveCol.name);
    // Vacuum by convention (specutils' tables, SDSS, most space and survey data).
    const MediumDecision m = decideMedium(
        medium, instrument, std::make_pair(Medium::Vacuum, std::string("convention for FITS tables (vacuum)")));
    s.medium = m.medium;
    s.provenance.mediumSource = m.source;
    s.warnings.insert(s.warnings.end(), m.warnings.begin(), m.warnings.end());
    file.moveTo(layout.hdu);
    const long rows = file.rowCount();
    s.provenance.layout =
        "binary table in " + hduLabel(file, layout.hdu) +
        (rows == 1 && waveCol.repeat > 1
             ? " (one row of array columns)"
             : (waveCol.repeat > 1 ? " (row " + std::to_string(row) + " of " + std::to_string(rows) + ")"
                                   : " (one pixel per row)")) +
        (instrument ? ", " + instrument->name : "");
    file.moveTo(0);
    s.objectName = trim(file.keyString("OBJECT").value_or(""));
    return s;
}

}  // namespace remap
