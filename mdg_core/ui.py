"""Streamlit helpers shared by the pages: the only module of ``mdg_core`` that imports streamlit.

Session state holds ids only (namespaced ``mdg.*`` keys), never DataFrames; caching lives here, in
the UI layer.
"""

from __future__ import annotations

import html
import logging
import re
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from mdg_core.rules.dataset import RuleState
    from mdg_core.rules.discover import Candidate

import streamlit as st

from mdg_core import jobs
from mdg_core.config import Settings, load_settings, streamlit_options
from mdg_core.errors import MdgError
from mdg_core.store import DatasetInfo, DatasetStore

log = logging.getLogger("mdg_core.ui")

CURRENT_KEY = "mdg.current_dataset_id"
PENDING_KEY = "mdg.pending_dataset_id"
SIDEBAR_KEY = "mdg.sidebar_dataset"
DATASET_PARAM = "ds"  # the current dataset in the URL: a refresh or a bookmark keeps it


# What Markdown (and Streamlit's LaTeX, colour and code syntax) would act on inside a line: links and
# images need brackets, HTML and autolinks angle brackets; underscores only at a word's edge.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>$~|])|(?<![^\W_])_|_(?![^\W_])")
_MARKDOWN_LINE_MARK = re.compile(r"^[#>+=-]|^\d+[.)](?=\s|$)")  # a heading, quote, list or rule marker


def md(text: object) -> str:
    """Text from data (a dataset, column, file or model name) for a place that renders Markdown.

    Markdown characters are escaped and line breaks become spaces, so a name such as
    ``![c](http://host/x.png)`` shows as those characters, never as an image the browser fetches,
    a link, emphasis, a formula or a heading. Characters that mean nothing inside a line (dots,
    parentheses, ``snake_case``) are left alone, so messages read the same in tests and logs.
    """
    line = " ".join(str(text).split())
    escaped = _MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), line)
    return _MARKDOWN_LINE_MARK.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], escaped, count=1)


def md_code(text: object) -> str:
    """Text from data as a Markdown code span that no backtick inside it can end early."""
    value = " ".join(str(text).split())
    fence = "`" * (max((len(r) for r in re.findall(r"`+", value)), default=0) + 1)
    return f"{fence} {value} {fence}"


def sandboxed_html(document: str, *, height: int = 900, alt: str | None = None,
                   trusted_scripts: Iterable[str] = ()) -> None:
    """Show an HTML document that holds data (a report) so that nothing in it can reach the app.

    Streamlit's own frame shares the app's origin and runs scripts, so the document goes one
    level deeper: into a frame sandboxed with ``allow-scripts`` only (an opaque origin: no access
    to the app, its cookies or storage; no pop-ups, forms or top-level navigation), under a
    Content-Security-Policy that runs only ``trusted_scripts`` and loads nothing from anywhere.
    """
    from mdg_core.reports.html import lock_down

    inner = html.escape(lock_down(document, trusted_scripts), quote=True)
    title = html.escape(alt or "Embedded report", quote=True)
    wrapper = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>html,body{margin:0;height:100%;overflow:hidden}"
        "iframe{border:0;width:100%;height:100%;display:block}</style></head><body>"
        f'<iframe sandbox="allow-scripts" referrerpolicy="no-referrer" title="{title}" srcdoc="{inner}"></iframe>'
        "</body></html>"
    )
    st.iframe(wrapper, height=height, alt=alt)


def settings() -> Settings:
    """The current settings, with the Streamlit options that follow them applied (upload limit)."""
    from streamlit import config as st_config

    current = load_settings()
    for key, value in streamlit_options(current).items():
        if st_config.get_option(key) != value:
            st_config.set_option(key, value)  # server options: st.set_option refuses them
    return current


@st.cache_resource(show_spinner=False)
def _store(db_path: str) -> DatasetStore:
    from mdg_core.samples import seed_samples

    store = DatasetStore(db_path)
    seed_samples(store)
    return store


def get_store() -> DatasetStore:
    """The process-wide store for the configured database (created on first use)."""
    return _store(str(Path(settings().db_path).resolve()))


