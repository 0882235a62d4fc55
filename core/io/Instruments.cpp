#include "io/Instruments.h"

#include "io/ReaderSupport.h"

#include <vector>

namespace remap::io {

namespace {

struct Entry {
    const char* key;  // upper-case prefix of INSTRUME (or TELESCOP when `telescope`)
    bool telescope;
    InstrumentInfo info;
};

const std::vector<Entry>& table()
{
    // Ranges: the instruments' published coverage, rounded outwards. Media only where the standard
    // pipeline is documented to write one (ESO and OHP pipelines: air; SDSS, LAMOST, APOGEE: vacuum).
    static const std::vector<Entry> entries = {
        {"HARPS-N", false, {"HARPS-N", 3780, 6930, Medium::Air, "the HARPS-N DRS writes air wavelengths"}},
        {"HARPN", false, {"HARPS-N", 3780, 6930, Medium::Air, "the HARPS-N DRS writes air wavelengths"}},
        {"HARPS", false, {"HARPS", 3770, 6930, Medium::Air, "the ESO HARPS DRS writes air wavelengths"}},
        {"ESPRESSO", false, {"ESPRESSO", 3770, 7900, std::nullopt, ""}},
        {"UVES", false, {"UVES", 2990, 11100, Medium::Air, "the ESO UVES pipeline writes air wavelengths"}},
        {"FEROS", false, {"FEROS", 3500, 9250, Medium::Air, "the FEROS DRS writes air wavelengths"}},
        {"FLAMES", false, {"FLAMES", 3700, 11100, std::nullopt, ""}},
        {"GIRAFFE", false, {"GIRAFFE", 3700, 9500, Medium::Air, "the ESO GIRAFFE pipeline writes air wavelengths"}},
        {"XSHOOTER", false, {"X-shooter", 2900, 25000, std::nullopt, ""}},
        {"SHOOT", false, {"X-shooter", 2900, 25000, std::nullopt, ""}},
        {"ELODIE", false, {"ELODIE", 3840, 6830, Medium::Air, "the ELODIE archive writes air wavelengths"}},
        {"SOPHIE", false, {"SOPHIE", 3870, 6950, Medium::Air, "the SOPHIE DRS writes air wavelengths"}},
        {"ESPADONS", false, {"ESPaDOnS", 3690, 10500, std::nullopt, ""}},
        {"NARVAL", false, {"NARVAL", 3690, 10500, std::nullopt, ""}},
        {"HIRES", false, {"Keck HIRES", 2990, 10500, std::nullopt, ""}},
        {"MIKE", false, {"Magellan MIKE", 3200, 10000, std::nullopt, ""}},
        {"MAGE", false, {"Magellan MagE", 3000, 11300, std::nullopt, ""}},
        {"UCLES", false, {"AAT UCLES", 3000, 11000, std::nullopt, ""}},
        {"HERMES", false, {"HERMES", 3700, 9500, std::nullopt, ""}},
        {"CHIRON", false, {"CHIRON", 4100, 8800, std::nullopt, ""}},
        {"TRES", false, {"TRES", 3800, 9200, std::nullopt, ""}},
        {"NRES", false, {"NRES", 3800, 8600, std::nullopt, ""}},
        {"TCES", false, {"TLS coude echelle", 4500, 7600, std::nullopt, ""}},
        {"APOGEE", false, {"APOGEE", 15000, 17100, Medium::Vacuum, "APOGEE writes vacuum wavelengths"}},
        {"LAMOST", true, {"LAMOST", 3650, 9200, Medium::Vacuum, "LAMOST writes vacuum wavelengths"}},
        {"SDSS", true, {"SDSS", 3550, 10500, Medium::Vacuum, "SDSS writes vacuum wavelengths"}},
    };
    return entries;
}

}  // namespace

std::optional<InstrumentInfo> findInstrument(std::string_view instrume, std::string_view telescop)
{
    const std::string inst = toUpper(trim(instrume));
    const std::string tel = toUpper(trim(telescop));
    for (const auto& e : table()) {
        const std::string& value = e.telescope ? tel : inst;
        if (!value.empty() && startsWithI(value, e.key)) return e.info;
    }
    // Some pipelines name the spectrograph only in TELESCOP ("TLS 2m" for the Tautenburg echelle).
    if (startsWithI(tel, "TLS")) return InstrumentInfo{"TLS coude echelle", 4500, 7600, std::nullopt, ""};
    return std::nullopt;
}

}  // namespace remap::io
