"""Shared fixtures of the remap_studio tests. CTest sets PYTHONPATH to the built module and
REMAP_FIXTURES, REMAP_SOURCE_DIR and REMAP_CLI (the `remap` program built beside it)."""

import os
from pathlib import Path

import pytest

import remap_studio as rs

SOURCE = Path(os.environ.get("REMAP_SOURCE_DIR", Path(__file__).resolve().parents[2]))
FIXTURES = Path(os.environ.get("REMAP_FIXTURES", SOURCE.parent / "shared" / "fixtures")) / "fits"
MODEL = SOURCE / "models" / "deep-remap.remap"
DEMO = SOURCE / "resources" / "demo"


@pytest.fixture(scope="session")
def model():
    if not MODEL.is_file():
        pytest.skip(f"no shipped model at {MODEL}")
    return rs.Model(MODEL, device="cpu")


@pytest.fixture(scope="session")
def demo_star():
    return DEMO / "demo-sun-like-dwarf.fits"


def fixture(name):
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"fixture {path} is missing")
    return path
