#pragma once

// What REMAP knows about the spectrographs whose files users bring: the wavelength range each can
// record (to catch a wrong unit) and, where its pipeline is known to write one medium, that medium.

#include "base/Spectrum.h"

#include <optional>
#include <string>
#include <string_view>

namespace remap::io {

struct InstrumentInfo {
    std::string name;        // as shown to users, e.g. "HARPS"
    double minAngstrom = 0;  // the range its detector(s) can record
    double maxAngstrom = 0;
    std::optional<Medium> medium;  // the medium its standard pipeline writes, when that is certain
    std::string mediumNote;        // why, for provenance ("the ESO HARPS DRS writes air wavelengths")
};

// The instrument named by INSTRUME (else TELESCOP) values, or nullopt when it is not one REMAP knows.
std::optional<InstrumentInfo> findInstrument(std::string_view instrume, std::string_view telescop);

}  // namespace remap::io
