"""The full ydata-profiling report (and its compare report) as a background job with real progress.

ydata-profiling has no progress callback, but it drives ``tqdm`` bars through its phases (describe
each variable, correlations, duplicates, alerts, report structure, HTML rendering). While a report
is built we swap those modules' ``tqdm`` for a subclass that forwards every ``update`` to
``ctx.progress``: the progress is ydata-profiling's own task count, and ``ctx.progress`` raising
``CancelledError`` stops the build at the next finished task.

Reports are stored as artifacts (``profile_html`` keyed ``"{dataset_id}:{mode}"``,
``profile_compare_html`` keyed ``"{a}:{b}:{mode}"``), so a stored report opens instantly.

ydata-profiling writes column names, category values and the title into its HTML unescaped (a
column named ``<img src=x onerror=…>`` became an element). While a report renders, its templates
are read with every value escaped except those that hold HTML ydata-profiling built itself
(``_escaped_templates``), and the finished file carries a Content-Security-Policy that runs only
ydata-profiling's own two scripts and fetches nothing (``locked_down``).
"""

from __future__ import annotations

import contextlib
import html as html_text
import io
import os
import re
import time
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd

from mdg_core.config import load_settings
from mdg_core.errors import InvalidParameterError, ReportError
from mdg_core.progress import Progress, no_progress, span
from mdg_core.reports.html import lock_down

if TYPE_CHECKING:
    from mdg_core.jobs import JobContext
    from mdg_core.store import Artifact, DatasetStore

REPORT_ARTIFACT = "profile_html"
COMPARE_ARTIFACT = "profile_compare_html"
MODES = ("auto", "minimal", "full")
SAMPLE_ABOVE_ROWS = 200_000
SAMPLE_ROWS = 100_000
SEED = 0
# Share of the bar each phase gets; the describe phase is where nearly all the time goes.
PHASES = {"describe": (0.0, 0.85), "structure": (0.85, 0.92), "render": (0.92, 1.0)}



def report_key(dataset_id: int, mode: str) -> str:
    return f"{dataset_id}:{mode}"


def compare_key(dataset_id: int, other_id: int, mode: str) -> str:
    return f"{dataset_id}:{other_id}:{mode}"


def resolve_mode(mode: str, n_rows: int, n_cols: int, minimal_above_cells: int | None = None) -> str:
    """``auto`` becomes ``minimal`` above the configured cell count, else ``full``."""
    if mode not in MODES:
        raise InvalidParameterError(f"Unknown report mode '{mode}'; use one of {', '.join(MODES)}.")
    if mode != "auto":
        return mode
    limit = minimal_above_cells if minimal_above_cells is not None else load_settings().full_profile_minimal_above_cells
    return "minimal" if n_rows * n_cols > limit else "full"


def sample_for_report(df: pd.DataFrame, max_rows: int = SAMPLE_ABOVE_ROWS,
                      sample_rows: int = SAMPLE_ROWS) -> tuple[pd.DataFrame, str | None]:
    """A seeded row sample when the table is very large, with the sentence that says so."""
    if len(df) <= max_rows:
        return df, None
    sample = df.sample(sample_rows, random_state=SEED).sort_index()
    return sample, (f"This report describes a random sample of {sample_rows:,} of the {len(df):,} rows "
                    f"(seed {SEED}); counts and distinct values are those of the sample.")


def _tqdm_class(phase: str, progress: Progress) -> type:
    from tqdm.std import tqdm as std_tqdm

    start, end = PHASES[phase]
    sink = io.StringIO()

    class _Forwarding(std_tqdm):
        """A silent tqdm that reports ydata-profiling's own task count to the job's progress."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["file"] = sink
            kwargs["disable"] = False
            kwargs.pop("position", None)
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            out: bool | None = super().update(n)
            total = max(float(self.total or 0), float(self.n), 1.0)
            label = self.postfix or self.desc or phase
            progress(start + (end - start) * float(self.n) / total, str(label).strip(", "))
            return out

    return _Forwarding


def _silent_tqdm() -> Any:
    from tqdm.std import tqdm as std_tqdm

    def make(*args: Any, **kwargs: Any) -> Any:
        kwargs["disable"] = True
        return std_tqdm(*args, **kwargs)

    return make


@contextlib.contextmanager
def _progress_hooks(progress: Progress) -> Iterator[None]:
    """Route ydata-profiling's tqdm bars to ``progress`` for the duration of one build."""
    import ydata_profiling.model.describe as describe_mod
    import ydata_profiling.model.pandas.summary_pandas as summary_mod
    import ydata_profiling.profile_report as report_mod
    import ydata_profiling.report.structure.report as structure_mod

    saved = (describe_mod.tqdm, structure_mod.tqdm, report_mod.tqdm, summary_mod.tqdm)
    describe_mod.tqdm = _tqdm_class("describe", progress)
    structure_mod.tqdm = _tqdm_class("structure", progress)
    report_mod.tqdm = _tqdm_class("render", progress)
    summary_mod.tqdm = _silent_tqdm()  # an inner per-column bar: the describe bar already counts columns
    try:
        yield
    finally:
        describe_mod.tqdm, structure_mod.tqdm, report_mod.tqdm, summary_mod.tqdm = saved


