// SHA-256 (ml/Sha256.h) against the FIPS 180-2 example vectors and Python's hashlib, and the sealed bundle
// header's payload digest against hashlib's digest of the file's bytes.
#include "TestSupport.h"
#include "ml/ModelBundle.h"
#include "ml/Sha256.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <random>
#include <sstream>

using namespace remap;

class TestChecksum : public QObject {
    Q_OBJECT
private slots:
    void standardVectors();
    void piecewiseEqualsWhole();
    void agreesWithHashlib();
    void bundleHeaderDigest();
};

void TestChecksum::standardVectors()
{
    // FIPS 180-2, appendix B, and the empty message.
    QCOMPARE(sha256Hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    QCOMPARE(sha256Hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QCOMPARE(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
             std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    QCOMPARE(sha256Hex(std::string(1000000, 'a')),
             std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
}

void TestChecksum::piecewiseEqualsWhole()
{
    std::mt19937_64 rng(3);
    std::string data(5000, '\0');
    for (auto& c : data) c = static_cast<char>(rng());
    for (std::size_t piece : {1u, 7u, 63u, 64u, 65u, 1000u}) {
        Sha256 h;
        for (std::size_t at = 0; at < data.size(); at += piece) h.update(std::string_view(data).substr(at, piece));
        QCOMPARE(h.hexDigest(), sha256Hex(data));
    }
}

void TestChecksum::agreesWithHashlib()
{
    // Lengths around the 55/56/64-byte padding boundaries and beyond, random bytes.
    QTemporaryDir dir;
    std::mt19937_64 rng(5);
    QStringList expected;
    for (std::size_t n : {0u, 1u, 55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u, 1000u, 4097u}) {
        std::string data(n, '\0');
        for (auto& c : data) c = static_cast<char>(rng());
        std::ofstream(dir.filePath(QString("m%1.bin").arg(n)).toStdString(), std::ios::binary) << data;
        expected << QString::fromStdString(sha256Hex(data));
    }
    QProcess python;
    python.start("/usr/bin/python3",
                 {"-c",
                  "import hashlib, sys\n"
                  "for n in (0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4097):\n"
                  " print(hashlib.sha256(open(f'{sys.argv[1]}/m{n}.bin', 'rb').read()).hexdigest())",
                  dir.path()});
    QVERIFY(python.waitForFinished(60000));
    QCOMPARE(QString::fromUtf8(python.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts), expected);
}

void TestChecksum::bundleHeaderDigest()
{
    QTemporaryDir dir;
    ModelCard card;
    card.network.inputLength = 256;
    card.network.stageWidths = {4, 8};
    card.network.blocksPerStage = {1, 1};
    card.network.stageKernels = {5, 3};
    ModelBundle::create(card, 2).save(dir.filePath("b.remap").toStdString());
    QProcess python;
    python.start("/usr/bin/python3",
                 {"-c",
                  "import hashlib, sys\n"
                  "b = open(sys.argv[1], 'rb').read()\n"
                  "assert b[:8] == b'REMAPMDL' and int.from_bytes(b[16:24], 'little') == len(b) - 56\n"
                  "print('OK' if hashlib.sha256(b[56:]).digest() == b[24:56] else 'DIFFERENT')",
                  dir.filePath("b.remap")});
    QVERIFY(python.waitForFinished(60000));
    QCOMPARE(QString::fromUtf8(python.readAllStandardOutput() + python.readAllStandardError()).trimmed(),
             QString("OK"));
}

QTEST_GUILESS_MAIN(TestChecksum)
#include "test_ml_checksum.moc"
