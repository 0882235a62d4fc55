#include "TeachingText.h"

#include <QStringList>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace remap::ui {
namespace {

const char* paramWords(Param p)
{
    return p == Param::Teff ? "Teff" : p == Param::Logg ? "log g" : "[Fe/H]";
}

QString places(const std::vector<double>& wavelength, const std::vector<std::size_t>& peaks)
{
    QStringList names;
    for (std::size_t i : peaks) {
        const QString name = describeWavelength(wavelength[i]);
        if (!names.contains(name)) names << name;
    }
    return names.join(QStringLiteral(", "));
}

}  // namespace

const std::vector<SpectralFeature>& teachingFeatures()
{
    // The strong lines of the embedded line list (resources/linelists/remap-strong.lines), air A.
    static const std::vector<SpectralFeature> features{
        {5018.44, "Fe II 5018"},  {5035.36, "Ni I 5035"},   {5167.32, "Mg I b 5167"}, {5169.03, "Fe II 5169"},
        {5172.68, "Mg I b 5173"}, {5183.60, "Mg I b 5184"}, {5197.58, "Fe II 5198"},  {5204.51, "Cr I 5205"},
        {5206.04, "Cr I 5206"},   {5208.42, "Cr I 5208"},   {5226.54, "Ti II 5227"},  {5227.19, "Fe I 5227"},
        {5232.94, "Fe I 5233"},   {5234.62, "Fe II 5235"},  {5269.54, "Fe I 5270"},   {5270.27, "Ca I 5270"},
        {5276.00, "Fe II 5276"},  {5316.61, "Fe II 5317"},  {5328.04, "Fe I 5328"},   {5336.79, "Ti II 5337"},
        {5371.49, "Fe I 5371"},   {5397.13, "Fe I 5397"},   {5405.77, "Fe I 5406"},   {5429.70, "Fe I 5430"},
        {5446.92, "Fe I 5447"},   {5455.61, "Fe I 5456"},   {5476.90, "Ni I 5477"},   {5528.41, "Mg I 5528"},
        {5534.85, "Fe II 5535"},  {5586.76, "Fe I 5587"},   {5588.75, "Ca I 5589"},   {5594.46, "Ca I 5594"},
        {5598.48, "Ca I 5598"},   {5601.28, "Ca I 5601"},   {5615.64, "Fe I 5616"},   {5682.63, "Na I 5683"},
        {5688.20, "Na I 5688"}};
    return features;
}

QString describeWavelength(double w)
{
    const auto& f = teachingFeatures();
    const auto nearest = std::min_element(f.begin(), f.end(), [w](const SpectralFeature& a, const SpectralFeature& b) {
        return std::fabs(a.wavelength - w) < std::fabs(b.wavelength - w);
    });
    if (nearest != f.end() && std::fabs(nearest->wavelength - w) <= 1.0) return QString::fromLatin1(nearest->name);
    if (w >= 5200.0 && w <= 5215.0) return QStringLiteral("the MgH band near 5211 Å");
    if (w >= 5160.0 && w <= 5192.0) return QStringLiteral("the Mg I b wings");
    return QStringLiteral("weak lines near %1 Å").arg(w, 0, 'f', 0);
}

std::vector<std::size_t> peakPixels(const std::vector<double>& wavelength, const std::vector<double>& values, int count,
                                    double separation)
{
    const std::size_t n = std::min(wavelength.size(), values.size());
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return std::fabs(values[a]) > std::fabs(values[b]); });
    std::vector<std::size_t> peaks;
    for (std::size_t i : order) {
        if (static_cast<int>(peaks.size()) >= count || !(std::fabs(values[i]) > 0)) break;
        const bool apart = std::all_of(peaks.begin(), peaks.end(), [&](std::size_t p) {
            return std::fabs(wavelength[p] - wavelength[i]) >= separation;
        });
        if (apart) peaks.push_back(i);
    }
    return peaks;
}

