// TrainingSetWriter / TrainingSetReader: the schema on disk (checked with the HDF5 C API, not with
// our own reader), round trips, resuming an interrupted append, and clear errors for bad files.
#include "TestSupport.h"
#include "base/Error.h"
#include "data/TrainingSet.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace remap;

namespace {

constexpr std::size_t kPixels = 96;

TrainingSetHeader makeHeader()
{
    TrainingSetHeader h;
    h.kind = DatasetKind::Observed;
    h.preprocessSpec = {{"pixels", kPixels}, {"note", "test"}};
    h.provenance = {{"command", "test"}, {"inputs", {"a", "b"}}};
    h.inputsDigest = "0123456789abcdef";
    for (std::size_t p = 0; p < kPixels; ++p) h.wavelength.push_back(5000.0 + 0.5 * static_cast<double>(p));
    return h;
}

// Row r has values that identify it: flux = r + p / 1000, ivar = 1 / (r + 1), mask every 7th pixel.
TrainingRow makeRow(std::size_t r)
{
    TrainingRow row;
    for (std::size_t p = 0; p < kPixels; ++p) {
        row.flux.push_back(static_cast<float>(static_cast<double>(r) + static_cast<double>(p) / 1000.0));
        row.mask.push_back((p + r) % 7 == 0 ? 1 : 0);
        row.ivar.push_back(row.mask.back() ? 0.0f : 1.0f / static_cast<float>(r + 1));
    }
    row.labels = {4000.0 + 100.0 * static_cast<double>(r), 4.5, -0.5, r % 2 ? kUnknownLabel : 0.2};
    row.snr = 50.0 + static_cast<double>(r);
    row.rv = -12.5 + static_cast<double>(r);
    row.source = "dir/spectrum-" + std::to_string(r) + ".fits";
    row.interpolated = r % 3 == 0;
    return row;
}

void writeRows(TrainingSetWriter& w, std::size_t first, std::size_t count)
{
    TrainingBatch b(kPixels);
    for (std::size_t r = first; r < first + count; ++r) b.append(makeRow(r));
    w.append(b);
}

// Reads one root attribute or dataset with the plain HDF5 C API.
struct H5File {
    hid_t id;
    explicit H5File(const std::string& path, unsigned flags = H5F_ACC_RDONLY)
        : id(H5Fopen(path.c_str(), flags, H5P_DEFAULT))
    {
    }
    ~H5File()
    {
        if (id >= 0) H5Fclose(id);
    }
};

QString errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        qInfo("expected error: %s", e.what());
        return QString::fromStdString(e.what());
    }
    return {};
}

}  // namespace

