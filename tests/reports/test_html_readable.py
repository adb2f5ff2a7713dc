"""The HTML export reads like a report: numbers with thousands separators and named parts, dates as dates,
times without ISO's T and offset (issue 14: it printed ``rows [26049, 5000, 6512]`` and ISO timestamps)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd

from mdg_core import jobs
from mdg_core.reports.html import readable
from mdg_core.reports.job import load
from tests.reports.conftest import independent_generator, split, store_generated


class _Text(HTMLParser):
    """The text a reader sees (scripts and styles left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def test_readable_values() -> None:
    assert readable([26049, 5000, 6512], "rows") == "training 26,049 · synthetic 5,000 · holdout 6,512"
    assert readable([344, 240], "rows_compared") == "real 344 · synthetic 240"
    assert readable("2026-11-29T17:37:00+00:00") == "2026-11-29 17:37 UTC"
    assert readable("2021-03-04T00:00:00") == "2021-03-04"
    assert readable(12280.0) == "12,280" and readable(1485000.5) == "1,485,000.5" and readable(0.89340277) == "0.8934"
    assert readable(["country", "city"]) == "country, city"
    assert readable(None) == readable(float("nan")) == "—" and readable(True) == "yes"


def test_exported_privacy_report_has_no_raw_lists_or_iso_times(store, customers: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    train, holdout = split(customers, 0.6)
    ids = store_generated(store, customers, independent_generator(train, 240), train, holdout)
    result = jobs.run_inline(store, "report", {"kind": "privacy", "a": ids["real"], "b": ids["synth"]})
    report = load(store, result["key"])
    parser = _Text()
    parser.feed(store.get_artifact("report", result["key"]).payload.decode("utf-8"))
    text = " ".join(parser.parts)
    t, s, h = next(sec for sec in report["sections"] if sec["key"] == "reid")["metrics"]["rows"]  # rows attacked
    assert f"training {t:,} · synthetic {s:,} · holdout {h:,}" in text
    assert not re.search(r"\[\s*\d", text) and "['" not in text                          # no Python/JSON list dumps
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text)                           # no ISO 'T' timestamps
    created = report["created_at"]
    assert f"Created {created[:10]} {created[11:16]} UTC" in text
    assert re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)  # the riskiest rows' signup dates, as dates
