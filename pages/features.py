"""Features: measured suggestions, code and before/after previews; apply as a new version with its recipe."""

from __future__ import annotations

import streamlit as st

from mdg_core import ui
from mdg_core.features import steps
from mdg_core.features.base import GROUPS, Suggestion
from mdg_core.features.datasets import apply_recipe_to_dataset, apply_to_dataset, recipes, script_for, suggestions_for

OPTION_LABELS = {"indicator": "Add a missing-indicator column", "action": "Action", "method": "Method", "bins": "Bins",
                 "drop": "Drop"}
store = ui.get_store()

st.title("Features")
st.caption("Suggestions backed by measured evidence. Tick the ones you want: the result is a new dataset "
           "version whose recipe you can re-apply, export as Python, compare or roll back.")
info = ui.require_dataset()
PICK = f"mdg.features.pick.{info.id}"
INSPECT = f"mdg.features.inspect.{info.id}"


def _picked(s: Suggestion) -> Suggestion:
    """The suggestion with the options picked for it on this page."""
    return steps.with_params(s, **{k: v for k in s.options if (v := st.session_state.get(f"{PICK}.{s.id}.{k}")) is not None})


def _inspect_ticked(suggestion_id: str) -> None:
    """Ticking a suggestion shows its code and before/after below."""
    if st.session_state.get(f"{PICK}.{suggestion_id}"):
        st.session_state[INSPECT] = suggestion_id


def _suggestion_row(s: Suggestion) -> None:
    cols = st.columns([0.06, 0.64, 0.3], vertical_alignment="center")
    cols[0].checkbox("Apply", key=f"{PICK}.{s.id}", label_visibility="collapsed", on_change=_inspect_ticked,
                     args=(s.id,))
    cols[1].markdown(f"**{ui.md(s.title)}** · {ui.md_code(', '.join(s.columns))}  \n:gray[{ui.md(s.evidence)}]")
    for name, values in s.options.items():
        current = s.params.get(name, values[0])
        cols[2].selectbox(OPTION_LABELS.get(name, name.capitalize()), values, index=values.index(current) if current in values else 0,
                          key=f"{PICK}.{s.id}.{name}", label_visibility="visible")


def _inspect(found: list[Suggestion]) -> None:
    st.subheader("Inspect", anchor=False)
    by_id = {s.id: s for s in found}
    if st.session_state.get(INSPECT) not in by_id:
        st.session_state.pop(INSPECT, None)
    sid = st.selectbox("Suggestion", list(by_id), key=INSPECT,
                       format_func=lambda i: f"{by_id[i].title} · {', '.join(by_id[i].columns)}")
    s = _picked(by_id[sid])
    st.markdown(f"**Why:** {ui.md(s.evidence)}.  \n**What it does:** {ui.md(s.explanation)}")
    st.code(s.code, language="python", wrap_lines=True)
    before, after = steps.preview(ui.dataset_frame(info), s)
    left, right = st.columns(2)
    left.caption("Before (sample rows)")
    left.dataframe(before, width="stretch")
    right.caption("After")
    if after.shape[1]:
        right.dataframe(after, width="stretch")
    else:
        right.info("The column is removed.", icon=":material/delete:")


def _apply_bar(found: list[Suggestion]) -> None:
    chosen = [_picked(s) for s in found if st.session_state.get(f"{PICK}.{s.id}")]
    cols = st.columns([3, 1], vertical_alignment="bottom")
    name = cols[0].text_input("New dataset name", value=f"{info.name} · features", key=f"mdg.features.name.{info.id}")
    if cols[1].button(f"Apply {len(chosen)} selected", type="primary", icon=":material/auto_fix_high:",
                      disabled=not chosen, width="stretch", key="mdg.features.apply"):
        with ui.user_errors("Applying the suggestions"), st.spinner("Applying and saving a new version…"):
            new = apply_to_dataset(store, info.id, chosen, name)
            skipped = (new.recipe or {}).get("skipped") or []
            st.session_state["mdg.features.applied"] = {"id": new.id, "skipped": skipped}
            ui.set_current_dataset(new.id)
            st.rerun()