class TestDataTrainingSet : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string path(const char* name) const { return dir_.filePath(name).toStdString(); }

    std::string writeSample(const char* name, std::size_t rows = 10)
    {
        const std::string p = path(name);
        auto w = TrainingSetWriter::create(p, makeHeader(), 4);
        writeRows(w, 0, rows / 2);
        writeRows(w, rows / 2, rows - rows / 2);
        w.close();
        return p;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }

    void roundTripsEveryColumn()
    {
        const std::string p = writeSample("round.h5", 11);
        const TrainingSetReader r(p);
        QCOMPARE(r.rows(), std::size_t{11});
        QCOMPARE(r.pixels(), kPixels);
        QCOMPARE(r.schemaVersion(), 1);
        QVERIFY(r.kind() == DatasetKind::Observed);
        QVERIFY(r.header().preprocessSpec == makeHeader().preprocessSpec);
        QVERIFY(r.provenance() == makeHeader().provenance);
        QCOMPARE(r.header().inputsDigest, std::string("0123456789abcdef"));
        QCOMPARE(r.wavelength(), makeHeader().wavelength);

        const TrainingBatch all = r.read(0, 11);
        for (std::size_t i = 0; i < 11; ++i) {
            const TrainingRow want = makeRow(i);
            const TrainingRow got = all.row(i);
            QCOMPARE(got.flux, want.flux);
            QCOMPARE(got.ivar, want.ivar);
            QCOMPARE(got.mask, want.mask);
            for (std::size_t c = 0; c < kLabelCount; ++c) {
                if (std::isnan(want.labels[c]))
                    QVERIFY(std::isnan(got.labels[c]));
                else
                    QCOMPARE(got.labels[c], want.labels[c]);
            }
            QCOMPARE(got.snr, want.snr);
            QCOMPARE(got.rv, want.rv);
            QCOMPARE(got.source, want.source);
            QCOMPARE(got.interpolated, want.interpolated);
        }
        // A range in the middle, crossing the chunk boundary (chunks of 4 rows).
        const TrainingBatch mid = r.read(3, 4);
        QCOMPARE(mid.size(), std::size_t{4});
        QCOMPARE(mid.row(0).flux, makeRow(3).flux);
        QCOMPARE(mid.row(3).source, makeRow(6).source);
        QCOMPARE(r.sources().size(), std::size_t{11});
        QCOMPARE(r.interpolated()[3], std::uint8_t{1});
        QCOMPARE(r.snr()[10], 60.0);
        QCOMPARE(r.rv()[0], -12.5);
        QCOMPARE(r.labels()[2][kLabelTeff], 4200.0);
        QVERIFY(!errorOf([&] { r.read(8, 4); }).isEmpty());
    }

    // The layout as the documentation promises it, seen through the HDF5 C API.
    void onDiskLayoutMatchesTheSchema()
    {
        const std::string p = writeSample("layout.h5", 9);
        H5File f(p);
        QVERIFY(f.id >= 0);
        const auto dims = [&](const char* name) {
            const hid_t d = H5Dopen2(f.id, name, H5P_DEFAULT);
            const hid_t s = H5Dget_space(d);
            hsize_t out[2] = {0, 0};
            const int rank = H5Sget_simple_extent_dims(s, out, nullptr);
            H5Sclose(s);
            H5Dclose(d);
            return std::vector<hsize_t>(out, out + rank);
        };
        QCOMPARE(dims("flux"), (std::vector<hsize_t>{9, kPixels}));
        QCOMPARE(dims("ivar"), (std::vector<hsize_t>{9, kPixels}));
        QCOMPARE(dims("mask"), (std::vector<hsize_t>{9, kPixels}));
        QCOMPARE(dims("labels"), (std::vector<hsize_t>{9, 4}));
        QCOMPARE(dims("snr"), (std::vector<hsize_t>{9}));
        QCOMPARE(dims("rv"), (std::vector<hsize_t>{9}));
        QCOMPARE(dims("source"), (std::vector<hsize_t>{9}));
        QCOMPARE(dims("interpolated"), (std::vector<hsize_t>{9}));
        QCOMPARE(dims("wavelength"), (std::vector<hsize_t>{kPixels}));

        // flux: float32, chunked 4 x P, shuffle then deflate level 4.
        const hid_t flux = H5Dopen2(f.id, "flux", H5P_DEFAULT);
        const hid_t type = H5Dget_type(flux);
        QCOMPARE(H5Tget_class(type), H5T_FLOAT);
        QCOMPARE(H5Tget_size(type), std::size_t{4});
        H5Tclose(type);
        const hid_t dcpl = H5Dget_create_plist(flux);
        hsize_t chunk[2] = {0, 0};
        QCOMPARE(H5Pget_chunk(dcpl, 2, chunk), 2);
        QCOMPARE(chunk[0], hsize_t{4});
        QCOMPARE(chunk[1], hsize_t{kPixels});
        QCOMPARE(H5Pget_nfilters(dcpl), 2);
        unsigned flags = 0;
        std::size_t nValues = 1;
        unsigned level = 0;
        QCOMPARE(H5Pget_filter2(dcpl, 0, &flags, &nValues, &level, 0, nullptr, nullptr), H5Z_FILTER_SHUFFLE);
        nValues = 1;
        QCOMPARE(H5Pget_filter2(dcpl, 1, &flags, &nValues, &level, 0, nullptr, nullptr), H5Z_FILTER_DEFLATE);
        QCOMPARE(level, 4u);
        H5Pclose(dcpl);
        H5Dclose(flux);

        // Root attributes.
        const hid_t schema = H5Aopen(f.id, "remap_schema", H5P_DEFAULT);
        long long v = 0;
        H5Aread(schema, H5T_NATIVE_LLONG, &v);
        H5Aclose(schema);
        QCOMPARE(v, 1LL);
        for (const char* a : {"kind", "preprocess_spec", "provenance"}) QVERIFY2(H5Aexists(f.id, a) > 0, a);
        const hid_t labels = H5Dopen2(f.id, "labels", H5P_DEFAULT);
        QVERIFY(H5Aexists(labels, "columns") > 0);
        H5Dclose(labels);
    }

    // h5py (an independent reader) sees the same thing; skipped where Debian's h5py is absent.
    void readableWithH5py()
    {
        if (!std::filesystem::exists("/usr/bin/python3")) QSKIP("no /usr/bin/python3");
        const std::string p = writeSample("h5py.h5", 6);
        QProcess py;
        py.start("/usr/bin/python3",
                 {"-c",
                  "import sys, json\n"
                  "try:\n import h5py\nexcept ImportError:\n print('NOH5PY'); sys.exit(0)\n"
                  "f = h5py.File(sys.argv[1], 'r')\n"
                  "cols = [c.decode() if isinstance(c, bytes) else c for c in f['labels'].attrs['columns']]\n"
                  "src = f['source'][2]\n"
                  "print(json.dumps({'kind': f.attrs['kind'] if isinstance(f.attrs['kind'], str) else "
                  "f.attrs['kind'].decode(), 'cols': cols, 'flux': float(f['flux'][3, 5]),"
                  " 'src': src.decode() if isinstance(src, bytes) else src,"
                  " 'spec': json.loads(f.attrs['preprocess_spec']), 'comp': f['flux'].compression,"
                  " 'opts': f['flux'].compression_opts, 'shuffle': f['flux'].shuffle}))\n",
                  QString::fromStdString(p)});
        QVERIFY(py.waitForFinished(30000));
        const QByteArray out = py.readAllStandardOutput();
        if (out.startsWith("NOH5PY")) QSKIP("h5py not installed");
        QVERIFY2(py.exitCode() == 0, py.readAllStandardError().constData());
        const auto j = nlohmann::json::parse(out.toStdString());
        QCOMPARE(j["kind"].get<std::string>(), std::string("observed"));
        QCOMPARE(j["cols"].get<std::vector<std::string>>(), (std::vector<std::string>{"teff", "logg", "feh", "alpha"}));
        QCOMPARE(j["flux"].get<double>(), static_cast<double>(makeRow(3).flux[5]));
        QCOMPARE(j["src"].get<std::string>(), makeRow(2).source);
        QVERIFY(j["spec"] == makeHeader().preprocessSpec);
        QCOMPARE(j["comp"].get<std::string>(), std::string("gzip"));
        QCOMPARE(j["opts"].get<int>(), 4);
        QVERIFY(j["shuffle"].get<bool>());
    }

    void appendAfterReopenContinues()
    {
        const std::string p = path("append.h5");
        {
            auto w = TrainingSetWriter::create(p, makeHeader(), 4);
            writeRows(w, 0, 5);
        }  // destroyed without close(): like an interrupted build
        {
            auto w = TrainingSetWriter::openForAppend(p);
            QCOMPARE(w.rows(), std::size_t{5});
            QCOMPARE(w.header().inputsDigest, makeHeader().inputsDigest);
            writeRows(w, 5, 3);
            w.close();
        }
        const TrainingSetReader r(p);
        QCOMPARE(r.rows(), std::size_t{8});
        QCOMPARE(r.read(7, 1).row(0).flux, makeRow(7).flux);
    }

    // An append cut short after some datasets grew: rows_complete says where the good rows end.
    void reopenTrimsAnInterruptedAppend()
    {
        const std::string p = writeSample("cut.h5", 6);
        {
            H5File f(p, H5F_ACC_RDWR);
            const hid_t flux = H5Dopen2(f.id, "flux", H5P_DEFAULT);
            const hsize_t longer[2] = {9, kPixels};
            QVERIFY(H5Dset_extent(flux, longer) >= 0);
            H5Dclose(flux);
        }
        // A finished file must have equal lengths; the writer, resuming, cuts back to rows_complete.
        QVERIFY(errorOf([&] { TrainingSetReader r(p); }).contains("mismatched shapes"));
        auto w = TrainingSetWriter::openForAppend(p);
        QCOMPARE(w.rows(), std::size_t{6});
        writeRows(w, 6, 2);
        w.close();
        const TrainingSetReader r(p);
        QCOMPARE(r.rows(), std::size_t{8});
        QCOMPARE(r.read(6, 2).row(1).flux, makeRow(7).flux);
    }

    void wrongSchemaVersionIsRefused()
    {
        const std::string p = writeSample("schema2.h5");
        {
            H5File f(p, H5F_ACC_RDWR);
            const hid_t a = H5Aopen(f.id, "remap_schema", H5P_DEFAULT);
            const long long two = 2;
            H5Awrite(a, H5T_NATIVE_LLONG, &two);
            H5Aclose(a);
        }
        const QString e = errorOf([&] { TrainingSetReader r(p); });
        QVERIFY2(e.contains("schema2.h5") && e.contains("schema version 2"), qPrintable(e));
    }

    void missingDatasetIsNamed()
    {
        const std::string p = writeSample("noivar.h5");
        {
            H5File f(p, H5F_ACC_RDWR);
            QVERIFY(H5Ldelete(f.id, "ivar", H5P_DEFAULT) >= 0);
        }
        const QString e = errorOf([&] { TrainingSetReader r(p); });
        QVERIFY2(e.contains("noivar.h5") && e.contains("'/ivar' is missing"), qPrintable(e));
    }

    void mismatchedShapesAreNamed()
    {
        const std::string p = writeSample("shape.h5", 6);
        {
            H5File f(p, H5F_ACC_RDWR);
            const hid_t snr = H5Dopen2(f.id, "snr", H5P_DEFAULT);
            const hsize_t more[1] = {7};
            QVERIFY(H5Dset_extent(snr, more) >= 0);
            H5Dclose(snr);
        }
        const QString e = errorOf([&] { TrainingSetReader r(p); });
        QVERIFY2(e.contains("shape.h5") && e.contains("mismatched shapes") && e.contains("/snr"), qPrintable(e));
    }

    void notATrainingSetIsRefused()
    {
        const std::string p = path("plain.h5");
        {
            const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
            H5Fclose(f);
        }
        const QString e = errorOf([&] { TrainingSetReader r(p); });
        QVERIFY2(e.contains("not a REMAP training set"), qPrintable(e));
    }

    void truncatedFileGivesAClearError()
    {
        const std::string p = writeSample("whole.h5", 40);
        const std::string cut = path("truncated.h5");
        std::filesystem::copy_file(p, cut);
        std::filesystem::resize_file(cut, std::filesystem::file_size(p) / 2);
        const QString e = errorOf([&] { TrainingSetReader r(cut); });
        QVERIFY2(e.contains("truncated.h5") && e.contains("truncated"), qPrintable(e));
    }

    void textFileAndMissingFileGiveClearErrors()
    {
        const std::string txt = path("notes.h5");
        std::ofstream(txt) << "not hdf5\n";
        QString e = errorOf([&] { TrainingSetReader r(txt); });
        QVERIFY2(e.contains("notes.h5") && e.contains("not an HDF5 file"), qPrintable(e));
        e = errorOf([&] { TrainingSetReader r(path("absent.h5")); });
        QVERIFY2(e.contains("absent.h5") && e.contains("does not exist"), qPrintable(e));
    }

    void inconsistentBatchIsRefused()
    {
        auto w = TrainingSetWriter::create(path("bad_batch.h5"), makeHeader());
        TrainingBatch b(kPixels);
        TrainingRow row = makeRow(0);
        row.flux.pop_back();
        QVERIFY(!errorOf([&] { b.append(row); }).isEmpty());
        QCOMPARE(w.rows(), std::size_t{0});
    }
};

QTEST_GUILESS_MAIN(TestDataTrainingSet)
#include "test_data_training_set.moc"
