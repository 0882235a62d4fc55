#include "Progress.h"

#include "Error.h"

namespace remap {

void throwIfCancelled(const ProgressObserver& progress)
{
    if (progress.cancelRequested()) throw Cancelled();
}

}  // namespace remap