QString teachingExplanation(const TeachingResult& r)
{
    const double networkR = r.networkResolvingPower;
    const auto& q = r.request;
    if (!r.error.empty())
        return QStringLiteral("<p><b>This star cannot be made:</b> %1</p>")
            .arg(QString::fromStdString(r.error).toHtmlEscaped());
    QStringList p;

    // Temperature: excitation and ionization.
    if (q.teff < 4500)
        p << QStringLiteral(
                 "<b>Cool star (%1 K).</b> Low-excitation neutral lines (Fe I 5270 and 5328 Å, the Cr I triplet at "
                 "5206 Å) "
                 "are deep and the MgH band near 5211 Å appears. Many strongly temperature-sensitive lines: the "
                 "spectrum "
                 "carries a lot of Teff information.")
                 .arg(q.teff, 0, 'f', 0);
    else if (q.teff > 6200)
        p << QStringLiteral(
                 "<b>Hot star (%1 K).</b> Most metal atoms are ionized, so neutral lines fade and the spectrum has "
                 "fewer, "
                 "shallower lines: less information per pixel, larger Cramér-Rao σ.")
                 .arg(q.teff, 0, 'f', 0);
    else
        p << QStringLiteral(
                 "<b>Solar-type temperature (%1 K).</b> Line depths change with Teff through excitation (Boltzmann) "
                 "and "
                 "ionization (Saha): raising Teff weakens low-excitation Fe I lines.")
                 .arg(q.teff, 0, 'f', 0);

    // Gravity: pressure broadening and ionization balance.
    if (q.logg >= 4.0)
        p << QStringLiteral(
                 "<b>Dwarf (log g %1).</b> The dense photosphere broadens the Mg I b wings (5167, 5173, 5184 Å) by "
                 "collisions with hydrogen (van der Waals damping): the wings broaden with gravity and are its best "
                 "indicator.")
                 .arg(q.logg, 0, 'f', 2);
    else if (q.logg >= 3.5)
        p << QStringLiteral(
                 "<b>Subgiant (log g %1).</b> The Mg I b wings narrow as gravity drops, and the Fe II lines start to "
                 "strengthen.")
                 .arg(q.logg, 0, 'f', 2);
    else
        p << QStringLiteral(
                 "<b>Giant (log g %1).</b> Narrow Mg I b wings, while Fe II (5235, 5276, 5317 Å) and Ti II lines "
                 "strengthen at low gravity: with fewer free electrons the ionized species gain against the H⁻ "
                 "continuum opacity.")
                 .arg(q.logg, 0, 'f', 2);

    // Metallicity: the curve of growth.
    if (q.feh < -1.5)
        p << QStringLiteral(
                 "<b>Very metal-poor ([Fe/H] %1).</b> Most lines are weak, on the linear part of the curve of growth; "
                 "only "
                 "the strongest (Mg I b) remain. Every parameter becomes harder to measure.")
                 .arg(q.feh, 0, 'f', 2);
    else if (q.feh < -0.5)
        p << QStringLiteral(
                 "<b>Metal-poor ([Fe/H] %1).</b> Weak lines shrink in proportion to the abundance; strong lines less "
                 "so.")
                 .arg(q.feh, 0, 'f', 2);
    else
        p << QStringLiteral(
                 "<b>[Fe/H] %1.</b> Strong lines are saturated (flat part of the curve of growth) and hardly grow with "
                 "metallicity; the weak lines still grow in proportion to it and carry the [Fe/H] information.")
                 .arg(q.feh, 0, 'f', 2);

    // Noise and resolution.
    QString noise = QStringLiteral(
                        "<b>S/N %1.</b> The noise per pixel is about 1/%1 of the continuum, and the Cramér-Rao σ "
                        "scales as 1/(S/N): double the S/N, halve the σ.")
                        .arg(q.snr, 0, 'f', 0);
    if (q.snr < 30) noise += QStringLiteral(" Lines shallower than a few per cent drown in the noise.");
    p << noise;
    QString res = QStringLiteral("<b>R = %1.</b> ").arg(q.resolvingPower, 0, 'f', 0);
    if (networkR > 0 && q.resolvingPower < 0.95 * networkR)
        res += QStringLiteral(
                   "The instrument blurs the lines more than the R = %1 the network was trained on; the preprocessing "
                   "cannot sharpen them, so the network sees spectra unlike its training data.")
                   .arg(networkR, 0, 'f', 0);
    else if (networkR > 0 && q.resolvingPower > 1.05 * networkR)
        res += QStringLiteral(
                   "Sharper lines carry more information, but the network's preprocessing first degrades every "
                   "spectrum to its R = %1: the extra information is lost to it.")
                   .arg(networkR, 0, 'f', 0);
    else
        res += QStringLiteral(
            "Resolution sets how sharp the lines are: blends separate as R grows, and the "
            "information rises.");
    p << res;

    // Where the physical information lies.
    const int k = static_cast<int>(q.param);
    if (r.hasInformation) {
        const auto peaks = peakPixels(r.wavelength, r.information[static_cast<std::size_t>(k)], 3);
        if (!peaks.empty())
            p << QStringLiteral("<b>Information.</b> The %1 information per pixel peaks at %2.")
                     .arg(QLatin1String(paramWords(q.param)), places(r.wavelength, peaks));
    }

    // The network.
    if (!r.prediction) {
        p << (r.networkNote == "no model" || r.networkNote.empty()
                  ? QStringLiteral("<b>No model:</b> load a model to see what the network makes of this star.")
                  : QStringLiteral("<b>The network could not run:</b> %1")
                        .arg(QString::fromStdString(r.networkNote).toHtmlEscaped()));
    } else {
        const auto& post = (*r.prediction)[k];
        const double truth = k == 0 ? q.teff : k == 1 ? q.logg : q.feh;
        const int digits = k == 0 ? 0 : 2;
        QString net = QStringLiteral("<b>The network</b> says %1 = %2 ± %3 (the slider: %4).")
                          .arg(QLatin1String(paramWords(q.param)), QString::number(post.mean, 'f', digits),
                               QString::number(post.sigma(), 'f', digits), QString::number(truth, 'f', digits));
        if (r.hasInformation && std::isfinite(r.crlb[static_cast<std::size_t>(k)]))
            net += QStringLiteral(" No unbiased method can beat σ = %1 with this noise (the Cramér-Rao bound).")
                       .arg(QString::number(r.crlb[static_cast<std::size_t>(k)], 'f', k == 0 ? 1 : 3));
        std::vector<double> sal(r.saliency.begin(), r.saliency.end());
        const auto salPeaks = peakPixels(r.saliencyWavelength, sal, 3);
        if (!salPeaks.empty())
            net += QStringLiteral(" Its saliency for %1 peaks on %2.")
                       .arg(QLatin1String(paramWords(q.param)), places(r.saliencyWavelength, salPeaks));
        if (!r.prediction->flags.empty()) {
            QStringList flags;
            for (const auto& f : r.prediction->flags) flags << QString::fromStdString(f).toHtmlEscaped();
            net += QStringLiteral(" Flags: %1.").arg(flags.join(QStringLiteral(", ")));
        }
        p << net;
    }
    return QStringLiteral("<p>") + p.join(QStringLiteral("</p><p>")) + QStringLiteral("</p>");
}

}  // namespace remap::ui
