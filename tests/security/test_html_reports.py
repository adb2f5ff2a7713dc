"""Data never becomes markup or code in a report: ydata-profiling's report, ours, and foreign HTML.

The payloads are the audit's: a column name and cells that close an attribute and open elements
with an event handler, and a name in Markdown image syntax. A report passes when, parsed as a
browser would, it has no element or attribute from the data, shows the payload as text, and
carries a policy that runs only the report's own scripts.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import plotly.express as px
import pytest

from mdg_core.profiling import report_job
from mdg_core.reports import html as report_html

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = "\"'><b data-inj=1>x</b><img src=x onerror=alert(1)>"
MARKDOWN = "![c](http://mdg-probe.invalid/c.png)"
pytestmark = pytest.mark.slow


class _Page(HTMLParser):
    """What a browser would build: elements with their attributes, visible text, inline scripts."""

    def __init__(self, doc: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self._in: list[str] = []
        self.feed(doc)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "script":
            self.scripts.append(data)
        elif not self._in:
            self.text.append(data)

    def injected(self) -> list[tuple[str, dict[str, str | None]]]:
        """Elements the data made: the payload's marker attribute, any event handler, a fetched image."""
        return [(tag, attrs) for tag, attrs in self.elements
                if "data-inj" in attrs or any(name.startswith("on") for name in attrs)
                or (tag == "img" and not str(attrs.get("src") or "").startswith("data:"))]

    def policy(self) -> str:
        metas = [a.get("content") or "" for t, a in self.elements
                 if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"]
        assert metas, "no Content-Security-Policy"
        return metas[0]


def _payload_frame() -> pd.DataFrame:
    df = pd.read_csv(ROOT / "data" / "penguins.csv").head(120)
    df["island"] = df["island"].where(df.index % 3 > 0, PAYLOAD)  # a category value
    df["note"] = PAYLOAD  # a constant text column: ydata-profiling quotes it in an alert
    return df.rename(columns={"species": PAYLOAD + "species", "sex": MARKDOWN})


def _assert_safe(doc: str, trusted: list[str]) -> _Page:
    page = _Page(doc)
    assert page.injected() == []
    assert PAYLOAD in "".join(page.text)  # shown, as text
    assert re.match(r"(?i)\s*<!doctype html>\s*<meta http-equiv=\"Content-Security-Policy\"", doc)
    allowed = set(re.findall(r"'sha256-[^']+'", page.policy()))
    assert allowed == {report_html.script_hash(s) for s in page.scripts if s.strip() in {t.strip() for t in trusted}}
    assert len(allowed) == len(trusted) and "default-src 'none'" in page.policy()
    return page


def test_ydata_report_shows_names_values_and_title_as_text() -> None:
    doc = report_job.build_report_html(_payload_frame(), "minimal", f"#7 {PAYLOAD} (minimal)")
    page = _assert_safe(doc, report_job.ydata_scripts())
    assert any(a.get("title") == PAYLOAD + "species" for _, a in page.elements)  # the header attribute holds it whole
    assert MARKDOWN in "".join(page.text)


def test_ydata_compare_report_shows_names_as_text() -> None:
    df = _payload_frame()
    doc = report_job.build_compare_html(df, df.iloc[:60], "minimal", (f"#1 {PAYLOAD}", f"#2 {MARKDOWN}"))
    _assert_safe(doc, report_job.ydata_scripts())


def _normalised(doc: str) -> str:
    """A report without what differs from run to run (times, random element ids, image bytes)."""
    doc = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?", "T", doc)
    doc = re.sub(r"\b(p|m|image)[0-9a-f]{10}\b", "ID", doc)
    doc = re.sub(r"[0-9.]+ (seconds|[KMG]?i?B)\b", "N", doc)
    return re.sub(r"[A-Za-z0-9+/=]{80,}", "B64", doc)


def test_escaping_leaves_ydata_profilings_own_markup_unchanged() -> None:
    """On data without markup characters, the escaping templates render exactly what ydata-profiling does."""
    df = pd.read_csv(ROOT / "data" / "penguins.csv")
    plain = report_job.make_profile(df, "minimal", "penguins").to_html()
    with report_job._escaped_templates():
        escaped = report_job.make_profile(df, "minimal", "penguins").to_html()
    assert _normalised(escaped) == _normalised(plain)
    assert "&lt;span" not in escaped and "&amp;Ropf;" not in escaped


def _our_report() -> dict:  # type: ignore[type-arg]
    df = pd.read_csv(ROOT / "data" / "penguins.csv").rename(columns={"species": PAYLOAD, "island": MARKDOWN})
    fig = json.loads(px.histogram(df, x=PAYLOAD, color=MARKDOWN, title=PAYLOAD).to_json())  # as reports store it
    return {
        "title": f"Drift report: #2 {PAYLOAD} vs #1", "verdict": "review", "created_at": PAYLOAD, "seconds": 1.5,
        "datasets": {"real": f"#1 {PAYLOAD}", "synthetic": f"#2 {MARKDOWN}"}, "notes": [PAYLOAD],
        "sections": [{
            "title": PAYLOAD, "verdict": "review", "reasons": [f"{PAYLOAD} drifted"], "notes": [MARKDOWN],
            "metrics": {PAYLOAD: 0.5, "per_column": {PAYLOAD: PAYLOAD}},
            "tables": {"drifted_columns": [{"column": PAYLOAD, PAYLOAD: MARKDOWN}]},
            "figures": [fig, fig],
        }],
    }


def test_our_report_escapes_text_and_carries_figures_as_inert_json() -> None:
    doc = report_html.render(_our_report())
    page = _assert_safe(doc, [report_html._plotly_js(), report_html.FIGURE_LOADER])
    figures = [a for t, a in page.elements if t == "script" and a.get("type") == "application/json"]
    assert len(figures) == 2 and all(a.get("data-figure") for a in figures)
    for body in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', doc, re.DOTALL):
        assert "<" not in body and ">" not in body  # no string inside can close its element


def test_foreign_html_gets_the_policy_before_anything_else() -> None:
    """A report stored elsewhere (a handed-over database) is shown and exported under the same policy."""
    foreign = "<img src=x onerror=alert(1)><script>window.pwned = 1</script><img src='http://mdg-probe.invalid/e.png'>"
    locked = report_html.lock_down(foreign, report_job.ydata_scripts())
    assert locked.startswith('<meta http-equiv="Content-Security-Policy"')
    assert "script-src 'none'" in _Page(locked).policy()
    with_doctype = report_html.lock_down("<!DOCTYPE html><html><script>x()</script>", ["x()"])
    assert with_doctype.startswith("<!DOCTYPE html><meta http-equiv=")
    assert report_html.script_hash("x()") in with_doctype
    assert report_html.lock_down(with_doctype, ["x()"]) == with_doctype  # applied twice: one policy
