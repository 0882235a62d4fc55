#include "Elements.h"

#include "PhysicsData.h"
#include "base/Error.h"

#include <array>
#include <sstream>

namespace remap::synth {
namespace {

const std::array<ElementData, kElementCount>& table()
{
    static const std::array<ElementData, kElementCount> elements = [] {
        std::array<ElementData, kElementCount> t{};
        std::istringstream in{std::string(physicsFile("elements.dat"))};
        std::string line;
        int count = 0;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::istringstream fields(line);
            ElementData e;
            fields >> e.z >> e.symbol >> e.mass >> e.ionization[0] >> e.ionization[1] >> e.ionization[2] >>
                e.solarAbundance;
            if (!fields || e.z < 1 || e.z > kElementCount)
                throw Error("malformed element table line: " + line, "physics data elements.dat");
            e.alpha =
                e.z == 8 || e.z == 10 || e.z == 12 || e.z == 14 || e.z == 16 || e.z == 18 || e.z == 20 || e.z == 22;
            t[static_cast<std::size_t>(e.z - 1)] = e;
            ++count;
        }
        if (count != kElementCount) throw Error("the element table is incomplete", "physics data elements.dat");
        return t;
    }();
    return elements;
}

}  // namespace

const ElementData* elementByZ(int z)
{
    if (z < 1 || z > kElementCount) return nullptr;
    return &table()[static_cast<std::size_t>(z - 1)];
}

const ElementData* elementBySymbol(std::string_view symbol)
{
    for (const auto& e : table())
        if (e.symbol == symbol) return &e;
    return nullptr;
}

const ElementData* elementsBegin()
{
    return table().data();
}

const ElementData* elementsEnd()
{
    return table().data() + table().size();
}

}  // namespace remap::synth