@contextmanager
def user_errors(action: str = "That") -> Iterator[None]:
    """Show an analyst-readable message instead of a traceback; log the details."""
    try:
        yield
    except MdgError as exc:
        st.error(md(exc), icon=":material/error:")
    except Exception as exc:  # never show a raw traceback to an analyst
        log.error("%s failed:\n%s", action, traceback.format_exc())
        st.error(
            f"{action} failed unexpectedly ({md(type(exc).__name__)}: {md(exc)}). "
            "Nothing was changed; the details are in the server log.",
            icon=":material/error:",
        )


def _query_int(name: str) -> int | None:
    """An integer query parameter of the page's URL, or None when absent or not a number."""
    value = st.query_params.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def url_state(key: str, param: str, default: Any, parse: Callable[[str], Any] | None = None,
              valid: Callable[[Any], bool] | None = None) -> Any:
    """A form value that survives a refresh and makes the view bookmarkable: kept in ``?param=``.

    Call it before the widget with ``key`` is drawn and give the widget no default of its own: the
    first run of a session takes the value from the URL (else ``default``); every run writes the
    widget's value back to the URL. ``parse`` reads the URL text (int via ``_query_int``); a value
    that ``valid`` refuses (out of the widget's range, an unknown name) falls back to ``default``."""
    if key not in st.session_state:
        if parse is None:
            raw = _query_int(param) if isinstance(default, int) and not isinstance(default, bool) \
                else st.query_params.get(param)
        else:
            text = st.query_params.get(param)
            try:
                raw = parse(text) if text is not None else None
            except ValueError:
                raw = None
        st.session_state[key] = default if raw is None or (valid is not None and not valid(raw)) else raw
    value = st.session_state[key]
    if st.query_params.get(param) != str(value):
        st.query_params[param] = str(value)
    return value


def current_dataset_id() -> int | None:
    value = st.session_state.get(CURRENT_KEY)
    return int(value) if value is not None else None


def set_current_dataset(dataset_id: int | None) -> None:
    """Make a dataset current; the sidebar picks it up on its next run."""
    st.session_state[CURRENT_KEY] = dataset_id
    st.session_state[PENDING_KEY] = dataset_id


def current_dataset() -> DatasetInfo | None:
    """The dataset chosen in the sidebar, or None if there is none (or it was deleted)."""
    dataset_id = current_dataset_id()
    if dataset_id is None:
        return None
    try:
        return get_store().get(dataset_id)
    except MdgError:
        set_current_dataset(None)
        return None


def dataset_label(info: DatasetInfo) -> str:
    return f"#{info.id} · {info.name} · {info.kind} · {info.n_rows:,}×{info.n_cols}"


def sidebar_dataset_selector() -> DatasetInfo | None:
    """The sidebar's dataset chooser, shared by every page."""
    store = get_store()
    datasets = store.list(kinds=["uploaded", "transformed", "synthetic", "mock"])
    with st.sidebar:
        st.caption("Current dataset")
        if not datasets:
            st.info("No datasets yet: upload a CSV on the Data page.", icon=":material/info:")
            set_current_dataset(None)
            return None
        ids = [d.id for d in datasets]
        labels = {d.id: dataset_label(d) for d in datasets}
        current = current_dataset_id()
        if current is None:  # a new session (a refresh, a bookmark): the URL says which dataset
            current = _query_int(DATASET_PARAM)
        if current not in ids:
            current = ids[0]
        pending = st.session_state.pop(PENDING_KEY, None)
        if pending in ids or st.session_state.get(SIDEBAR_KEY) not in ids:
            st.session_state[SIDEBAR_KEY] = pending if pending in ids else current
        chosen = st.selectbox(
            "Current dataset", ids, format_func=lambda i: labels[i], key=SIDEBAR_KEY,
            label_visibility="collapsed",
        )
        st.session_state[CURRENT_KEY] = chosen
        if st.query_params.get(DATASET_PARAM) != str(chosen):
            st.query_params[DATASET_PARAM] = str(chosen)
        info = next(d for d in datasets if d.id == chosen)
        if info.parent_id:
            st.caption(f"Derived from #{info.parent_id}")
        return info


