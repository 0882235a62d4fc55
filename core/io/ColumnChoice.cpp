#include "io/ColumnChoice.h"

#include "base/Error.h"
#include "io/ReaderSupport.h"
#include "io/SpectralAxis.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace remap::io {

namespace {

// Lower case, a unit in brackets removed, blanks and '-' as '_'.
std::string normalizedName(const std::string& name)
{
    std::string n = toLower(trim(name));
    if (const auto open = n.find_first_of("([{"); open != std::string::npos && open > 0) n = trim(n.substr(0, open));
    for (auto& c : n)
        if (c == ' ' || c == '-') c = '_';
    return n;
}

bool in(const std::string& n, std::initializer_list<const char*> names)
{
    for (const char* x : names)
        if (n == x) return true;
    return false;
}

// 0 for the plainest flux name, larger for less likely ones; -1 when not a flux name.
int fluxRank(const std::string& raw)
{
    const std::string n = normalizedName(raw);
    if (n == "flux") return 0;
    if (in(n, {"flam",
               "fnu",
               "f",
               "s",
               "fl",
               "f_lambda",
               "flux_density",
               "spec",
               "spectrum",
               "counts",
               "fluxes",
               "intensity",
               "i",
               "stokes_i",
               "flux_norm",
               "norm_flux",
               "normalized_flux",
               "normflux",
               "flux_normalized",
               "fnorm",
               "nflux",
               "relflux",
               "rel_flux",
               "flux_rel",
               "obs",
               "observed",
               "signal",
               "sci",
               "flux_obs",
               "normalised_flux",
               "flux_normalised"}))
        return 1;
    if (in(n, {"flux_reduced", "flux_raw", "raw_flux", "flux_cal", "flux_calibrated"})) return 2;
    return -1;
}

std::string columnLabel(const std::vector<ColumnInfo>& columns, int i)
{
    const std::string& name = columns[static_cast<std::size_t>(i)].name;
    return name.empty() ? "column " + std::to_string(i + 1) : "'" + name + "'";
}

std::string columnList(const std::vector<ColumnInfo>& columns)
{
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i)
        out += (i ? ", " : "") + (columns[i].name.empty() ? std::to_string(i + 1) : columns[i].name);
    return out.empty() ? "none" : out;
}

bool plausibleUnderSomeUnit(double lo, double hi)
{
    for (double f : {1.0, 10.0, 1e4, 1e10})
        if (lo * f >= kPlausibleMinAngstrom && hi * f <= kPlausibleMaxAngstrom) return true;
    return false;
}

}  // namespace

