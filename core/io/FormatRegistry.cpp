#include "io/FormatRegistry.h"

#include "io/formats/ApogeeFormats.h"
#include "io/formats/EchelleImageFormat.h"
#include "io/formats/IrafFormats.h"
#include "io/formats/LamostFormat.h"
#include "io/formats/LamostMrsFormat.h"
#include "io/formats/PhoenixFormats.h"
#include "io/formats/RemapFormat.h"
#include "io/formats/SdssFormat.h"
#include "io/formats/TabularFormat.h"
#include "io/formats/Wcs1dFormat.h"

namespace remap {

namespace {
std::vector<std::unique_ptr<SpectrumFormat>> makeRegistry()
{
    std::vector<std::unique_ptr<SpectrumFormat>> formats;
    // PHOENIX first: its flux file also holds an abundance table the generic table reader would take.
    formats.push_back(std::make_unique<PhoenixMedresFormat>());  // PHXTEFF + wavelength keywords
    formats.push_back(std::make_unique<PhoenixHiresFormat>());   // PHXTEFF, wavelengths in the WAVE file
    formats.push_back(std::make_unique<RemapFormat>());
    formats.push_back(std::make_unique<SdssFormat>());
    formats.push_back(std::make_unique<AspcapStarFormat>());  // before apStar: it may carry NVISITS too
    formats.push_back(std::make_unique<ApStarFormat>());
    formats.push_back(std::make_unique<LamostMrsFormat>());  // before LRS: both are TELESCOP LAMOST with FLUX
    formats.push_back(std::make_unique<LamostFormat>());
    formats.push_back(std::make_unique<IrafMultispecFormat>());
    formats.push_back(std::make_unique<Iraf1dFormat>());
    formats.push_back(std::make_unique<EchelleImageFormat>());  // before wcs1d: a 1-D FLUX may have a WAVE image
    formats.push_back(std::make_unique<Wcs1dFormat>());
    formats.push_back(std::make_unique<TabularFormat>());
    return formats;
}
}  // namespace

const std::vector<std::unique_ptr<SpectrumFormat>>& fitsFormats()
{
    static const auto registry = makeRegistry();
    return registry;
}

const SpectrumFormat* findFitsFormat(std::string_view name)
{
    for (const auto& format : fitsFormats())
        if (format->name() == name) return format.get();
    return nullptr;
}

}  // namespace remap