def require_dataset() -> DatasetInfo:
    """The current dataset; stops the page with a friendly empty state when there is none."""
    info = current_dataset()
    if info is None:
        st.info("Choose a dataset in the sidebar, or upload one on the Data page.", icon=":material/info:")
        st.page_link("pages/data.py", label="Go to Data", icon=":material/table:")
        st.stop()
    return info


REAL_KINDS = ("uploaded", "transformed")
PICKABLE_KINDS = ["uploaded", "transformed", "synthetic", "mock"]  # split parts belong to their run


def dataset_picker(label: str, key: str, kinds: list[str] | None = None,
                   default: int | None = None, exclude: int | None = None) -> DatasetInfo | None:
    """A selectbox over datasets (for comparisons); train/holdout parts only when ``kinds`` asks for them."""
    datasets = [d for d in get_store().list(kinds=kinds or PICKABLE_KINDS) if d.id != exclude]
    if not datasets:
        st.info("No dataset to choose from yet.")
        return None
    ids = [d.id for d in datasets]
    index = ids.index(default) if default in ids else 0
    chosen = st.selectbox(label, ids, index=index, key=key,
                          format_func=lambda i: dataset_label(next(d for d in datasets if d.id == i)))
    return next(d for d in datasets if d.id == chosen)


def real_source(info: DatasetInfo | None) -> DatasetInfo | None:
    """The real data behind a dataset: itself when it is real, else its nearest real ancestor (or None)."""
    if info is None:
        return None
    return next((d for d in get_store().lineage(info.id) if d.kind in REAL_KINDS), None)


def pair_relation(a: DatasetInfo, b: DatasetInfo) -> str:
    """How B relates to A: ``derived`` (B descends from A), ``related`` (same original upload) or ``unrelated``."""
    store = get_store()
    b_line = store.lineage(b.id)
    if any(d.id == a.id for d in b_line[1:]):
        return "derived"
    return "related" if store.lineage(a.id)[-1].id == b_line[-1].id else "unrelated"


def pick_pair_b(key: str, dataset_id: int) -> None:
    """Make ``dataset_id`` the B of ``report_pair(key=...)`` on its next run (a new version just made)."""
    st.session_state[f"{key}.b.pending"] = dataset_id


def _default_choice(key: str, anchor: object, options: list[int], default: int | None) -> None:
    """Give a widget its default when what the default follows (``anchor``) changed or its choice is gone.

    Written through session state, not ``index``: only a value set that way reaches a widget the browser
    already shows (with ``index`` the browser kept showing the old choice while the page used the new one)."""
    value = st.session_state.get(key)
    if (key not in st.session_state or st.session_state.get(f"{key}.from") != anchor
            or (value is not None and value not in options)):
        st.session_state[key] = default
        st.session_state[f"{key}.from"] = anchor