ColumnRole roleFromName(const std::string& raw)
{
    const std::string n = normalizedName(raw);
    if (n.empty()) return ColumnRole::Unknown;
    if (in(n, {"loglam", "log_lam", "logwave", "log_wave", "loglambda", "log_lambda", "logwl", "log_wl", "loglam_vac",
               "log_wavelength"}))
        return ColumnRole::LogWave;
    if (in(n, {"wavelength",
               "wave",
               "lambda",
               "wl",
               "lam",
               "w",
               "waveobs",
               "wavelength_air",
               "wavelength_vac",
               "wavelength_vacuum",
               "wave_air",
               "wave_vac",
               "awav",
               "vwav",
               "air_wave",
               "vac_wave",
               "air_wavelength",
               "vacuum_wavelength",
               "lambda_air",
               "lambda_vac",
               "wlen",
               "wav",
               "wavelengths",
               "angstrom",
               "angstroms",
               "nm",
               "um",
               "micron",
               "microns",
               "wave_a",
               "wave_nm",
               "lambda_a",
               "lambda_nm",
               "wavelength_a",
               "wavelength_nm",
               "wl_air",
               "wl_vac"}))
        return ColumnRole::Wave;
    if (fluxRank(raw) >= 0) return ColumnRole::Flux;
    if (in(n, {"ivar", "invvar", "inverse_variance", "inv_var", "ivar_flux", "flux_ivar", "weight"}))
        return ColumnRole::Ivar;
    if (in(n, {"var", "variance", "flux_var", "var_flux"})) return ColumnRole::Variance;
    if (in(n, {"snr", "sn", "s_n", "s/n", "signal_to_noise", "snr_flux", "sn_ratio"})) return ColumnRole::Snr;
    if (in(n, {"err",         "error",      "errors",
               "sigma",       "serr",       "ferr",
               "fluxerr",     "flux_err",   "flux_error",
               "err_flux",    "error_flux", "e_flux",
               "eflux",       "dflux",      "uncertainty",
               "unc",         "uncert",     "std",
               "stddev",      "noise",      "sig",
               "e",           "err_norm",   "flux_norm_err",
               "err_reduced", "sigma_flux", "noise_flux",
               "flux_sigma",  "dy",         "yerr",
               "e_f",         "error_norm", "normalized_error",
               "flux_unc",    "unc_flux"}))
        return ColumnRole::Sigma;
    if (in(n, {"mask", "and_mask", "andmask", "flag", "flags", "dq", "quality", "qual", "badpix", "bad", "pixmask",
               "bitmask", "quality_flag", "qualdata"}))
        return ColumnRole::Mask;
    return ColumnRole::Unknown;
}

bool isAuxiliaryName(const std::string& name)
{
    const std::string lower = toLower(name);
    for (const char* word : {"model", "sky", "cont", "back", "bkg", "template", "fit", "resid", "arc", "lamp", "tell",
                             "blaze", "wdisp", "normalization", "synth", "ormask", "or_mask"})
        if (lower.find(word) != std::string::npos) return true;
    return false;
}

UncertaintyKind uncertaintyKindOf(ColumnRole role)
{
    switch (role) {
        case ColumnRole::Ivar:
            return UncertaintyKind::InverseVariance;
        case ColumnRole::Variance:
            return UncertaintyKind::Variance;
        case ColumnRole::Snr:
            return UncertaintyKind::Snr;
        default:
            return UncertaintyKind::Sigma;
    }
}

bool strictlyMonotonic(const std::vector<double>& v)
{
    double prev = std::nan("");
    int direction = 0;
    std::size_t count = 0;
    for (double x : v) {
        if (!std::isfinite(x)) continue;
        if (count > 0) {
            const int d = x > prev ? 1 : (x < prev ? -1 : 0);
            if (d == 0 || (direction != 0 && d != direction)) return false;
            direction = d;
        }
        prev = x;
        ++count;
    }
    return count >= 3;
}

std::string ColumnChoice::describe(const std::vector<ColumnInfo>& columns) const
{
    auto label = [&](int i) {
        const std::string& name = columns[static_cast<std::size_t>(i)].name;
        return name.empty() ? "column " + std::to_string(i + 1) : name;
    };
    std::string out;
    if (wave >= 0) out += std::string(logWave ? "log10 wavelength = " : "wavelength = ") + label(wave);
    if (flux >= 0) out += ", flux = " + label(flux);
    if (uncertainty >= 0) {
        const char* role = uncertaintyRole == ColumnRole::Ivar       ? "ivar"
                           : uncertaintyRole == ColumnRole::Variance ? "variance"
                           : uncertaintyRole == ColumnRole::Snr      ? "S/N"
                                                                     : "sigma";
        out += std::string(", ") + role + " = " + label(uncertainty);
    }
    if (mask >= 0) out += ", mask = " + label(mask);
    if (!how.empty()) out += " (" + how + ")";
    return out;
}

