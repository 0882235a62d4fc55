// The C++ network against the Python reference (bench/python/remap_net.py): same weights (raw
// export, no pickles), same inputs, posteriors equal to 1e-4. Skipped when /usr/bin/python3 has no torch.
#include "TestSupport.h"
#include "ml/ModelBundle.h"
#include "ml/TorchBundle.h"

#include <torch/torch.h>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using namespace remap;

namespace {

const QString kPython = "/usr/bin/python3";

QString script()
{
    return QString::fromStdString(test::sourceDir()) + "/bench/python/remap_net.py";
}

// Runs python with `args`; returns its exit status (-1 when it did not start or finish).
int runPython(const QStringList& args, QString* output = nullptr)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(kPython, args);
    if (!process.waitForStarted(10000) || !process.waitForFinished(180000)) return -1;
    if (output) *output = QString::fromUtf8(process.readAll());
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

std::array<torch::Tensor, 4> cppOutputs(ModelBundle& bundle, const torch::Tensor& x,
                                        const torch::Tensor& photometry = {})
{
    torch::NoGradGuard noGrad;
    auto& net = bundleNetwork(bundle);
    net->eval();
    const auto out = net->forward(x, photometry);
    return {torch::softmax(out.logits[0], 1).to(torch::kFloat64), torch::softmax(out.logits[1], 1).to(torch::kFloat64),
            torch::softmax(out.logits[2], 1).to(torch::kFloat64), out.embedding.to(torch::kFloat64)};
}

double maxDifference(const torch::Tensor& cpp, const QJsonArray& python)
{
    double worst = 0.0;
    if (python.size() != cpp.size(0)) return 1e30;
    for (int b = 0; b < python.size(); ++b) {
        const auto row = python[b].toArray();
        if (row.size() != cpp.size(1)) return 1e30;
        for (int k = 0; k < row.size(); ++k)
            worst = std::max(worst, std::abs(row[k].toDouble() - cpp[b][k].item<double>()));
    }
    return worst;
}

}  // namespace

class TestPythonParity : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void posteriorsMatchPython();
    void weightsExportedByPythonLoadInCpp();
    void attentionAndPhotometryMatchPython();
    void formatOneCardsReadInPython();

private:
    QTemporaryDir dir_;
    std::optional<ModelBundle> bundle_;
    torch::Tensor input_;
};

void TestPythonParity::initTestCase()
{
    if (runPython({"-c", "import torch, numpy"}) != 0)
        QSKIP("/usr/bin/python3 cannot import torch and numpy: the Python reference cannot run here");
    QVERIFY(QFile::exists(script()));
    torch::set_num_threads(1);
    // The default (shipping) architecture and bins, with random weights and batch-norm statistics.
    ModelCard card;
    card.name = "parity";
    bundle_.emplace(ModelBundle::create(card, 17));
    {
        torch::NoGradGuard noGrad;
        for (auto& b : bundleNetwork(*bundle_)->named_buffers()) {
            if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0.0, 0.2);
            if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 2.0);
        }
    }
    bundle_->exportRawWeights(dir_.filePath("raw").toStdString());
    // Three spectra: noise around the continuum with absorption dips, the second with a masked stretch.
    torch::manual_seed(3);
    const int p = card.network.inputLength;
    auto flux = 1.0 - 0.05 * torch::rand({3, p});
    for (int line = 100; line < p; line += 250) flux.narrow(1, line, 5).sub_(0.4);
    std::vector<float> f(flux.data_ptr<float>(), flux.data_ptr<float>() + 3 * p),
        m(static_cast<std::size_t>(3 * p), 0.0f);
    for (int i = 500; i < 900; ++i) m[static_cast<std::size_t>(p + i)] = 1.0f;
    input_ = makeNetworkInput(f, m, 3, p);
    std::ofstream(dir_.filePath("x.bin").toStdString(), std::ios::binary)
        .write(static_cast<const char*>(input_.data_ptr()),
               static_cast<std::streamsize>(input_.numel() * sizeof(float)));
}

