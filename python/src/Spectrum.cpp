// remap::Spectrum as remap_studio.Spectrum (immutable, numpy views) and remap_studio.read().
#include "base/Spectrum.h"
#include "Bindings.h"
#include "base/Error.h"
#include "io/SpectrumReader.h"
#include "prep/Resolution.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

namespace remap::python {
namespace {

namespace fs = std::filesystem;

const Spectrum& spectrumOf(py::handle self)
{
    return self.cast<const Spectrum&>();
}

py::object optionalValue(const std::optional<double>& value)
{
    return value ? py::object(py::float_(*value)) : py::object(py::none());
}

std::vector<double> doubles(const py::array_t<double, py::array::c_style | py::array::forcecast>& a, const char* name)
{
    if (a.ndim() != 1) throw py::value_error(std::string(name) + " must be a 1-D array");
    return {a.data(), a.data() + a.size()};
}

Spectrum fromArrays(const py::array_t<double, py::array::c_style | py::array::forcecast>& wavelength,
                    const py::array_t<double, py::array::c_style | py::array::forcecast>& flux,
                    const std::optional<py::array_t<double, py::array::c_style | py::array::forcecast>>& ivar,
                    const std::optional<py::array_t<bool, py::array::c_style | py::array::forcecast>>& mask,
                    const std::string& medium, const std::string& fluxUnit, const std::string& name,
                    const std::map<std::string, std::string>& metadata, const std::optional<double>& resolvingPower)
{
    Spectrum s;
    s.wavelength = doubles(wavelength, "wavelength");
    s.flux = doubles(flux, "flux");
    if (ivar) s.ivar = doubles(*ivar, "ivar");
    if (mask) {
        if (mask->ndim() != 1) throw py::value_error("mask must be a 1-D array");
        s.mask.assign(mask->data(), mask->data() + mask->size());
    }
    s.medium = parseMedium(medium);
    s.fluxUnit = fluxUnit;
    s.objectName = name;
    s.metadata = metadata;
    if (resolvingPower) {
        if (!(*resolvingPower > 0)) throw py::value_error("resolving_power must be positive");
        char r[32];
        std::snprintf(r, sizeof r, "%.17g", *resolvingPower);
        s.metadata[kResolvingPowerKey] = r;
    }
    s.finalize();
    return s;
}

std::string describe(const Spectrum& s)
{
    const std::string name = !s.provenance.file.empty() ? s.provenance.file : s.objectName;
    char range[96];
    std::snprintf(range, sizeof range, "%zu px, %.2f-%.2f A", s.size(), s.wavelength.front(), s.wavelength.back());
    return "<remap_studio.Spectrum '" + name + "' " + (s.provenance.format.empty() ? "" : s.provenance.format + ", ") +
           range + " " + std::string(toString(s.medium)) + ">";
}

}  // namespace

void bindSpectrum(py::module_& m)
{
    py::class_<Spectrum>(m, "Spectrum", R"doc(
One 1-D spectrum as REMAP Studio reads it (the C++ remap::Spectrum): wavelengths in Angstrom, ascending,
in `medium`; flux as in the file; inverse variance (0 = unknown or bad); a mask (True = bad pixel).
Masked pixels have ivar 0 and a finite flux (0 where the file had NaN).

The arrays are read-only numpy views of the C++ data (no copy); use numpy.array(s.flux) for a copy
you can change. Spectra come from remap_studio.read(path) or from arrays:

    s = rs.Spectrum(wavelength, flux, ivar=None, mask=None, medium="air", name="my star")
)doc")
        .def(py::init(&fromArrays), py::arg("wavelength"), py::arg("flux"), py::arg("ivar") = py::none(),
             py::arg("mask") = py::none(), py::kw_only(), py::arg("medium") = "unknown", py::arg("flux_unit") = "",
             py::arg("name") = "", py::arg("metadata") = std::map<std::string, std::string>{},
             py::arg("resolving_power") = py::none(), R"doc(
A spectrum from 1-D arrays of equal length (wavelength in Angstrom, either order; the axis is flipped to
ascending). ivar defaults to 0 (unknown), mask to all good. medium is "air", "vacuum" or "unknown".
Non-finite flux or ivar is masked. metadata: header values as strings (e.g. another spectrum's
.metadata); resolving_power sets metadata["RESOLVING"], the resolving power the preprocessing
degrades from (without it the preprocessing estimates it from the sampling). Raises RemapError for unequal lengths, a wavelength axis that is not
strictly monotonic or a spectrum with no usable pixel.)doc")
        .def_property_readonly(
            "wavelength", [](py::object self) { return readOnlyView(spectrumOf(self).wavelength, self); },
            "Wavelengths in Angstrom (float64, ascending, in `medium`), read-only view.")
        .def_property_readonly(
            "flux", [](py::object self) { return readOnlyView(spectrumOf(self).flux, self); },
            "Flux in `flux_unit` (float64), read-only view.")
        .def_property_readonly(
            "ivar", [](py::object self) { return readOnlyView(spectrumOf(self).ivar, self); },
            "Inverse variance of the flux (float64); 0 where unknown or masked. Read-only view.")
        .def_property_readonly(
            "mask", [](py::object self) { return readOnlyView<std::uint8_t, bool>(spectrumOf(self).mask, self); },
            "Bad pixels (bool, True = bad: the file's mask, ivar 0 or non-finite values). Read-only view.")
        .def_property_readonly(
            "medium", [](const Spectrum& s) { return std::string(toString(s.medium)); },
            "The wavelengths' medium: 'air', 'vacuum' or 'unknown' (the reader says why in `warnings`).")
        .def_property_readonly(
            "flux_unit", [](const Spectrum& s) { return s.fluxUnit; }, "The flux unit as the file gave it.")
        .def_property_readonly(
            "name", [](const Spectrum& s) { return s.objectName; }, "The object name (OBJECT keyword or given).")
        .def_property_readonly(
            "file", [](const Spectrum& s) { return s.provenance.file; }, "The path as given to read(); '' for arrays.")
        .def_property_readonly(
            "format", [](const Spectrum& s) { return s.provenance.format; },
            "The layout the reader used, e.g. 'sdss-spec' (one of remap_studio.formats()).")
        .def_property_readonly(
            "provenance",
            [](const Spectrum& s) {
                py::dict d;
                d["file"] = s.provenance.file;
                d["hdu"] = s.provenance.hdu;
                d["format"] = s.provenance.format;
                d["aux_file"] = s.provenance.auxFile;
                return d;
            },
            "Where the spectrum came from: {'file', 'hdu' (0-based, the HDU holding the flux), 'format', "
            "'aux_file' (a second file the reading needed, e.g. the PHOENIX wavelength file)}.")
        .def_property_readonly(
            "labels",
            [](const Spectrum& s) {
                py::dict d;
                d["teff"] = optionalValue(s.labels.teff);
                d["logg"] = optionalValue(s.labels.logg);
                d["feh"] = optionalValue(s.labels.feh);
                d["alpha"] = optionalValue(s.labels.alpha);
                return d;
            },
            "Stellar labels the file carries (PHOENIX headers): {'teff', 'logg', 'feh', 'alpha'}, None if absent.")
        .def_property_readonly(
            "metadata", [](const Spectrum& s) { return s.metadata; },
            "Other header values worth showing, as a dict of strings.")
        .def_property_readonly(
            "warnings", [](const Spectrum& s) { return s.warnings; },
            "What the reader inferred, repaired or masked, one sentence each; [] for a file read exactly as "
            "written. The same list `remap info` prints.")
        .def_property_readonly(
            "masked_count", [](const Spectrum& s) { return s.maskedCount(); }, "The number of masked pixels.")
        .def_property_readonly(
            "snr",
            [](const Spectrum& s) {
                py::gil_scoped_release release;
                return estimateSnr(s);
            },
            "Signal-to-noise per pixel of the unmasked pixels (DER_SNR, Stoehr et al. 2008); 0 with fewer than "
            "5 usable pixels.")
        .def("__len__", &Spectrum::size, "The number of pixels.")
        .def("__repr__", &describe);

    m.def(
        "read",
        [](const fs::path& path, const std::optional<std::string>& format, int order, int row,
           const std::optional<fs::path>& waveFile) {
            ReadOptions options;
            options.format = format.value_or("");
            options.order = order;
            options.row = row;
            if (waveFile) options.waveFile = waveFile->string();
            const std::string file = path.string();
            py::gil_scoped_release release;
            return readSpectrum(file, options);
        },
        py::arg("path"), py::kw_only(), py::arg("format") = py::none(), py::arg("order") = 1, py::arg("row") = 0,
        py::arg("wave_file") = py::none(), R"doc(
Reads one spectrum from a FITS or text file, as `remap info` and `remap predict` do (the same C++ reader).

The layout is detected (SDSS, APOGEE, LAMOST, PHOENIX, IRAF, FITS 1-D WCS, tables, text) unless
`format` forces one of formats(). `order` picks the 1-based order of an IRAF multispec file, `row` the
visit of an APOGEE apStar file (0 = the combined spectrum), `wave_file` the PHOENIX HiRes wavelength
file (default: searched beside the file). The file is opened read-only.

Returns a Spectrum whose .warnings say what the reader inferred or repaired. Raises RemapError naming
the file, the HDU and the problem for a file that cannot be read.)doc");

    m.def(
        "detect_format",
        [](const fs::path& path) {
            const std::string file = path.string();
            py::gil_scoped_release release;
            return detectSpectrumFormat(file);
        },
        py::arg("path"), "The layout read() would use for the file (a name from formats()); RemapError if none fits.");
    m.def("formats", &spectrumFormatNames, "The format names read(path, format=...) accepts.");
}

}  // namespace remap::python