def report_pair(labels: tuple[str, str], key: str) -> tuple[DatasetInfo | None, DatasetInfo | None]:
    """The real dataset (A) and a synthetic one made from it (B), for a report.

    Why: a report of two unrelated tables fails ("no column in common") or misleads. A defaults to the
    real data behind the current dataset; B to the current dataset when it derives from A, else to A's
    newest synthetic descendant (or nothing, with a link to Generate). B's list starts with A's
    descendants; a B from another lineage is said to be one. Train/holdout parts are not offered. The
    defaults follow the sidebar and A until the analyst picks; widgets are ``{key}.a`` and ``{key}.b``."""
    datasets = get_store().list(kinds=PICKABLE_KINDS)
    if not datasets:
        st.info("No dataset to compare yet: upload one on the Data page.", icon=":material/info:")
        return None, None
    by_id = {d.id: d for d in datasets}
    current = current_dataset()
    real = real_source(current)
    a_ids = [d.id for d in datasets if d.kind in REAL_KINDS] + [d.id for d in datasets if d.kind not in REAL_KINDS]
    left, right = st.columns(2)
    _default_choice(f"{key}.a", current.id if current else None, a_ids, real.id if real else a_ids[0])
    a = by_id[left.selectbox(labels[0], a_ids, key=f"{key}.a", format_func=lambda i: dataset_label(by_id[i]))]
    children = sorted((d for d in get_store().descendants(a.id) if d.id in by_id), key=lambda d: -d.id)
    b_ids = [d.id for d in children] + [i for i in by_id if i != a.id and i not in {d.id for d in children}]
    synthetic = [d.id for d in children if d.kind == "synthetic"]
    default = current.id if current and current.id in synthetic else (synthetic[0] if synthetic else None)
    _default_choice(f"{key}.b", (a.id, current.id if current else None), b_ids, default)
    pending = st.session_state.pop(f"{key}.b.pending", None)
    if pending in b_ids:
        st.session_state[f"{key}.b"] = pending
    with right:
        b_id = st.selectbox(labels[1], b_ids, index=None, key=f"{key}.b", placeholder="Choose a dataset to compare with",
                            format_func=lambda i: dataset_label(by_id[i])
                            + (f" · made from #{by_id[i].parent_id}" if i in {d.id for d in children} else ""))
        if not synthetic:
            st.info(f"No synthetic dataset made from #{a.id} yet: generate one first.", icon=":material/info:")
            st.page_link("pages/generate.py", label="Go to Generate", icon=":material/auto_awesome:")
    b = by_id.get(b_id) if b_id is not None else None
    if b is not None and (relation := pair_relation(a, b)) != "derived":
        st.warning(f"#{b.id} was not made from #{a.id}" + (
            ": both come from the same upload, so the report compares two versions of it." if relation == "related"
            else " nor from the data it comes from: these are two unrelated tables, compared as they are."),
            icon=":material/link_off:")
    return a, b


def column_config(frame: "pd.DataFrame") -> dict[str, object]:
    """Display dates without a midnight time part, as analysts wrote them."""
    import pandas as pd

    config: dict[str, object] = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col.dtype) and col.notna().any():
            values = col.dropna()
            if getattr(col.dt, "tz", None) is None and (values == values.dt.normalize()).all():
                config[str(name)] = st.column_config.DateColumn(str(name), format="YYYY-MM-DD")
    return config


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "estimating…"
    seconds = max(0, int(round(seconds)))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def job_panel(job_key: str, on_done: Callable[[jobs.JobInfo], None] | None = None,
              recover_kinds: list[str] | None = None) -> jobs.JobInfo | None:
    """Show the job whose id is stored under ``st.session_state[job_key]``.

    While it runs, a fragment polls it every second so the rest of the page stays usable: real
    progress, elapsed time, an estimate and a cancel button. After a browser refresh (session state
    is new) the latest running job of ``recover_kinds`` is picked up again. When the job has ended,
    its outcome is shown and ``on_done`` renders its result.
    """
    store = get_store()
    _recover_job(job_key, recover_kinds)
    job_id = st.session_state.get(job_key)
    if job_id is None:
        return None
    try:
        info = jobs.get(store, int(job_id))
    except MdgError as exc:
        st.error(md(exc))
        return None
    if info.active:
        _running_fragment(store, int(job_id), job_key)
        return info
    if info.status == "done":
        st.success(f"{md(info.title)}: done in {_fmt_seconds(info.elapsed_seconds)}.",
                   icon=":material/check_circle:")
        if note := info.stopped_after_saving:
            st.info(md(note), icon=":material/info:")
        if on_done is not None:
            on_done(info)
    elif info.status == "cancelled":
        st.warning(f"{md(info.title)}: cancelled. Nothing was saved.", icon=":material/cancel:")
    else:
        st.error(f"{md(info.title)} failed: {md(info.error)}", icon=":material/error:")
    return info


