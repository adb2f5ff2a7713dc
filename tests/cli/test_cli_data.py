"""The dataset CLI: JSON out, one-line errors with a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mdg_core", "--db", str(db), "--quiet", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_ingest_list_show_export_delete(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    out = _cli(db, "ingest", str(ROOT / "data" / "penguins.csv"), "--name", "pens", "--type", "year=category")
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["rows"] == 344 and info["name"] == "pens"
    assert {c["name"]: c["type"] for c in info["schema"]}["year"] == "category"

    listed = json.loads(_cli(db, "list").stdout)
    assert [d["id"] for d in listed] == [info["id"]]

    shown = json.loads(_cli(db, "show", str(info["id"]), "--head", "2").stdout)
    assert len(shown["head"]) == 2 and shown["lineage"] == [info["id"]]

    for fmt in ("csv", "parquet"):
        target = tmp_path / f"out.{fmt}"
        res = _cli(db, "export", str(info["id"]), "--format", fmt, "--out", str(target))
        assert res.returncode == 0, res.stderr
        back = pd.read_csv(target) if fmt == "csv" else pd.read_parquet(target)
        assert back.shape == (344, 8)

    assert json.loads(_cli(db, "delete", str(info["id"])).stdout) == {"deleted": [info["id"]]}
    assert json.loads(_cli(db, "list").stdout) == []


def test_errors_are_one_line_with_non_zero_exit(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2,3\n")
    for args, message in [
        (("show", "99"), "No dataset has id 99"),
        (("ingest", str(bad)), "do not have 2 fields"),
        (("ingest", str(tmp_path / "missing.csv")), "File not found"),
        (("ingest", str(bad), "--type", "a=wrong"), "--type takes COLUMN=TYPE"),
    ]:
        res = _cli(db, *args)
        assert res.returncode == 2
        lines = [line for line in res.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
        assert "Traceback" not in res.stderr and res.stdout == ""