void TestPythonParity::posteriorsMatchPython()
{
    QString log;
    const int status = runPython({script(), "predict", "--weights", dir_.filePath("raw"), "--input",
                                  dir_.filePath("x.bin"), "--output", dir_.filePath("python.json")},
                                 &log);
    QVERIFY2(status == 0, qPrintable(log));
    QFile file(dir_.filePath("python.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto doc = QJsonDocument::fromJson(file.readAll()).object();
    const auto cpp = cppOutputs(*bundle_, input_);
    const char* heads[3] = {"teff", "logg", "feh"};
    for (int h = 0; h < 3; ++h) {
        const double diff = maxDifference(cpp[h], doc["probabilities"].toObject()[heads[h]].toArray());
        qInfo("%s: max |C++ - Python| probability difference %.3g", heads[h], diff);
        QVERIFY2(diff < 1e-4, qPrintable(QString("%1 differs by %2").arg(heads[h]).arg(diff)));
    }
    const double diff = maxDifference(cpp[3], doc["embedding"].toArray());
    qInfo("embedding: max difference %.3g", diff);
    QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));
}

void TestPythonParity::weightsExportedByPythonLoadInCpp()
{
    // Python reads the C++ export and writes it again with its own exporter (the route for models
    // trained in Python); C++ imports that into a differently initialized bundle.
    const QString code = QString(
                             "import sys; sys.path.insert(0, '%1'); import remap_net as r; "
                             "card, m = r.load_model('%2'); r.export_raw(m, card, '%3')")
                             .arg(QString::fromStdString(test::sourceDir()) + "/bench/python", dir_.filePath("raw"),
                                  dir_.filePath("raw-python"));
    QString log;
    QVERIFY2(runPython({"-c", code}, &log) == 0, qPrintable(log));
    ModelCard card;
    card.name = "parity";
    auto other = ModelBundle::create(card, 99);
    other.importRawWeights(dir_.filePath("raw-python").toStdString());
    const auto a = cppOutputs(*bundle_, input_);
    const auto b = cppOutputs(other, input_);
    for (int k = 0; k < 4; ++k) QVERIFY(torch::equal(a[k], b[k]));
}

namespace {

// Random batch-norm statistics and non-trivial layer norms, so that a missed term would show.
void randomizeState(ModelBundle& bundle)
{
    torch::NoGradGuard noGrad;
    for (auto& b : bundleNetwork(bundle)->named_buffers()) {
        if (b.key().find("running_mean") != std::string::npos) b.value().normal_(0.0, 0.2);
        if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 2.0);
    }
    for (auto& p : bundleNetwork(bundle)->named_parameters())
        if (p.key().find("norm") != std::string::npos) p.value().uniform_(0.5, 1.5);
}

void writeFloats(const QString& path, const torch::Tensor& t)
{
    const auto c = t.contiguous();
    std::ofstream(path.toStdString(), std::ios::binary)
        .write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.numel() * sizeof(float)));
}

}  // namespace