@st.fragment(run_every=1.0)
def _running_fragment(store: DatasetStore, job_id: int, job_key: str) -> None:
    info = jobs.get(store, job_id)
    if not info.active:
        st.rerun()  # the whole page shows the outcome
    label = info.message or ("Waiting for a worker…" if info.status == "queued" else "Working…")
    st.progress(min(1.0, info.progress), text=f"{md(info.title)}: {md(label)}")
    cols = st.columns([3, 1])
    remaining = f" · remaining {_fmt_seconds(info.eta_seconds)}" if info.eta_seconds is not None else ""
    cols[0].caption(f"Elapsed {_fmt_seconds(info.elapsed_seconds)}{remaining}")
    if cols[1].button("Cancel", key=f"{job_key}.cancel.{job_id}", icon=":material/cancel:",
                      disabled=info.cancel_requested):
        with user_errors("Cancelling"):  # the database may be busy with another program's write
            jobs.cancel(store, info.id)
            st.toast("Cancelling…")


def _recover_job(job_key: str, recover_kinds: list[str] | None) -> None:
    """After a refresh (new session state) pick up the latest running job of these kinds again."""
    if st.session_state.get(job_key) is None and recover_kinds:
        running = jobs.list_jobs(get_store(), kinds=recover_kinds, active_only=True, limit=1)
        if running:
            st.session_state[job_key] = running[0].id


def active_job_id(job_key: str, recover_kinds: list[str] | None = None) -> int | None:
    """The id under ``job_key`` if that job is still running (recovered after a refresh, see
    ``job_panel``), so a button that starts such a job stays disabled across a refresh."""
    _recover_job(job_key, recover_kinds)
    job_id = st.session_state.get(job_key)
    if job_id is None:
        return None
    try:
        info = jobs.get(get_store(), int(job_id))
    except MdgError:
        return None
    return info.id if info.active else None


def _leave_legacy_pages_mode() -> None:
    """Make a deep link on a fresh server run through ``app.py``'s navigation.

    Why: until some session has called ``st.navigation``, Streamlit treats the ``pages/`` folder as a
    legacy multipage app, so the first visit to ``/generate`` ran ``pages/generate.py`` alone, under a raw
    list of file names and without the sidebar. Every page imports this module, so the first such run
    switches the legacy mode off for the server and reruns, which goes through ``app.py``.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()


_leave_legacy_pages_mode()


# --- Generate page: metadata & rules component --------------------------------------------------------
@st.cache_data(max_entries=8, show_spinner="Detecting column types…")
def _detected_metadata(db_path: str, dataset_id: int, created_at: str) -> dict[str, Any]:
    from mdg_core.generators import metadata as gen_md

    return gen_md.for_dataset(get_store(), dataset_id)


@st.cache_data(max_entries=8, show_spinner="Looking for rules the data already keeps…")
def _rule_candidates(db_path: str, dataset_id: int, created_at: str) -> list[Candidate]:
    from mdg_core.rules import dataset as dataset_rules

    return list(dataset_rules.suggestions(get_store(), dataset_id))


def generation_metadata(info: DatasetInfo) -> dict[str, Any]:
    """The dataset's saved generation metadata when it still fits its columns, else the detected one."""
    from mdg_core.generators import metadata as gen_md

    stored = (info.meta or {}).get(gen_md.META_KEY)
    if stored and set(stored["columns"]) == set(info.column_names):
        return stored
    return _detected_metadata(str(get_store().db_path), info.id, info.created_at)


def rule_state(info: DatasetInfo) -> RuleState:
    """``rules.dataset.RuleState`` of the dataset, with the suggestions cached per dataset."""
    from mdg_core.rules import dataset as dataset_rules

    candidates = _rule_candidates(str(get_store().db_path), info.id, info.created_at)
    return dataset_rules.state(get_store(), info.id, candidates)


def describe_rule(rule: dict[str, Any]) -> str:
    from mdg_core.rules import from_dict

    try:
        return from_dict(rule).describe()
    except MdgError:
        return str(rule)


