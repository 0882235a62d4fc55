#pragma once

#include <cmath>

namespace remap::synth {

// Voigt function H(a, v) = Re w(v + i a), normalized so that integral H dv = sqrt(pi) and
// H(0, v) = exp(-v^2). Humlicek (1982, JQSRT 27, 437) W4 rational approximation, relative
// accuracy about 1e-4, written with real arithmetic (no std::complex division helpers) because
// it runs in the synthesizer's innermost loop.
inline double voigtH(double a, double v)
{
    const double x = std::fabs(v);
    const double y = a;
    const double s = x + y;
    if (s >= 15.0) {
        // Region I: w = t / sqrt(pi) / (0.5 + t^2), t = y - i x.
        const double dr = 0.5 + y * y - x * x;
        const double di = -2.0 * x * y;
        return 0.5641896 * y * (0.5 + y * y + x * x) / (dr * dr + di * di);
    }
    // t = y - i x
    const double tr = y, ti = -x;
    if (s >= 5.5) {
        // Region II: w = t (1.410474 + 0.5641896 u) / (0.75 + u (3 + u)), u = t^2.
        const double ur = tr * tr - ti * ti, ui = 2.0 * tr * ti;
        const double nr0 = 1.410474 + 0.5641896 * ur, ni0 = 0.5641896 * ui;
        const double nr = tr * nr0 - ti * ni0, ni = tr * ni0 + ti * nr0;
        const double qr = 3.0 + ur, qi = ui;
        const double dr = 0.75 + (ur * qr - ui * qi), di = ur * qi + ui * qr;
        return (nr * dr + ni * di) / (dr * dr + di * di);
    }
    if (y >= 0.195 * x - 0.176) {
        // Region III.
        double nr = 0.5642236, ni = 0.0;
        const double nc[4] = {3.778987, 11.96482, 20.20933, 16.4955};
        for (double c : nc) {
            const double r = nr * tr - ni * ti + c;
            ni = nr * ti + ni * tr;
            nr = r;
        }
        double dr = 1.0, di = 0.0;
        const double dc[5] = {6.699398, 21.69274, 39.27121, 38.82363, 16.4955};
        for (double c : dc) {
            const double r = dr * tr - di * ti + c;
            di = dr * ti + di * tr;
            dr = r;
        }
        return (nr * dr + ni * di) / (dr * dr + di * di);
    }
    // Region IV: w = exp(u) - t P(u) / Q(u), u = t^2.
    const double ur = tr * tr - ti * ti, ui = 2.0 * tr * ti;
    // P(u) = 36183.31 - u (3321.9905 - u (1540.787 - u (219.0313 - u (35.76683 - u (1.320522 - u 0.56419)))))
    double pr = 0.56419, pi = 0.0;
    const double pc[6] = {1.320522, 35.76683, 219.0313, 1540.787, 3321.9905, 36183.31};
    for (double c : pc) {
        // p = c - u p
        const double r = c - (ur * pr - ui * pi);
        pi = -(ur * pi + ui * pr);
        pr = r;
    }
    // Q(u) = 32066.6 - u (24322.84 - u (9022.228 - u (2186.181 - u (364.2191 - u (61.57037 - u (1.841439 - u))))))
    double qr = 1.0, qi = 0.0;
    const double qc[7] = {1.841439, 61.57037, 364.2191, 2186.181, 9022.228, 24322.84, 32066.6};
    bool first = true;
    for (double c : qc) {
        if (first) {
            qr = c - ur;
            qi = -ui;
            first = false;
            continue;
        }
        const double r = c - (ur * qr - ui * qi);
        qi = -(ur * qi + ui * qr);
        qr = r;
    }
    // t P
    const double tpr = tr * pr - ti * pi, tpi = tr * pi + ti * pr;
    const double den = qr * qr + qi * qi;
    const double fracR = (tpr * qr + tpi * qi) / den;
    return std::exp(ur) * std::cos(ui) - fracR;
}

}  // namespace remap::synth
