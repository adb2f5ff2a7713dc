"""A report as one self-contained HTML file: inline CSS, plotly.js embedded once, no network.

The file opens offline in any browser and can be mailed or archived with the data it describes.
Data never becomes markup or code in it: every text is escaped, figures travel as inert JSON
(``<script type="application/json">``) drawn by one fixed loader, and a Content-Security-Policy
lets only plotly.js and that loader run and forbids every network request (``lock_down``), so
even a file opened from disk cannot fetch or run anything a column name or cell smuggled in.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from mdg_core.column_kinds import names_a_year

VERDICT_COLORS = {"good": "#1b7f3b", "review": "#b26a00", "risky": "#b42318"}
MAX_TABLE_ROWS = 200
REAL_PREFIX = "nearest real."

CSS = """
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:1.6rem;margin:0 0 4px} h2{font-size:1.25rem;margin:0} h3{font-size:1rem;margin:18px 0 6px}
.meta{color:#57606a;font-size:.9rem} .card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px 20px;margin:16px 0}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600;font-size:.85rem;text-transform:uppercase;margin-left:8px;vertical-align:middle}
ul.reasons{margin:8px 0 0 0;padding-left:20px} ul.reasons li{margin:3px 0}
table{border-collapse:collapse;font-size:.8rem;margin:6px 0;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;white-space:nowrap} th{background:#f6f8fa}
.note{color:#57606a;font-size:.85rem;margin:4px 0} .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:8px}
dl.metrics{display:grid;grid-template-columns:max-content auto;gap:2px 16px;font-size:.85rem;margin:8px 0} dt{color:#57606a}
"""


def _badge(level: str) -> str:
    return f'<span class="badge" style="background:{VERDICT_COLORS.get(level, "#57606a")}">{html.escape(level)}</span>'


# What the numbers of a list-valued metric stand for, in order (``rows`` of the re-identification section).
LIST_PARTS = {"rows": ("training", "synthetic", "holdout"), "rows_compared": ("real", "synthetic")}
_ISO_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def readable(value: Any, name: str = "") -> str:
    """A value as a reader writes it (plain text, not yet escaped): ``26,049``, ``0.8934``,
    ``training 26,049 · synthetic 5,000``, ``2026-11-29 17:37 UTC``, a date without a midnight time."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value) if names_a_year(name) else f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value)) if names_a_year(name) else f"{int(value):,}"
        return f"{value:,.1f}" if abs(value) >= 1000 else f"{value:.4g}" if abs(value) >= 1e-3 else f"{value:.2e}"
    if isinstance(value, dict):
        return "; ".join(f"{str(k).replace('_', ' ')} {readable(v, str(k))}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        parts = LIST_PARTS.get(name, ())
        if len(parts) == len(value):
            return " · ".join(f"{p} {readable(v)}" for p, v in zip(parts, value, strict=True))
        return ", ".join(readable(v) for v in value)
    text = str(value)
    if match := _ISO_TIME.fullmatch(text):
        day, minute, seconds, zone = match.groups()
        if minute == "00:00" and (seconds or ":00").startswith(":00") and not zone:
            return day
        return f"{day} {minute}" + (" UTC" if zone in ("Z", "+00:00", "+0000") else f" {zone}" if zone else "")
    return text


def _fmt(value: Any, name: str = "") -> str:
    text = readable(value, name)
    return html.escape(text if len(text) <= 300 else text[:299] + "…")


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return '<p class="note">(no rows)</p>'
    cols = list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(r.get(c, ''), str(c))}</td>" for c in cols) + "</tr>"
                   for r in rows[:MAX_TABLE_ROWS])
    more = f'<p class="note">{len(rows) - MAX_TABLE_ROWS} more rows not shown.</p>' if len(rows) > MAX_TABLE_ROWS else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _shareable(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The export is meant to be shared: real rows next to risky synthetic ones stay in the workbench."""
    if name != "riskiest_rows":
        return rows
    from mdg_core.reports.pii_leak import mask

    # risky synthetic rows may be copies of real people: their text is masked here too
    return [{k: mask(v) if isinstance(v, str) and v else v for k, v in r.items() if not k.startswith(REAL_PREFIX)}
            for r in rows]


def _metrics(metrics: dict[str, Any]) -> str:
    items = [(k, v) for k, v in metrics.items() if not isinstance(v, dict)]
    nested = [(k, v) for k, v in metrics.items() if isinstance(v, dict)]
    out = "".join(f"<dt>{html.escape(k.replace('_', ' '))}</dt><dd style='margin:0'>{_fmt(v, k)}</dd>" for k, v in items)
    for name, sub in nested:
        out += "".join(f"<dt>{html.escape(name)}: {html.escape(k.replace('_', ' '))}</dt><dd style='margin:0'>{_fmt(v, k)}</dd>"
                       for k, v in sub.items())
    return f'<dl class="metrics">{out}</dl>'


# The one script that draws the figures: fixed text, so the policy can name it by its hash.
FIGURE_LOADER = (
    "document.querySelectorAll('script[data-figure]').forEach(function (s) {"
    "var f = JSON.parse(s.textContent); var d = document.getElementById(s.dataset.figure);"
    "Plotly.newPlot(d, f.data || [], f.layout || {}, {displaylogo: false, responsive: true});});"
)
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_DOCTYPE = re.compile(r"\A\s*<!doctype html[^>]*>", re.IGNORECASE)


def script_hash(source: str) -> str:
    """A CSP source expression that allows exactly one inline script (as the browser reads it: CR LF as LF)."""
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(script_hashes: Iterable[str] = ()) -> str:
    """Run only the named scripts; load nothing from anywhere (styles and images inline only)."""
    scripts = " ".join(sorted(set(script_hashes))) or "'none'"
    return (f"default-src 'none'; script-src {scripts}; style-src 'unsafe-inline'; img-src data:; "
            "font-src data:; form-action 'none'; base-uri 'none'")


def lock_down(doc: str, trusted_scripts: Iterable[str] = ()) -> str:
    """``doc`` with a policy that runs only its inline scripts equal to ``trusted_scripts``.

    Any other script (one that data smuggled in, an event handler attribute, a ``javascript:``
    link) is blocked, and so is every request (an image or font from the network included). The
    policy goes first in the document, so it holds whatever the rest of the document says.
    """
    trusted = {t.strip() for t in trusted_scripts}
    hashes = {script_hash(m.group(1)) for m in _SCRIPT.finditer(doc) if m.group(1).strip() in trusted}
    policy = html.escape(content_security_policy(hashes), quote=False).replace('"', "&quot;")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    head = _DOCTYPE.match(doc)
    at = head.end() if head else 0
    if doc[at:at + len(meta)] == meta:
        return doc
    return doc[:at] + meta + doc[at:]


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


def _inert_json(value: Any) -> str:
    """JSON that cannot end the script element it sits in, whatever strings it holds."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _figure(fig: dict[str, Any], number: int) -> str:
    import plotly.io as pio

    fig = pio.from_json(json.dumps(fig)).to_dict()  # validated, with the default template applied
    height = (fig.get("layout") or {}).get("height") or 450
    return (f'<div id="figure-{number}" style="height:{int(height)}px;width:100%"></div>'
            f'<script type="application/json" data-figure="figure-{number}">{_inert_json(fig)}</script>')


def render(report: dict[str, Any]) -> str:
    """The whole report as an HTML document string."""
    count = 0
    parts: list[str] = []
    for sec in report["sections"]:
        figs = []
        for fig in sec.get("figures", []):
            count += 1
            figs.append(_figure(fig, count))
        reasons = "".join(f"<li>{html.escape(r)}</li>" for r in sec.get("reasons", []))
        tables = "".join(f"<h3>{html.escape(name.replace('_', ' ').capitalize())}</h3>{_table(_shareable(name, rows))}"
                         for name, rows in sec.get("tables", {}).items())
        notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in sec.get("notes", []))
        if "riskiest_rows" in sec.get("tables", {}):
            notes += ('<p class="note">The real rows nearest to these synthetic rows are left out of this file, and '
                      "text in the risky rows is masked, so it can be shared; open the report in the workbench to "
                      "see them in full.</p>")
        parts.append(
            f'<section class="card"><h2>{html.escape(sec["title"])}{_badge(sec["verdict"])}</h2>'
            f'<ul class="reasons">{reasons}</ul>{notes}<h3>Metrics</h3>{_metrics(sec.get("metrics", {}))}'
            f'{tables}<div class="grid">{"".join(figs)}</div></section>'
        )
    ds = "".join(f"<li><b>{html.escape(role)}</b>: {html.escape(label)}</li>"
                 for role, label in report.get("datasets", {}).items() if label)
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in report.get("notes", []))
    scripts = [_plotly_js(), FIGURE_LOADER] if count else []
    doc = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(report['title'])}</title><style>{CSS}</style></head><body><main>"
        f"<h1>{html.escape(report['title'])}{_badge(report['verdict'])}</h1>"
        f"<p class='meta'>Created {_fmt(report.get('created_at', ''))} · computed in "
        f"{float(report.get('seconds', 0)):.1f} s · MDG Workbench</p><ul class='meta'>{ds}</ul>{notes}"
        + "".join(parts) + "</main>" + "".join(f"<script>{js}</script>" for js in scripts) + "</body></html>"
    )
    return lock_down(doc, scripts)