def metadata_editor(info: DatasetInfo) -> None:
    """Column types, key and PII of the dataset, editable and saved with it."""
    from mdg_core.generators import metadata as gen_md

    stored = (info.meta or {}).get(gen_md.META_KEY)
    current = generation_metadata(info)
    st.caption("Saved with the dataset." if stored and current is stored
               else "Detected automatically (SDV). Check and save it.")
    edited = st.data_editor(
        gen_md.to_table(current), hide_index=True, width="stretch", key=f"mdg.generate.meta.{info.id}",
        disabled=["Column"],
        column_config={
            "Type": st.column_config.SelectboxColumn("Type", options=list(gen_md.SDTYPES), required=True,
                                                     help="How the column is modelled; PII kinds choose the fake"),
            "Primary key": st.column_config.CheckboxColumn(help="Regenerated as fresh unique values"),
            "PII (replace with fakes)": st.column_config.CheckboxColumn(
                help="Not learned from: replaced by realistic fakes of its type"),
        },
    )
    if st.button("Save metadata", icon=":material/save:", key="mdg.generate.meta.save"):
        with user_errors("Saving metadata"):
            gen_md.save(get_store(), info.id, gen_md.from_table(edited))
            st.toast("Metadata saved with the dataset.", icon=":material/check_circle:")
            st.rerun()


def rules_editor(info: DatasetInfo) -> None:
    """Rules every generated row keeps: the data's own rules ticked by default, plus rules by hand."""
    from mdg_core.rules import dataset as dataset_rules

    store, state = get_store(), rule_state(info)
    st.markdown("**Rules every generated row must keep**")
    st.caption("Rules that hold on every real row are on by default: untick one to let generated rows break it.")
    if not state.suggestions:
        st.caption("No rule holds on every real row.")
    for i, (rule, evidence) in enumerate(state.suggestions):
        on = st.checkbox(md_code(describe_rule(rule)), value=state.is_on(rule),
                         help=md(evidence), key=f"mdg.generate.rule.on.{info.id}.{i}")
        st.caption(md(evidence))
        if on != state.is_on(rule):
            with user_errors("Changing the rule"):
                (dataset_rules.add_rule if on else dataset_rules.remove_rule)(store, info.id, rule)
                st.rerun()
    for i, rule in enumerate(state.manual):
        cols = st.columns([6, 1])
        cols[0].markdown(f"- {md_code(describe_rule(rule))} :gray[(added by hand)]")
        if cols[1].button("Remove", key=f"mdg.generate.rule.rm.{i}", icon=":material/delete:"):
            with user_errors("Removing the rule"):
                dataset_rules.remove_rule(store, info.id, rule)
                st.rerun()
    for rule in state.stale:
        st.warning(f"Not enforced: {md_code(describe_rule(rule))} uses columns this dataset does not have.",
                   icon=":material/warning:")
    if state.edited and st.button("Back to the rules the data keeps", icon=":material/restart_alt:",
                                  key="mdg.generate.rule.reset"):
        dataset_rules.reset_rules(store, info.id)
        st.rerun()
    with st.expander("Add a rule by hand", icon=":material/edit:"):
        _manual_rule(info)


def _manual_rule(info: DatasetInfo) -> None:
    from mdg_core.rules import dataset as dataset_rules

    kind = st.radio("Kind", ["inequality", "fixed_combination", "range"], horizontal=True,
                    format_func={"inequality": "Column ≤ column", "fixed_combination": "Fixed combination",
                                 "range": "Value range"}.get, key="mdg.generate.rule.kind")
    names = info.column_names
    rule: dict[str, Any] = {"kind": kind}
    if kind == "inequality":
        c1, c2 = st.columns(2)
        rule["low"] = c1.selectbox("Low column", names, key="mdg.generate.rule.low")
        rule["high"] = c2.selectbox("High column", names, index=min(1, len(names) - 1), key="mdg.generate.rule.high")
        rule["strict"] = st.checkbox("Strictly less", key="mdg.generate.rule.strict")
    elif kind == "fixed_combination":
        rule["columns"] = st.multiselect("Columns whose real combinations must be kept", names,
                                         key="mdg.generate.rule.cols")
    else:
        rule["column"] = st.selectbox("Column", names, key="mdg.generate.rule.col")
        c1, c2 = st.columns(2)
        lo = c1.text_input("Min (empty: none)", key="mdg.generate.rule.min")
        hi = c2.text_input("Max (empty: none)", key="mdg.generate.rule.max")
        rule["min"], rule["max"] = (lo or None), (hi or None)
    if st.button("Add rule", icon=":material/add:", key="mdg.generate.rule.add_manual"):
        with user_errors("Adding the rule"):
            dataset_rules.add_rule(get_store(), info.id, rule)
            st.rerun()