void TestPythonParity::attentionAndPhotometryMatchPython()
{
    // The default trunk with a two-block attention stage and the photometric branch; three stars with all,
    // some and none of the photometric inputs.
    ModelCard card;
    card.name = "parity-multimodal";
    card.network.attention.layers = 2;
    card.network.attention.heads = 4;
    card.network.photometry.enabled = true;
    auto bundle = ModelBundle::create(card, 23);
    randomizeState(bundle);
    bundle.exportRawWeights(dir_.filePath("raw-mm").toStdString());
    std::vector<Photometry> stars(3);
    const double full[] = {11.2, 0.82, 4.1, 0.03, 10.1, 9.7, 9.6, 0.05};
    for (std::size_t k = 0; k < kPhotometryCount; ++k) stars[0].set(static_cast<PhotometryEntry>(k), full[k]);
    stars[1].set(kPhotG, 13.5);
    stars[1].set(kParallax, -0.2);  // a negative parallax of a distant giant is a measurement
    const auto phot = makePhotometryInput(stars, card.network.photometry);
    writeFloats(dir_.filePath("phot.bin"), phot);
    QString log;
    const int status = runPython(
        {script(), "predict", "--weights", dir_.filePath("raw-mm"), "--input", dir_.filePath("x.bin"), "--photometry",
         dir_.filePath("phot.bin"), "--attention", "--output", dir_.filePath("python-mm.json")},
        &log);
    QVERIFY2(status == 0, qPrintable(log));
    QFile file(dir_.filePath("python-mm.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto doc = QJsonDocument::fromJson(file.readAll()).object();
    const auto cpp = cppOutputs(bundle, input_, phot);
    const char* heads[3] = {"teff", "logg", "feh"};
    for (int h = 0; h < 3; ++h) {
        const double diff = maxDifference(cpp[h], doc["probabilities"].toObject()[heads[h]].toArray());
        qInfo("attention + photometry, %s: max |C++ - Python| probability difference %.3g", heads[h], diff);
        QVERIFY2(diff < 1e-4, qPrintable(QString("%1 differs by %2").arg(heads[h]).arg(diff)));
    }
    QVERIFY(maxDifference(cpp[3], doc["embedding"].toArray()) < 1e-4);
    // The photometry changed the answer: the same spectra without it give other posteriors.
    const auto none = cppOutputs(bundle, input_);
    QVERIFY((none[0] - cpp[0]).abs().max().item<double>() > 1e-6);
    // Attention weights of every block, every head.
    torch::NoGradGuard noGrad;
    const auto out = bundleNetwork(bundle)->forward(input_, phot, true);
    const auto python = doc["attention"].toArray();
    QCOMPARE(python.size(), 2);
    double worst = 0.0;
    for (int layer = 0; layer < 2; ++layer) {
        const auto w = out.attention[static_cast<std::size_t>(layer)].to(torch::kFloat64);
        const auto pyLayer = python[layer].toArray();
        for (int b = 0; b < 3; ++b)
            for (int h = 0; h < 4; ++h) {
                const auto rows = pyLayer[b].toArray()[h].toArray();
                worst = std::max(worst, maxDifference(w[b][h], rows));
            }
    }
    qInfo("attention weights: max |C++ - Python| %.3g", worst);
    QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
}

void TestPythonParity::formatOneCardsReadInPython()
{
    // A raw export whose card predates attention and photometry (format 1) loads in Python as the
    // purely convolutional network, as ModelCard's reader does in C++.
    const QString raw = dir_.filePath("raw");
    QFile index(raw + "/weights.json");
    QVERIFY(index.open(QIODevice::ReadOnly));
    auto j = nlohmann::json::parse(index.readAll().toStdString());
    index.close();
    j["card"]["format_version"] = 1;
    j["card"]["network"].erase("attention");
    j["card"]["network"].erase("photometry");
    QVERIFY(QDir().mkpath(dir_.filePath("raw-v1")));
    std::ofstream(dir_.filePath("raw-v1/weights.json").toStdString()) << j.dump();
    QVERIFY(QFile::copy(raw + "/weights.bin", dir_.filePath("raw-v1/weights.bin")));
    QString log;
    const int status = runPython({script(), "predict", "--weights", dir_.filePath("raw-v1"), "--input",
                                  dir_.filePath("x.bin"), "--output", dir_.filePath("python-v1.json")},
                                 &log);
    QVERIFY2(status == 0, qPrintable(log));
    QFile file(dir_.filePath("python-v1.json"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto doc = QJsonDocument::fromJson(file.readAll()).object();
    QVERIFY(maxDifference(cppOutputs(*bundle_, input_)[0], doc["probabilities"].toObject()["teff"].toArray()) < 1e-4);
}

QTEST_GUILESS_MAIN(TestPythonParity)
#include "test_ml_python_parity.moc"
