#pragma once

#include "base/Spectrum.h"
#include "io/SpectrumReader.h"

#include <string_view>

namespace remap {

class FitsFile;

// One on-disk FITS spectrum layout: its user-facing name, its signature, and how to read it.
class SpectrumFormat {
public:
    virtual ~SpectrumFormat() = default;

    // Format name as used by ReadOptions::format / --format, e.g. "sdss-spec".
    virtual std::string_view name() const = 0;
    // One line saying what identifies the layout, for messages.
    virtual std::string_view signature() const = 0;
    // True when the open file carries this layout's signature. May move between HDUs; throws
    // remap::Error only when the file itself is unreadable.
    virtual bool matches(FitsFile& file) const = 0;
    // Reads the arrays and metadata. The caller finalize()s the result. Throws remap::Error
    // naming file, HDU and problem when the file does not hold a usable spectrum.
    virtual Spectrum read(FitsFile& file, const ReadOptions& options) const = 0;
};

}  // namespace remap