# --- Data, Profile and Features pages: cached loaders and chart settings ----------------------------
# Cache keys are the database, the dataset id and its creation time (ids are unique only within one
# database, and a dataset never changes once stored).
PLOTLY_CONFIG = {"displaylogo": False, "displayModeBar": False}  # no toolbar over the chart titles


def plotly(container: Any, fig: Any, key: str) -> None:
    """A plotly chart with the workbench's settings, in ``container`` (``st`` or a column)."""
    container.plotly_chart(fig, config=PLOTLY_CONFIG, key=key)


@st.cache_resource(max_entries=2, show_spinner="Loading rows…")
def _frame(db: str, dataset_id: int, created: str) -> pd.DataFrame:
    return DatasetStore(db).load(dataset_id)


def dataset_frame(info: DatasetInfo) -> pd.DataFrame:
    """The rows of a dataset, loaded once and shared read-only by the tabs of a page (do not modify)."""
    return _frame(str(get_store().db_path), info.id, info.created_at)


@st.cache_data(max_entries=8, show_spinner="Counting outliers…")
def _outliers(db: str, dataset_id: int, created: str) -> pd.DataFrame:
    from mdg_core.profiling.outliers import outlier_table

    return outlier_table(_frame(db, dataset_id, created))


def outlier_table(info: DatasetInfo) -> pd.DataFrame:
    """Outlier counts per numeric column (IQR, z-score, IsolationForest), computed once per dataset."""
    return _outliers(str(get_store().db_path), info.id, info.created_at)


@st.cache_data(max_entries=8, show_spinner="Measuring associations…")
def _associations(db: str, dataset_id: int, created: str, method: str) -> Any:
    from mdg_core.profiling.correlations import associations

    return associations(_frame(db, dataset_id, created), method=method)


def associations(info: DatasetInfo, method: str) -> Any:
    """The association matrix of a dataset (``mdg_core.profiling.correlations.Associations``), cached."""
    return _associations(str(get_store().db_path), info.id, info.created_at, method)


@st.cache_data(max_entries=8, show_spinner="Scanning sampled values with presidio…")
def _pii_table(db: str, dataset_id: int, created: str) -> pd.DataFrame:
    import pandas as pd

    from mdg_core.pii import scan_columns

    return pd.DataFrame([{"Column": r.column, "Found in sampled values": r.describe() or "—", "Best score": r.max_score}
                         for r in scan_columns(_frame(db, dataset_id, created))])


def pii_table(info: DatasetInfo) -> pd.DataFrame:
    """presidio's findings per column of a dataset, cached."""
    return _pii_table(str(get_store().db_path), info.id, info.created_at)


@st.cache_resource(show_spinner=False)
def _upload_previews() -> dict[tuple[str, tuple[tuple[str, str], ...]], Any]:
    return {}


def upload_preview(raw: bytes, digest: str, overrides: dict[str, str]) -> Any:
    """An upload parsed with these type overrides (``mdg_core.uploads.UploadPreview``), kept across reruns
    for the few most recent files; a progress bar shows while a new one is read."""
    from mdg_core.uploads import preview_upload

    cache, key = _upload_previews(), (digest, tuple(sorted(overrides.items())))
    if key not in cache:
        bar = st.progress(0.0, text="Reading…")

        def show(fraction: float, message: str) -> None:
            bar.progress(min(1.0, fraction / 0.8), text=message)

        cache[key] = preview_upload(raw, overrides, show, max_mb=settings().max_upload_mb)
        bar.empty()
        while len(cache) > 4:
            cache.pop(next(iter(cache)))
    cache[key] = cache.pop(key)  # most recently used last
    return cache[key]