ColumnChoice chooseColumns(const std::vector<ColumnInfo>& columns, const std::vector<std::string>& forced,
                           const ColumnValues& values, bool positional, const std::string& file)
{
    ColumnChoice c;
    const int count = static_cast<int>(columns.size());
    std::vector<ColumnRole> roles;
    for (const auto& col : columns) roles.push_back(roleFromName(col.name));
    auto numeric = [&](int i) { return columns[static_cast<std::size_t>(i)].numeric; };
    auto uncertaintyRoleOf = [&](int i) {
        const ColumnRole r = roles[static_cast<std::size_t>(i)];
        return (r == ColumnRole::Ivar || r == ColumnRole::Variance || r == ColumnRole::Snr) ? r : ColumnRole::Sigma;
    };

    if (!forced.empty()) {
        if (forced.size() < 2 || forced.size() > 3)
            throw UsageError(
                "--columns takes WAVELENGTH,FLUX or WAVELENGTH,FLUX,UNCERTAINTY (names or 1-based numbers)", file);
        std::vector<int> picked;
        for (const auto& want : forced) {
            const std::string w = trim(want);
            int found = -1;
            for (int i = 0; i < count && found < 0; ++i)
                if (iequals(trim(columns[static_cast<std::size_t>(i)].name), w)) found = i;
            if (found < 0 && !w.empty() &&
                std::all_of(w.begin(), w.end(), [](unsigned char ch) { return std::isdigit(ch); })) {
                const int k = std::stoi(w);
                if (k >= 1 && k <= count) found = k - 1;
            }
            if (found < 0)
                throw UsageError("--columns names '" + w +
                                     "', which is not a column of the table (columns: " + columnList(columns) + ")",
                                 file);
            if (!numeric(found)) throw UsageError("--columns: column '" + w + "' is not numeric", file);
            picked.push_back(found);
        }
        c.wave = picked[0];
        c.flux = picked[1];
        c.logWave = roles[static_cast<std::size_t>(c.wave)] == ColumnRole::LogWave;
        if (picked.size() == 3) {
            c.uncertainty = picked[2];
            c.uncertaintyRole = uncertaintyRoleOf(c.uncertainty);
        }
        for (int i = 0; i < count; ++i)
            if (c.mask < 0 && numeric(i) && roles[static_cast<std::size_t>(i)] == ColumnRole::Mask) c.mask = i;
        c.how = "as given by --columns";
        return c;
    }

    if (positional) {
        // Text without a header: wavelength, flux[, sigma[, mask]], unless the content says otherwise.
        c.wave = 0;
        c.flux = count > 1 ? 1 : -1;
        if (count > 2) c.uncertainty = 2;
        if (count > 3) c.mask = 3;
        c.how = "by position";
        if (values && count >= 2 && !strictlyMonotonic(values(0)) && strictlyMonotonic(values(1))) {
            c.wave = 1;
            c.flux = 0;
            c.warnings.push_back(
                "column 1 is not monotonic but column 2 is: column 2 was taken as the wavelength "
                "and column 1 as the flux");
        }
        return c;
    }

    // Wavelength: a length unit, then a name, then the content.
    for (int i = 0; i < count && c.wave < 0; ++i)
        if (numeric(i) && angstromsPerUnit(columns[static_cast<std::size_t>(i)].unit) &&
            roles[static_cast<std::size_t>(i)] != ColumnRole::LogWave &&
            !isAuxiliaryName(columns[static_cast<std::size_t>(i)].name))
            c.wave = i;
    if (c.wave >= 0) c.how = "wavelength by its unit";
    for (int i = 0; i < count && c.wave < 0; ++i)
        if (numeric(i) && (roles[static_cast<std::size_t>(i)] == ColumnRole::Wave ||
                           roles[static_cast<std::size_t>(i)] == ColumnRole::LogWave)) {
            c.wave = i;
            c.how = "by name";
        }
    if (c.wave < 0 && values) {
        for (int i = 0; i < count && c.wave < 0; ++i) {
            const ColumnRole r = roles[static_cast<std::size_t>(i)];
            if (!numeric(i) || r == ColumnRole::Flux || r == ColumnRole::Mask || r == ColumnRole::Sigma ||
                r == ColumnRole::Ivar || r == ColumnRole::Variance || r == ColumnRole::Snr)
                continue;
            const auto v = values(i);
            if (!strictlyMonotonic(v)) continue;
            double lo = INFINITY, hi = -INFINITY;
            for (double x : v)
                if (std::isfinite(x)) {
                    lo = std::min(lo, x);
                    hi = std::max(hi, x);
                }
            if (lo > 0 && plausibleUnderSomeUnit(lo, hi)) {
                c.wave = i;
                c.how = "wavelength by content";
                c.warnings.push_back("no column is named or unit-labelled as a wavelength: " + columnLabel(columns, i) +
                                     " was taken because its values are strictly monotonic (" + formatNumber(lo) + "-" +
                                     formatNumber(hi) + "); --columns overrides");
            }
        }
    }
    if (c.wave < 0) return c;
    c.logWave = roles[static_cast<std::size_t>(c.wave)] == ColumnRole::LogWave;

    // Flux: by name (plainest first), by unit, then the first plain numeric column.
    int bestRank = 99;
    for (int i = 0; i < count; ++i) {
        if (i == c.wave || !numeric(i)) continue;
        const int rank = fluxRank(columns[static_cast<std::size_t>(i)].name);
        if (rank >= 0 && rank < bestRank) {
            bestRank = rank;
            c.flux = i;
        }
    }
    for (int i = 0; i < count && c.flux < 0; ++i)
        if (i != c.wave && numeric(i) && roles[static_cast<std::size_t>(i)] == ColumnRole::Unknown &&
            looksLikeFluxUnit(columns[static_cast<std::size_t>(i)].unit) &&
            !isAuxiliaryName(columns[static_cast<std::size_t>(i)].name))
            c.flux = i;
    if (c.flux < 0)
        for (int k = 1; k < count && c.flux < 0; ++k) {
            const int i = (c.wave + k) % count;
            if (numeric(i) && roles[static_cast<std::size_t>(i)] == ColumnRole::Unknown &&
                !isAuxiliaryName(columns[static_cast<std::size_t>(i)].name) &&
                !angstromsPerUnit(columns[static_cast<std::size_t>(i)].unit)) {
                c.flux = i;
                c.warnings.push_back("no column is named like a flux: " + columnLabel(columns, i) +
                                     " was taken as the flux (the first other numeric column); --columns overrides");
            }
        }
    if (c.flux < 0) return c;

    // Uncertainty and mask.
    for (int i = 0; i < count && c.uncertainty < 0; ++i) {
        const ColumnRole r = roles[static_cast<std::size_t>(i)];
        if (i == c.wave || i == c.flux || !numeric(i)) continue;
        if (r == ColumnRole::Sigma || r == ColumnRole::Ivar || r == ColumnRole::Variance || r == ColumnRole::Snr) {
            c.uncertainty = i;
            c.uncertaintyRole = uncertaintyRoleOf(i);
        }
    }
    const std::string fluxUnit = trim(columns[static_cast<std::size_t>(c.flux)].unit);
    for (int i = c.flux + 1; i < count && c.uncertainty < 0 && !fluxUnit.empty(); ++i)
        if (i != c.wave && numeric(i) && trim(columns[static_cast<std::size_t>(i)].unit) == fluxUnit &&
            roles[static_cast<std::size_t>(i)] == ColumnRole::Unknown &&
            !isAuxiliaryName(columns[static_cast<std::size_t>(i)].name)) {
            c.uncertainty = i;
            c.uncertaintyRole = ColumnRole::Sigma;
        }
    for (int i = 0; i < count && c.mask < 0; ++i)
        if (i != c.wave && i != c.flux && numeric(i) && roles[static_cast<std::size_t>(i)] == ColumnRole::Mask)
            c.mask = i;
    return c;
}

}  // namespace remap::io
