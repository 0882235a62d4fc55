#!/usr/bin/python3
"""astropy's view of a table, for the remap_tables tests (Debian python3-astropy).

  astropy_tables.py dump FILE     prints JSON: columns (name, dtype, unit, unit_recognized, description,
                                  values), keywords {name: [value, comment]} and, for VOTables, params
  astropy_tables.py make DIR      writes DIR/spectra.vot and DIR/spectra.fits (a table of spectra made by
                                  astropy) and prints what they hold as JSON

Floats are printed with repr (exact), NaN as the string "nan", a masked (missing) cell as "masked", integers as strings (int64 exact).
"""
import json
import math
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")
from astropy import units as u  # noqa: E402
from astropy.io import fits, votable  # noqa: E402
from astropy.table import Table  # noqa: E402


def plain(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return "nan" if math.isnan(v) else ("inf" if v == math.inf else ("-inf" if v == -math.inf else float(v)))
    if isinstance(v, bytes):
        return v.decode("utf-8")
    if v is np.ma.masked:
        return None
    return str(v)


def column_json(col):
    unit = col.unit
    return {
        "name": col.name,
        "dtype": col.dtype.kind,
        "unit": None if unit is None else unit.to_string(),
        "unit_recognized": unit is not None and not isinstance(unit, u.UnrecognizedUnit),
        "description": col.description or "",
        "values": [plain(v) for v in col.tolist()] if not hasattr(col, "mask")
        else ["masked" if m else plain(v) for v, m in zip(col.data.data.tolist(), np.ma.getmaskarray(col))],
    }


def dump(path):
    out = {"keywords": {}, "params": {}}
    if path.endswith(".vot"):
        vot = votable.parse(path, verify="exception")
        vt = vot.get_first_table()
        table = vt.to_table(use_names_over_ids=True)
        out["version"] = vot.version
        for p in vt.params:
            out["params"][p.name] = [plain(p.value), p.datatype, p.description or ""]
        out["ucds"] = {f.name: f.ucd or "" for f in vt.fields}
        out["table_description"] = vt.description or ""
    elif path.endswith(".fits"):
        table = Table.read(path, hdu=1)
        header = fits.getheader(path, 1)
        for card in header.cards:
            if card.keyword and card.keyword not in ("COMMENT", "HISTORY", ""):
                out["keywords"][card.keyword] = [plain(card.value), card.comment]
        out["comment_text"] = " ".join(str(c) for c in header.get("COMMENT", []))
    else:
        table = Table.read(path, format="ascii.ecsv")
        for k, v in table.meta.items():
            out["keywords"][k] = [plain(v) if not isinstance(v, dict) else {a: plain(b) for a, b in v.items()}, ""]
        out["ucds"] = {c.name: (c.meta or {}).get("ucd", "") for c in table.itercols()}
    out["columns"] = [column_json(table[c]) for c in table.colnames]
    print(json.dumps(out))


def make(folder):
    t = Table()
    t["access_url"] = ["file:///data/a%20b.fits", "https://example.org/ssa?id=2", "rel/c.fits", ""]
    t["target"] = ["HD 1", "HD 2", "Sun", "none"]
    t["snr"] = np.array([10.5, np.nan, 30.0, 1e-300])
    t["snr"].unit = "km/s"
    t["n"] = np.ma.MaskedArray(np.array([1, 2, 3, 4], dtype=np.int32), mask=[False, True, False, False])
    t["ok"] = np.array([True, False, True, False])
    t.meta["SURVEY"] = "TEST"
    t.write(folder + "/spectra.vot", format="votable", overwrite=True)
    t.write(folder + "/spectra.fits", overwrite=True)
    print(json.dumps({"columns": [column_json(t[c]) for c in t.colnames], "meta": dict(t.meta)}))


if __name__ == "__main__":
    {"dump": dump, "make": make}[sys.argv[1]](sys.argv[2])
