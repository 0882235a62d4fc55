// The main window reads spectra off the GUI thread, plots them and survives bad files.
#include "MainWindow.h"
#include "SpectrumChartView.h"
#include "SpectrumLoader.h"
#include "TestSupport.h"

#include <QSignalSpy>
#include <QtTest>

using remap::ui::MainWindow;

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName("REMAP-tests");
        QCoreApplication::setApplicationName("test_main_window");
    }

    void opensFixtureAndPlotsIt()
    {
        MainWindow window;
        QSignalSpy shown(&window, &MainWindow::spectrumShown);
        QSignalSpy failed(&window, &MainWindow::errorShown);
        window.openFile(QString::fromStdString(remap::test::fixture("fits/spec-1234-52000-0123.fits")));
        QVERIFY(shown.wait(10000));
        QCOMPARE(failed.count(), 0);
        // 3334 SDSS pixels are drawn without decimation; 25 of them are masked in the fixture.
        QCOMPARE(window.spectrumView()->plottedPointCount(), 3334);
        QCOMPARE(window.spectrumView()->maskedPointCount(), 25);
        QVERIFY(window.summaryText().contains("sdss-spec"));
    }

    void largeSpectrumIsDecimatedForDisplay()
    {
        MainWindow window;
        QSignalSpy shown(&window, &MainWindow::spectrumShown);
        window.openFile(QString::fromStdString(
            remap::test::fixture("fits/lte05800-4.50+0.5.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits")));
        QVERIFY(shown.wait(10000));
        QVERIFY(window.spectrumView()->plottedPointCount() > 1000);
        QVERIFY(window.summaryText().contains("5800"));
    }

    void badFileShowsErrorAndWindowKeepsWorking()
    {
        MainWindow window;
        QSignalSpy shown(&window, &MainWindow::spectrumShown);
        QSignalSpy failed(&window, &MainWindow::errorShown);
        window.openFile(QString::fromStdString(remap::test::fixture("fits/bad_truncated.fits")));
        QVERIFY(failed.wait(10000));
        QVERIFY(failed.first().first().toString().contains("bad_truncated.fits"));
        window.openFile(QString::fromStdString(remap::test::fixture("fits/iraf_linear.fits")));
        QVERIFY(shown.wait(10000));
        QCOMPARE(window.spectrumView()->plottedPointCount(), 6170);
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
