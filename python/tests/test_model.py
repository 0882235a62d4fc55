"""remap_studio.Model: predictions, posteriors, prepared input, saliency, batches with progress and
failures, the default model, errors, the GIL and the docstrings."""

import inspect
import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest

import remap_studio as rs
from conftest import DEMO, MODEL, SOURCE, fixture


def test_model_describes_itself(model):
    card = model.card
    assert model.path == str(MODEL) and model.device == "cpu"
    assert model.name == card["name"] and model.description == card["description"]
    grid = model.grid
    assert grid.shape == (card["network"]["input_length"],) and np.all(np.diff(grid) > 0)
    assert not grid.flags.writeable


def test_posteriors_follow_the_card_bins_and_their_own_histogram(model, demo_star):
    r = model.predict(rs.read(demo_star))
    for name in ("teff", "logg", "feh"):
        p, bins = r[name], model.card["bins"][name]
        width = (bins["max"] - bins["min"]) / bins["count"]
        np.testing.assert_allclose(p.bin_centres, bins["min"] + (np.arange(bins["count"]) + 0.5) * width, rtol=1e-12)
        probs = p.probabilities
        assert probs.shape == (bins["count"],) and abs(probs.sum() - 1.0) < 1e-9 and probs.min() >= 0
        assert p.mean == pytest.approx(float(np.dot(probs, p.bin_centres)), rel=1e-12)
        assert p.mode == p.bin_centres[np.argmax(probs)]
        variance = np.dot(probs, (p.bin_centres - p.mean) ** 2) + width**2 / 12
        assert p.std == pytest.approx(np.sqrt(variance), rel=1e-12)
        assert p.sigma == pytest.approx((p.p84 - p.p16) / 2)
        assert p.hdi95[0] <= p.hdi68[0] <= p.median <= p.hdi68[1] <= p.hdi95[1]
        # The 68 % HDI holds about 68 % of the histogram's mass (density constant within bins).
        cdf = np.concatenate([[0.0], np.cumsum(probs)])
        edges = np.concatenate([p.bin_centres - width / 2, [p.bin_centres[-1] + width / 2]])
        inside = np.interp(p.hdi68[1], edges, cdf) - np.interp(p.hdi68[0], edges, cdf)
        if not p.multimodal:
            assert inside == pytest.approx(0.68, abs=0.01)
    assert r.embedding.dtype == np.float32 and np.linalg.norm(r.embedding) == pytest.approx(1.0, abs=1e-5)
    assert 0.0 <= r.masked_fraction < 1.0 and r.snr > 0


def test_predict_takes_a_spectrum_a_path_or_prepared_input(model, demo_star):
    from_spectrum = model.predict(rs.read(demo_star)).to_dict(histograms=True)
    assert model.predict(demo_star).to_dict(histograms=True) == from_spectrum
    assert model.predict(str(demo_star)).to_dict(histograms=True) == from_spectrum
    prepared = model.prepare(demo_star)
    assert model.predict(prepared).to_dict(histograms=True) == from_spectrum
    assert from_spectrum["file"] == str(demo_star)
    with pytest.raises(TypeError, match="Spectrum"):
        model.predict(42)


def test_prepared_input_is_on_the_model_grid(model, demo_star):
    p = model.prepare(rs.read(demo_star))
    assert len(p) == len(model.grid)
    np.testing.assert_array_equal(p.wavelength, model.grid)
    assert p.flux.dtype == np.float32 and p.mask.dtype == np.bool_ and p.ivar.dtype == np.float32
    assert np.all(p.ivar[p.mask] == 0)
    # Continuum-normalized: the median of the unmasked flux of a star with weak lines is near 1.
    assert np.median(p.flux[~p.mask]) == pytest.approx(1.0, abs=0.05)
    r = model.predict(p)
    assert r.snr == p.snr and (r.rv == p.rv or (np.isnan(r.rv) and np.isnan(p.rv)))
    assert r.masked_fraction == p.mask.mean()
    assert [f"preprocessing: {w}" for w in p.warnings] == [f for f in r.flags if f.startswith("preprocessing: ")]


def test_spectrum_from_arrays_predicts_like_the_file(model, demo_star):
    s = rs.read(demo_star)
    arrays = np.array(s.wavelength), np.array(s.flux), np.array(s.ivar), np.array(s.mask)
    assert s.metadata["RESOLVING"] == "11000"  # the demo star's declared resolving power
    copy = rs.Spectrum(*arrays, medium=s.medium, name="copy", metadata=s.metadata)
    only_r = rs.Spectrum(*arrays, medium=s.medium, name="copy", resolving_power=11000)
    a, b, c = (model.predict(x).to_dict(True) for x in (s, copy, only_r))
    assert b["file"] == "copy"
    for d in (a, b, c):
        d.pop("file")
    assert a == b == c


def test_saliency(model, demo_star):
    s = rs.read(demo_star)
    ig = model.saliency(s)
    assert ig.dtype == np.float32 and ig.shape == model.grid.shape and np.any(ig != 0)
    a = model.saliency(s, "logg", "smoothgrad", samples=4, seed=7)
    np.testing.assert_array_equal(a, model.saliency(s, "logg", "smoothgrad", samples=4, seed=7))
    assert not np.array_equal(a, model.saliency(s, "logg", "smoothgrad", samples=4, seed=8))
    with pytest.raises(rs.UsageError, match="feh|param|bogus"):
        model.saliency(s, "bogus")
    with pytest.raises(rs.UsageError):
        model.saliency(s, "teff", "magic")
    with pytest.raises(ValueError):
        model.saliency(s, steps=0)