def type_editor(key: str, preview: Any) -> dict[str, str]:
    """The editable type table of an upload (``mdg_core.uploads.UploadPreview``); returns the wanted overrides.

    A type the values refuse is named in that column's Note and dropped from the choices; a fresh editor
    then shows the type in use, and the rest of the table and the preview stay. State lives under ``key``.
    """
    from mdg_core.ingest import TYPES

    refused = st.session_state.setdefault(f"{key}.refused", {})
    if preview.refused:
        refused.update(preview.refused)
        st.session_state[key] = preview.overrides
        st.session_state[f"{key}.v"] = st.session_state.get(f"{key}.v", 0) + 1
    for column, why in refused.items():
        st.warning(f"The type chosen for {md_code(column)} does not fit its values, so it stays as read "
                   f"(see its Note): {md(why)}", icon=":material/warning:")
    edited = st.data_editor(preview.table(refused), hide_index=True, width="stretch",
                            key=f"{key}.editor.{st.session_state.get(f'{key}.v', 0)}",
                            disabled=["Column", "Detected", "Missing", "Distinct", "Examples", "Note"],
                            column_config={"Type": st.column_config.SelectboxColumn(
                                "Type", options=list(TYPES), required=True, help="Override the inferred type")})
    guesses = preview.parsed.guesses
    return {c: t for c, t, g in zip(edited["Column"], edited["Type"], guesses, strict=True) if t != g.type}


def outliers_view(info: DatasetInfo, key: str) -> None:
    """The outlier table of a dataset (each method's threshold in its header, a note where a method does
    not apply) and box plots of the columns with the most IQR outliers; Profile and Features both show it."""
    from mdg_core.profiling.outliers import IQR_LABEL, METHODS_NOTE, box_figure

    table = outlier_table(info)
    if table.empty:
        st.info("This dataset has no numeric column with more than two values.")
        return
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "Values": st.column_config.NumberColumn(format="localized"), "Note": st.column_config.TextColumn(width="large")})
    st.caption(md(METHODS_NOTE))
    default = table.sort_values(IQR_LABEL, ascending=False, na_position="last")["Column"].tolist()[:4]
    chosen = st.multiselect("Box plots for", table["Column"].tolist(), default=default, key=f"{key}.box.{info.id}")
    grid = st.columns(2)
    for i, name in enumerate(chosen):
        plotly(grid[i % 2], box_figure(dataset_frame(info), name), key=f"{key}.boxplot.{name}")


def target_picker(info: DatasetInfo, key: str = "mdg.target") -> str | None:
    """The dataset's target column (the label a model will predict), chosen or confirmed by the analyst
    and kept in the dataset's meta; a guess from the column names is said to be one. Returns it."""
    from mdg_core.features.datasets import set_target, target_for

    store = get_store()
    target, guessed = target_for(store, info.id)
    names = [None, *info.column_names]
    chosen = st.selectbox("Target column", names, index=names.index(target), key=f"{key}.{info.id}",
                          format_func=lambda c: "(none)" if c is None else c,
                          help="The label a model will predict. Suggestions leave it as it is (no encoding, "
                               "scaling, capping or filling).")
    if chosen != target:
        set_target(store, info.id, chosen)
        st.rerun()
    if guessed and target:
        st.caption(f"{md_code(target)} was guessed from its name; choose another column or (none).")
    return target


def lineage_bar(info: DatasetInfo) -> None:
    """The versions of a dataset back to its upload, with buttons to compare with the parent version (on the
    Profile page) or to make the parent current again (nothing is deleted); nothing for an original."""
    chain = get_store().lineage(info.id)
    if len(chain) > 1:
        path = " → ".join(f"#{d.id} {d.name}" for d in reversed(chain))
        cols = st.columns([3, 1, 1], vertical_alignment="center")
        cols[0].caption(f"Versions: {md(path)}")
        if cols[1].button(f"Compare with #{info.parent_id}", icon=":material/compare:", width="stretch",
                          help="Open the Profile page's side-by-side comparison with the parent version."):
            st.session_state["mdg.profile.tab"] = "Compare"
            st.switch_page("pages/profile.py")
        if cols[2].button(f"Back to #{info.parent_id}", icon=":material/undo:", width="stretch",
                          help="Make the parent version current (nothing is deleted)."):
            set_current_dataset(info.parent_id)
            st.rerun()
