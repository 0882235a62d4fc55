#include "AirVacuum.h"

#include "base/Error.h"

#include <string>

namespace remap {

namespace {

constexpr double kLowLimit = 2000.0;  // Angstrom, vacuum; the IAU convention's lower end

double indexFormula(double lambdaVac)
{
    const double s2 = 1e8 / (lambdaVac * lambdaVac);
    return 1.0 + 8.34254e-5 + 2.406147e-2 / (130.0 - s2) + 1.5998e-4 / (38.9 - s2);
}

const double kLowIndex = indexFormula(kLowLimit);

}  // namespace

double airRefractiveIndex(double lambdaVac)
{
    return lambdaVac < kLowLimit ? kLowIndex : indexFormula(lambdaVac);
}

double vacuumToAir(double lambdaVac)
{
    return lambdaVac / airRefractiveIndex(lambdaVac);
}

double airToVacuum(double lambdaAir)
{
    if (lambdaAir < kLowLimit / kLowIndex) return lambdaAir * kLowIndex;
    // Piskunov's inverse (VALD3), accurate to ~1e-5 A, then fixed-point iteration
    // vac = air * n(vac), which contracts by |dn/dln(lambda)| ~ 1e-5 per step.
    const double s2 = 1e8 / (lambdaAir * lambdaAir);
    const double n =
        1.0 + 8.336624212083e-5 + 2.408926869968e-2 / (130.1065924522 - s2) + 1.599740894897e-4 / (38.92568793293 - s2);
    double vac = lambdaAir * n;
    for (int i = 0; i < 3; ++i) vac = lambdaAir * airRefractiveIndex(vac);
    return vac;
}

Spectrum toMedium(const Spectrum& in, Medium target)
{
    if (target == Medium::Unknown)
        throw Error("cannot convert a spectrum to an unknown medium (choose air or vacuum)", in.provenance.file,
                    in.provenance.hdu);
    if (in.medium == Medium::Unknown)
        throw Error("the spectrum's wavelength medium (air or vacuum) is unknown, so it cannot be converted to " +
                        std::string(toString(target)),
                    in.provenance.file, in.provenance.hdu);
    Spectrum out = in;
    if (in.medium == target) return out;
    if (target == Medium::Air)
        for (double& w : out.wavelength) w = vacuumToAir(w);
    else
        for (double& w : out.wavelength) w = airToVacuum(w);
    out.medium = target;
    return out;
}

}  // namespace remap
