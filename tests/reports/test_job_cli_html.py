"""Reports as artefacts: stored with the datasets they compare, reopened, exported, run from the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from mdg_core import jobs
from mdg_core.cli import main
from mdg_core.errors import InvalidParameterError, ReportError
from mdg_core.reports import report_kind
from mdg_core.reports.job import build, load, report_key
from tests.reports.conftest import split


def test_drift_report_is_stored_and_exported_as_one_self_contained_file(store, penguins: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    a, b = split(penguins, 0.5)
    ia, ib = store.save(a, "v1"), store.save(b.assign(year=b["year"] + 3), "v2")
    result = jobs.run_inline(store, "report", {"kind": "drift", "a": ia.id, "b": ib.id})
    assert result["key"] == report_key("drift", ia.id, ib.id) == f"drift:{ia.id}:{ib.id}:None:None"
    report = load(store, result["key"])
    assert report["verdict"] in ("review", "risky") and "year" in report["sections"][0]["metrics"]["drifted_columns"]
    art = store.get_artifact("report", result["key"])
    html = art.payload.decode()
    assert art.dataset_id == ia.id and art.other_dataset_id == ib.id
    assert len(re.findall(r"plotly\.js v\d", html)) == 1  # plotly.js embedded once
    assert html.count("data-figure=") == len(report["sections"][0]["figures"]) >= 1  # each figure once, as inert JSON
    assert not re.search(r"<script[^>]+src=", html) and "<link" not in html  # nothing fetched from the net
    assert "year" in html and "<style>" in html


def test_unknown_report_and_bad_inputs_are_explained(store, penguins: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidParameterError, match="Valid reports: quality, drift, privacy"):
        report_kind("nope")
    ia = store.save(penguins, "p")
    ib = store.save(pd.DataFrame({"other": range(50)}), "other")
    with pytest.raises(ReportError, match="no column in common"):
        build(store, "drift", ia.id, ib.id)
    with pytest.raises(ReportError, match="Target column 'nope'"):
        jobs.run_inline(store, "report", {"kind": "quality", "a": ia.id, "b": ia.id, "target": "nope"})


def test_cli_quality_with_target_prints_json_and_writes_html(tmp_path: Path, capsys, penguins: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    from mdg_core.store import DatasetStore

    db = tmp_path / "cli.db"
    store = DatasetStore(db)
    train, rest = split(penguins, 0.5)
    fresh, test = split(rest, 0.5)  # "synthetic" rows that are fresh real rows: good, and no copying
    ia, ib = store.save(train, "real"), store.save(fresh, "synth")
    ih = store.save(test, "holdout", "split", parent_id=ia.id)
    out = tmp_path / "q.html"
    code = main(["--db", str(db), "--quiet", "report", "quality", str(ia.id), str(ib.id), "--target", "species",
                 "--holdout", str(ih.id), "--out", str(out)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["report"] == "quality" and data["verdict"] == "good"
    utility = next(s for s in data["sections"] if s["key"] == "utility")
    assert utility["metrics"]["test_is_holdout"] and utility["metrics"]["test_rows"] == len(test.dropna(subset=["species"]))
    assert out.read_bytes().startswith(b"<!DOCTYPE html>")
    code = main(["--db", str(db), "--quiet", "report", "drift", str(ia.id), "999"])
    assert code == 2 and "No dataset has id 999" in capsys.readouterr().err