def _suggestions() -> None:
    applied = st.session_state.pop("mdg.features.applied", None)
    if applied:
        st.success(f"Saved as dataset #{applied['id']} (transformed). Its recipe is below; the previous version is "
                   "unchanged.", icon=":material/check_circle:")
        if applied["skipped"]:
            st.warning(f"Skipped because an earlier step removed their columns: {ui.md(', '.join(applied['skipped']))}.")
    ui.target_picker(info)
    cols = st.columns([4, 1])
    refresh = cols[1].button("Recompute", icon=":material/refresh:", width="stretch", key="mdg.features.refresh")
    with st.spinner("Measuring the columns (the first time also loads the PII scanner)…"):
        found = suggestions_for(store, info.id, refresh=refresh)
    cols[0].caption(f"{len(found)} suggestion(s) for #{info.id} {ui.md(info.name)}.")
    if not found:
        st.success("Nothing to suggest: no missing values, skew, text-typed numbers or dates, constant or ID "
                   "columns, outliers, personal data or categories to encode.", icon=":material/check_circle:")
        return
    for group, label in GROUPS.items():
        items = [s for s in found if s.group == group]
        if items:
            with st.container(border=True):
                st.markdown(f"**{label}** ({len(items)})")
                for s in items:
                    _suggestion_row(s)
    _apply_bar(found)
    st.divider()
    _inspect(found)


def _recipes() -> None:
    recipe = info.recipe if isinstance(info.recipe, dict) and info.recipe.get("format") == steps.RECIPE_FORMAT else None
    if recipe:
        st.markdown(f"**Recipe of this version** (from #{recipe.get('source_dataset_id')}): {ui.md(recipe.get('summary'))}")
        left, right = st.columns(2)
        left.download_button("Download recipe (JSON)", steps.recipe_to_json(recipe), file_name=f"recipe-{info.id}.json",
                             mime="application/json", icon=":material/download:", width="stretch")
        right.download_button("Export as Python script", script_for(store, info.id), file_name=f"recipe_{info.id}.py",
                              mime="text/x-python", icon=":material/code:", width="stretch",
                              help="Runs on the file this version came from (or your CSV download of it).")
        st.expander("Steps and fitted parameters").json(recipe["steps"], expanded=False)
    else:
        st.caption("This version was not made by a feature recipe.")
    st.subheader("Re-apply a recipe to this dataset", anchor=False)
    available = [d for d in recipes(store) if d.id != info.id]
    labels = {d.id: ui.dataset_label(d) for d in available}
    source = st.selectbox("Recipe of", [None, *labels], key=f"mdg.features.reuse.{info.id}",
                          format_func=lambda i: "—" if i is None else labels[i])
    upload = st.file_uploader("…or a recipe file (JSON)", type=["json"], key=f"mdg.features.recipe_file.{info.id}")
    chosen_recipe = None
    with ui.user_errors("Reading the recipe"):
        if upload is not None:
            chosen_recipe = steps.recipe_from_json(upload.getvalue().decode("utf-8"))
        elif source is not None:
            chosen_recipe = store.get(source).recipe
    if chosen_recipe and st.button("Apply recipe", icon=":material/replay:", key="mdg.features.reapply"):
        with ui.user_errors("Re-applying the recipe"):
            new = apply_recipe_to_dataset(store, info.id, chosen_recipe)
            st.session_state["mdg.features.applied"] = {"id": new.id, "skipped": []}
            ui.set_current_dataset(new.id)
            st.rerun()


ui.lineage_bar(info)
tabs = st.tabs(["Suggestions", "Outliers", "Recipe & versions"], key="mdg.features.tab", on_change="rerun")
for tab, render in zip(tabs, [_suggestions, lambda: ui.outliers_view(info, "mdg.features"), _recipes], strict=True):
    if tab.open:
        with tab, ui.user_errors("Features"):
            render()
