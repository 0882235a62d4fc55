#pragma once

#include "io/SpectrumFormat.h"

#include <memory>
#include <string_view>
#include <vector>

namespace remap {

// The FITS layouts in detection order: specific signatures before generic ones
// (PHOENIX, remap-1d, SDSS, APOGEE, LAMOST MRS and LRS, IRAF multispec, IRAF 1-D, echelle images,
// wcs1d, tabular).
const std::vector<std::unique_ptr<SpectrumFormat>>& fitsFormats();

// The FITS layout called `name`, or nullptr ("text" is not a FITS layout).
const SpectrumFormat* findFitsFormat(std::string_view name);

}  // namespace remap