# Template values that hold HTML ydata-profiling built itself (nested parts, charts, tables,
# captions, alert badges, type names with entities); every other value is text and gets escaped.
_YDATA_HTML_VALUES = re.compile(
    r"\.render\(\)|^(html|sample_html|duplicate_html|correlation_matrix_html|image\b.*|caption|alert|value|"
    r"row\['value'\]|row\['hint'\]|border|description|text|var_type)$"
)
_YDATA_FORMATTERS = ("fmt", "fmt_numeric", "fmt_percent")  # ``fmt`` escapes text; the others format numbers
_TEMPLATE_VALUE = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.DOTALL)
YDATA_SCRIPTS = ("wrapper/assets/bootstrap.bundle.min.js", "wrapper/assets/script.js")


def _escape_value(m: re.Match[str]) -> str:
    lead, expr, trail = m.groups()
    parts = [p.strip() for p in expr.split("|")]
    filters = [p.split("(")[0].strip() for p in parts[1:]]
    if _YDATA_HTML_VALUES.search(expr) or any(f in _YDATA_FORMATTERS for f in filters):
        return m.group(0)
    if "fmt_badge" in filters:  # text made into a badge: escape the text, keep the badge
        parts.insert(filters.index("fmt_badge") + 1, "mdg_text")
    else:
        parts.append("mdg_text")
    return "{{" + lead + " " + " | ".join(parts) + " " + trail + "}}"


def escape_template_source(source: str) -> str:
    """A ydata-profiling template with every text value escaped (``{{ name }}`` → ``{{ name | mdg_text }}``)."""
    return _TEMPLATE_VALUE.sub(_escape_value, source)


@contextlib.contextmanager
def _escaped_templates() -> Iterator[None]:
    """ydata-profiling's templates, escaping data, for the duration of one render."""
    import jinja2
    from markupsafe import escape
    from ydata_profiling.report.presentation.flavours.html import templates as tpl

    class _Escaping(jinja2.BaseLoader):
        def __init__(self, base: jinja2.BaseLoader) -> None:
            self.base = base

        def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
            source, filename, uptodate = self.base.get_source(environment, template)
            return (escape_template_source(source) if template.endswith(".html") else source), filename, uptodate

    original = tpl.jinja2_env
    assert original.loader is not None
    env = original.overlay(loader=_Escaping(original.loader))
    env.filters = {**original.filters, "mdg_text": lambda v: str(escape(v))}
    tpl.jinja2_env = env
    try:
        yield
    finally:
        tpl.jinja2_env = original


def ydata_scripts() -> list[str]:
    """The scripts of ydata-profiling's own report page (Bootstrap and its page script), from the package."""
    from ydata_profiling.report.presentation.flavours.html import templates as tpl

    return [tpl.template(name).render() for name in YDATA_SCRIPTS]


def locked_down(report_html: str) -> str:
    """A profile report that can run only ydata-profiling's own scripts and load nothing (see ``lock_down``).

    Applied when a report is built and again whenever one is shown or downloaded, so a report
    stored by an older version or in a database made elsewhere gets the same protection.
    """
    return lock_down(report_html, ydata_scripts())


