#include "SummaryPanel.h"

#include "PredictionRunner.h"

#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>

#include <cmath>

namespace remap::ui {
namespace {

QString paramTitle(Param p)
{
    switch (p) {
        case Param::Teff:
            return QObject::tr("T<sub>eff</sub>");
        case Param::Logg:
            return QObject::tr("log g");
        case Param::Feh:
            return QObject::tr("[Fe/H]");
    }
    return {};
}

QString unitOf(Param p)
{
    return p == Param::Teff ? QObject::tr("K") : p == Param::Logg ? QObject::tr("dex (cgs)") : QObject::tr("dex");
}

int decimalsOf(Param p)
{
    return p == Param::Teff ? 0 : 2;
}

QString number(double v, int decimals, bool sign = false)
{
    QString s = QString::number(v, 'f', decimals);
    if (sign && v >= 0) s.prepend('+');
    return s;
}

QString paramReadable(const QString& name)
{
    if (name == "teff") return QObject::tr("Teff");
    if (name == "logg") return QObject::tr("log g");
    if (name == "feh") return QObject::tr("[Fe/H]");
    return name;
}

}  // namespace

QString SummaryPanel::explainFlag(const QString& flag)
{
    if (flag == "low_snr")
        return tr("The signal-to-noise ratio is low: the posteriors are wider and the values less reliable.");
    if (flag == "many_masked_pixels")
        return tr(
            "A large part of the model's wavelength range is masked or not covered by this spectrum, so the "
            "network sees fewer lines than it was trained with.");
    if (flag.startsWith("outside_trained_range:"))
        return tr("Much of the probability for %1 piles up at the edge of the range the model was trained on: "
                  "the star may lie outside it, so read the value as a limit, not a measurement.")
            .arg(paramReadable(flag.section(':', 1)));
    if (flag.startsWith("multimodal:"))
        return tr("The posterior of %1 has separate peaks: the spectrum fits distinct solutions; the mean may lie "
                  "between them.")
            .arg(paramReadable(flag.section(':', 1)));
    if (flag.startsWith("preprocessing:"))
        return tr("A warning from preparing the spectrum for the network (wavelength medium, radial velocity, "
                  "resolution, continuum or S/N): %1")
            .arg(flag.section(':', 1).trimmed());
    return tr("A note from the model.");
}

SummaryPanel::SummaryPanel(QWidget* parent)
    : QWidget(parent), label_(new QLabel), flagsTitle_(new QLabel(tr("<b>Flags</b>"))), flags_(new QListWidget)
{
    label_->setTextFormat(Qt::RichText);
    label_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label_->setWordWrap(true);
    label_->setToolTip(
        tr("Values: median with the distance to the 16th and 84th percentiles (as remap predict prints them).\n"
           "S/N: DER_SNR of the input pixels over the model's range. RV: radial velocity removed by the\n"
           "preprocessing (needs the model's RV template). Masked: network input pixels that are bad or not\n"
           "covered by the file."));
    flags_->setToolTip(tr("Hover over a flag for what it means"));
    flags_->setMaximumHeight(90);
    flags_->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(label_);
    layout->addWidget(flagsTitle_);
    layout->addWidget(flags_);
    showEmpty();
}

void SummaryPanel::showEmpty()
{
    label_->setText(
        tr("<h3>No spectrum</h3><p>Open a FITS or text spectrum with <b>File ▸ Open</b> "
           "(Ctrl+O) or drop a file here.</p>"));
    flags_->clear();
    flagsTitle_->setVisible(false);
    flags_->setVisible(false);
}

void SummaryPanel::showInspection(const Inspection& r, std::optional<std::array<double, 3>> reference)
{
    const Spectrum& s = r.spectrum;
    QString html = QStringLiteral("<h3>%1</h3>").arg(QFileInfo(r.path).fileName().toHtmlEscaped());
    if (!s.objectName.empty())
        html += QStringLiteral("<p>%1</p>").arg(QString::fromStdString(s.objectName).toHtmlEscaped());
    html += QStringLiteral("<table cellspacing=2>");
    // `note`: a second, smaller line (QLabel rich text has no per-row tooltips).
    auto row = [&html](const QString& key, const QString& value, const QString& note = {}) {
        html += QStringLiteral("<tr><td valign=top><b>%1</b>&nbsp;</td><td>%2%3</td></tr>")
                    .arg(key, value, note.isEmpty() ? QString() : QStringLiteral("<br><small>%1</small>").arg(note));
    };
    if (r.prediction) {
        const Prediction& p = *r.prediction;
        for (Param param : kAllParams) {
            const auto& post = p[static_cast<int>(param)];
            const int d = decimalsOf(param);
            QString value = QStringLiteral("%1 <sup>+%2</sup><sub>−%3</sub> %4")
                                .arg(number(post.median, d, param == Param::Feh), number(post.p84 - post.median, d),
                                     number(post.median - post.p16, d), unitOf(param));
            const int i = static_cast<int>(param);
            if (reference && std::isfinite((*reference)[i]))
                value += tr(" &nbsp;(reference %1)").arg(number((*reference)[i], d, param == Param::Feh));
            row(paramTitle(param), value,
                tr("mean %1, mode %2<br>68 %: %3 – %4, 95 %: %5 – %6")
                    .arg(number(post.mean, d), number(post.mode, d), number(post.hdi68Lo, d), number(post.hdi68Hi, d),
                         number(post.hdi95Lo, d), number(post.hdi95Hi, d)));
        }
        row(tr("S/N"), p.snr > 0 ? tr("%1 per pixel").arg(p.snr, 0, 'f', 1) : tr("noiseless or not estimable"));
        const double rvErr = r.prepared ? r.prepared->rvErrKms : NAN;
        row(tr("RV"), std::isfinite(p.rv)
                          ? (std::isfinite(rvErr) ? tr("%1 ± %2 km/s").arg(p.rv, 0, 'f', 2).arg(rvErr, 0, 'f', 2)
                                                  : tr("%1 km/s").arg(p.rv, 0, 'f', 2))
                          : tr("not measured"));
        row(tr("Masked"), tr("%1 % of the model grid").arg(100.0 * p.maskedFraction, 0, 'f', 1));
    } else {
        row(tr("Format"), QString::fromStdString(s.provenance.format));
        row(tr("Pixels"), tr("%1 (%2 masked)").arg(s.size()).arg(s.maskedCount()));
        if (!s.empty())
            row(tr("Range"), tr("%1 – %2 Å").arg(s.wavelength.front(), 0, 'f', 2).arg(s.wavelength.back(), 0, 'f', 2));
        row(tr("Medium"), QString::fromUtf8(toString(s.medium).data()));
        const double snr = estimateSnr(s);
        row(tr("S/N"), snr > 0 ? QString::number(snr, 'f', 1) : tr("not estimable"));
        for (Param param : kAllParams) {
            const int i = static_cast<int>(param);
            if (reference && std::isfinite((*reference)[i]))
                row(paramTitle(param),
                    tr("%1 %2 (reference)")
                        .arg(number((*reference)[i], decimalsOf(param), param == Param::Feh), unitOf(param)));
        }
    }
    if (r.predictor) {
        row(tr("Model"), QString::fromStdString(r.predictor->bundle().card().name).toHtmlEscaped());
        row(tr("Device"), QString::fromStdString(r.predictor->deviceName()));
    }
    html += QStringLiteral("</table>");
    label_->setText(html);

    flags_->clear();
    if (r.prediction)
        for (const auto& f : r.prediction->flags) {
            const QString flag = QString::fromStdString(f);
            auto* item = new QListWidgetItem(flag, flags_);
            item->setToolTip(explainFlag(flag));
        }
    flagsTitle_->setText(r.prediction && r.prediction->flags.empty() ? tr("<b>Flags</b>: none") : tr("<b>Flags</b>"));
    flagsTitle_->setVisible(r.prediction.has_value());
    flags_->setVisible(flags_->count() > 0);
}

QString SummaryPanel::text() const
{
    QString out = label_->text();
    for (int i = 0; i < flags_->count(); ++i) out += '\n' + flags_->item(i)->text();
    return out;
}

int SummaryPanel::flagCount() const
{
    return flags_->count();
}

}  // namespace remap::ui