def test_neighbours(model, demo_star):
    r = model.predict(demo_star)
    near = model.neighbours(r, 3)
    assert len(near) <= 3 and [n["distance"] for n in near] == sorted(n["distance"] for n in near)
    for n in near:
        assert set(n) == {"name", "teff", "logg", "feh", "distance"} and 0 <= n["distance"] <= 2


def test_batch_equals_single_predictions_and_reports_progress(model):
    files = sorted(DEMO.glob("*.fits"))
    calls = []
    batch = model.predict_batch(files, progress=lambda done, total: calls.append((done, total)))
    assert len(batch) == len(files)
    for path, r in zip(files, batch):
        single = model.predict(path)
        assert r.source == str(path)
        for name in ("teff", "logg", "feh"):
            # A batch of three runs other convolution kernels than a single spectrum: float32 rounding.
            np.testing.assert_allclose(r[name].probabilities, single[name].probabilities, atol=1e-6)
        assert r.flags == single.flags and r.snr == single.snr
    assert calls[0] == (0, len(files)) and calls[-1] == (len(files), len(files))
    assert [c[0] for c in calls] == sorted({c[0] for c in calls})  # strictly increasing


def test_batch_failures_raise_or_are_skipped(model, demo_star):
    infrared = fixture("apStar-dr17-2M00000000+0000000.fits")  # H band: no overlap with the optical grid
    truncated = fixture("bad_truncated.fits")
    with pytest.raises(rs.RemapError) as raised:
        model.predict_batch([demo_star, truncated, infrared])
    assert raised.value.file == str(truncated)
    with pytest.warns(rs.RemapWarning) as caught:
        out = model.predict_batch([demo_star, truncated, rs.read(infrared)], on_error="skip")
    assert out[0].source == str(demo_star) and out[1] is None and out[2] is None
    messages = [str(w.message) for w in caught]
    assert any(str(truncated) in m and "truncated" in m for m in messages)
    assert any(str(infrared) in m for m in messages)
    with pytest.raises(ValueError, match="on_error"):
        model.predict_batch([demo_star], on_error="ignore")


def test_an_exception_in_the_progress_callback_stops_the_batch(model, demo_star):
    class Stop(Exception):
        pass

    seen = []

    def progress(done, total):
        seen.append(done)
        if done >= 2:
            raise Stop("enough")

    with pytest.raises(Stop, match="enough"):
        model.predict_batch([demo_star] * 200, progress=progress)
    assert max(seen) < 200


def test_ctrl_c_stops_a_batch(model, demo_star):
    spectra = [rs.read(demo_star)] * 2000  # 20-50 s of work on 2 cores
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    started = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        model.predict_batch(spectra)
    timer.join()
    assert time.perf_counter() - started < 15.0  # stopped after the running batch of 64


def test_the_gil_is_released_while_the_model_works(model, demo_star):
    spectra = [rs.read(demo_star)] * 64
    started = time.perf_counter()
    model.predict_batch(spectra)
    alone = time.perf_counter() - started
    gaps, done = [], threading.Event()

    def work():
        model.predict_batch(spectra)
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    last = time.perf_counter()
    while not done.is_set():  # this loop can only run while the worker's C++ call does not hold the GIL
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    worker.join()
    # With the GIL held the loop would stall for the whole call; released, it never stalls for long.
    print(f"call {alone:.3f} s alone, longest stall of the main thread {max(gaps):.4f} s, {len(gaps)} iterations")
    assert len(gaps) > 100
    assert max(gaps) < 0.5 * alone, f"the main thread stalled {max(gaps):.3f} s of a {alone:.3f} s call"


def test_default_model_and_model_errors(monkeypatch, tmp_path):
    monkeypatch.delenv("REMAP_NO_SHIPPED_MODEL", raising=False)
    monkeypatch.setenv("REMAP_MODEL", str(MODEL))
    assert rs.Model().path == str(MODEL)
    monkeypatch.delenv("REMAP_MODEL")
    # A developer build finds the source tree's shipped model (an installed one: the packaged model).
    assert rs.Model().path == str((SOURCE / "models" / "deep-remap.remap").resolve())
    monkeypatch.setenv("REMAP_NO_SHIPPED_MODEL", "1")
    with pytest.raises(rs.UsageError, match=r"remap_studio.Model\(path\)"):
        rs.Model()
    missing = tmp_path / "missing.remap"
    with pytest.raises(rs.RemapError) as raised:
        rs.Model(missing)
    assert raised.value.file == str(missing)
    damaged = tmp_path / "damaged.remap"
    damaged.write_bytes(MODEL.read_bytes()[:1000])
    with pytest.raises(rs.RemapError, match="damaged.remap"):
        rs.Model(damaged)
    with pytest.raises(rs.UsageError, match="device"):
        rs.Model(MODEL, device="gpu")
    with pytest.raises(ValueError):
        rs.Model(MODEL, batch_size=0)


@pytest.mark.skipif(rs.cuda_available(), reason="CUDA is available here")
def test_cuda_without_cuda_is_a_clear_error():
    with pytest.raises(rs.RemapError, match="CUDA"):
        rs.Model(MODEL, device="cuda")


def test_every_public_function_has_a_docstring():
    assert "Prediction" in rs.Model.predict.__doc__ and "RemapError" in rs.read.__doc__
    for name in rs.__all__:
        obj = getattr(rs, name)
        assert obj.__doc__ and obj.__doc__.strip(), name
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for attr, member in vars(obj).items():
                if attr.startswith("_") or not (callable(member) or isinstance(member, property)):
                    continue
                assert member.__doc__ and member.__doc__.strip(), f"{name}.{attr}"
    assert rs.RemapError.__module__ == "remap_studio" and issubclass(rs.UsageError, rs.RemapError)