def _offline_env() -> None:
    os.environ["YDATA_PROFILING_NO_ANALYTICS"] = "1"
    os.environ.setdefault("YDATA_SUPPRESS_BANNER", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")


def make_profile(df: pd.DataFrame, mode: str, title: str, note: str | None = None) -> Any:
    """A configured (not yet computed) ProfileReport: offline assets, our title and sample note."""
    _offline_env()
    from ydata_profiling import ProfileReport

    kwargs: dict[str, Any] = dict(
        title=title, minimal=(mode == "minimal"), progress_bar=True, explorative=False,
        html={"use_local_assets": True, "inline": True, "navbar_show": True},
        samples={"head": 10, "tail": 0, "random": 0},
        duplicates={"head": 10},
    )
    if mode == "full":
        # Pairwise scatter plots grow with the square of the columns; keep them to a few.
        kwargs["interactions"] = {"continuous": True, "targets": []}
        kwargs["correlations"] = {"auto": {"calculate": True}, "pearson": {"calculate": False},
                                  "spearman": {"calculate": False}, "kendall": {"calculate": False},
                                  "phi_k": {"calculate": False}, "cramers": {"calculate": False}}
    if note:
        kwargs["dataset"] = {"description": note}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        profile = ProfileReport(df.copy(), **kwargs)  # ydata renames columns in place: never on the caller's slice
    if mode == "full" and df.select_dtypes("number").shape[1] > 6:
        profile.config.interactions.continuous = False
    return profile


def build_report_html(df: pd.DataFrame, mode: str, title: str, progress: Progress | None = None,
                      note: str | None = None) -> str:
    """Compute a ydata-profiling report and return its self-contained HTML."""
    progress = progress or no_progress
    profile = make_profile(df, mode, title, note)
    with _progress_hooks(progress), _escaped_templates(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        html = profile.to_html()
    return locked_down(_with_note(html, note))


def build_compare_html(left: pd.DataFrame, right: pd.DataFrame, mode: str, titles: tuple[str, str],
                       progress: Progress | None = None, note: str | None = None) -> str:
    """ydata-profiling's side-by-side compare report of two tables."""
    progress = progress or no_progress
    _offline_env()
    from ydata_profiling import compare

    a = make_profile(left, mode, titles[0], note)
    b = make_profile(right, mode, titles[1], note)
    with _progress_hooks(span(progress, 0, 0.45, f"{titles[0]}: ")), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        da = a.get_description()
    with _progress_hooks(span(progress, 0.45, 0.9, f"{titles[1]}: ")), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        db = b.get_description()
    with (_progress_hooks(span(progress, 0.9, 1, "Compare: ")), _escaped_templates(),
          warnings.catch_warnings()):
        warnings.simplefilter("ignore")
        merged = compare([da, db], config=a.config)
        html = merged.to_html()
    return locked_down(_with_note(html, note))


def _with_note(html: str, note: str | None) -> str:
    """Put the sampling note at the top of the page too, where nobody can miss it."""
    if not note:
        return html
    banner = (f'<div style="background:#fff3cd;border-bottom:1px solid #e0c36c;padding:8px 16px;'
              f'font-family:sans-serif;font-size:14px">{html_text.escape(note)}</div>')
    return html.replace("<body>", "<body>" + banner, 1) if "<body>" in html else banner + html


def run(ctx: JobContext, dataset_id: int, mode: str = "auto", other_id: int | None = None) -> dict[str, Any]:
    """Job ``profile_report``: the full report of a dataset, or the compare report with ``other_id``."""
    store = ctx.store
    info = store.get(dataset_id)
    other = store.get(other_id) if other_id is not None else None
    n_rows = max(info.n_rows, other.n_rows if other else 0)
    resolved = resolve_mode(mode, n_rows, info.n_cols)
    ctx.progress(0, "Loading rows…")
    started = time.perf_counter()
    df, note = sample_for_report(store.load(dataset_id))
    forward = span(ctx.progress, 0.02, 0.98)

    if other is None:
        title = f"#{info.id} {info.name} ({resolved})"
        html = build_report_html(df, resolved, title, forward, note)
        kind, key = REPORT_ARTIFACT, report_key(info.id, resolved)
    else:
        df_b, note_b = sample_for_report(store.load(other.id))
        note = " ".join(n for n in (note, note_b) if n) or None
        html = build_compare_html(df, df_b, resolved, (f"#{info.id} {info.name}", f"#{other.id} {other.name}"),
                                  forward, note)
        kind, key = COMPARE_ARTIFACT, compare_key(info.id, other.id, resolved)
    ctx.progress(0.99, "Saving the report…")
    if not html:
        raise ReportError("ydata-profiling returned an empty report.")
    seconds = round(time.perf_counter() - started, 2)
    summary = {"mode": resolved, "rows_profiled": len(df), "rows_total": info.n_rows, "sampled": note is not None,
               "seconds": seconds, "bytes": len(html)}
    payload = html.encode("utf-8")
    with store.transaction():  # the report and the job's result: both or neither
        artifact_id = store.put_artifact(kind, key, payload, dataset_id=info.id,
                                         other_dataset_id=other.id if other else None,
                                         params={"mode": resolved, "requested_mode": mode}, summary=summary)
        of = f"#{info.id} and #{other.id}" if other else f"#{info.id}"
        result = ctx.saved({"artifact_id": artifact_id, "kind": kind, "key": key, **summary},
                           f"{'compare ' if other else ''}profile report #{artifact_id} of {of}")
    ctx.progress(1, "Report saved")
    return result


def stored_report(store: DatasetStore, dataset_id: int, other_id: int | None = None) -> Artifact | None:
    """The newest stored report (or compare report) for a dataset, any mode, or None."""
    kind = REPORT_ARTIFACT if other_id is None else COMPARE_ARTIFACT
    for art in store.list_artifacts(kind, dataset_id=dataset_id):
        if art.dataset_id == dataset_id and (other_id is None or art.other_dataset_id == other_id):
            return art
    return None
