"""Feature steps on stored datasets: cached suggestions, and applying them as a new ``transformed`` version.

Every application saves a new dataset whose ``parent_id`` is the source and whose ``recipe`` is the
exact recipe that produced it, so versions can be compared, rolled back to (the parent is untouched)
and the recipe re-applied elsewhere.
"""

from __future__ import annotations

import json
from typing import Any

from mdg_core.errors import RecipeError
from mdg_core.features.base import Suggestion
from mdg_core.features.steps import (
    RECIPE_FORMAT,
    CsvSource,
    apply_recipe,
    apply_suggestions,
    export_script,
    facts_for,
    guess_target,
    suggest,
    with_params,
)
from mdg_core.profiling.overview import overview_for
from mdg_core.store import DatasetInfo, DatasetStore

SUGGESTIONS_ARTIFACT = "feature_suggestions"
SUGGESTIONS_VERSION = 3
TARGET_META = "target"  # the dataset's label column, in its meta: None = "no target", absent = not chosen yet


def target_for(store: DatasetStore, dataset_id: int) -> tuple[str | None, bool]:
    """The dataset's target column and whether it is only a guess (from its name) rather than the analyst's choice."""
    info = store.get(dataset_id)
    meta = info.meta or {}
    if TARGET_META in meta and (meta[TARGET_META] is None or meta[TARGET_META] in info.column_names):
        return meta[TARGET_META], False
    return guess_target(overview_for(store, dataset_id)), True


def set_target(store: DatasetStore, dataset_id: int, target: str | None) -> None:
    """Record the analyst's target column (None: this table has none); suggestions then leave it alone."""
    info = store.get(dataset_id)
    if target is not None and target not in info.column_names:
        raise RecipeError(f"'{target}' is not a column of #{dataset_id}; choose one of {', '.join(info.column_names)}.")
    store.update_meta(dataset_id, **{TARGET_META: target})


def suggestions_for(store: DatasetStore, dataset_id: int, refresh: bool = False) -> list[Suggestion]:
    """The suggestions for a stored dataset and its target (computed once per target, then read from an artifact)."""
    target, _ = target_for(store, dataset_id)
    key = f"{dataset_id}:v{SUGGESTIONS_VERSION}:{target or ''}"
    if not refresh:
        art = store.get_artifact(SUGGESTIONS_ARTIFACT, key)
        if art is not None and art.payload:
            return [Suggestion(**d) for d in json.loads(art.payload)]
    df = store.load(dataset_id)
    found = suggest(df, facts_for(df, overview=overview_for(store, dataset_id), target=target))
    store.put_artifact(SUGGESTIONS_ARTIFACT, key, json.dumps([s.__dict__ for s in found]).encode("utf-8"),
                       dataset_id=dataset_id, summary={"count": len(found), "target": target})
    return found


def pick(suggestions: list[Suggestion], ids: list[str], options: dict[str, dict[str, Any]] | None = None) -> list[Suggestion]:
    """The suggestions with these ids (options applied); unknown ids raise an error listing valid ones."""
    by_id = {s.id: s for s in suggestions}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise RecipeError(f"No suggestion {', '.join(unknown)} for this dataset. Valid: {', '.join(by_id) or 'none'}.")
    chosen = []
    for i in ids:
        s = by_id[i]
        if options and options.get(i):
            s = with_params(s, **options[i])
        chosen.append(s)
    return chosen


def apply_to_dataset(store: DatasetStore, dataset_id: int, chosen: list[Suggestion],
                     name: str | None = None) -> DatasetInfo:
    """Apply chosen suggestions to a stored dataset and save the result as a new transformed version."""
    info = store.get(dataset_id)
    df = store.load(dataset_id)
    out, recipe = apply_suggestions(df, chosen, source_dataset_id=dataset_id)
    return store.save(out, name or f"{info.name} · features", "transformed", parent_id=dataset_id, recipe=recipe)


def apply_recipe_to_dataset(store: DatasetStore, dataset_id: int, recipe: dict[str, Any],
                            name: str | None = None) -> DatasetInfo:
    """Re-apply a stored or uploaded recipe (same parameters) to another dataset with the same columns."""
    info = store.get(dataset_id)
    out = apply_recipe(store.load(dataset_id), recipe)
    replayed = {**recipe, "source_dataset_id": dataset_id, "replayed_from": recipe.get("source_dataset_id")}
    return store.save(out, name or f"{info.name} · recipe", "transformed", parent_id=dataset_id, recipe=replayed)


def recipes(store: DatasetStore) -> list[DatasetInfo]:
    """Transformed datasets that carry a feature recipe (newest first), to re-apply elsewhere."""
    return [d for d in store.list(kinds=["transformed"]) if _made_by_recipe(d)]


def _made_by_recipe(info: DatasetInfo) -> bool:
    return info.kind == "transformed" and isinstance(info.recipe, dict) and info.recipe.get("format") == RECIPE_FORMAT


def script_for(store: DatasetStore, dataset_id: int) -> str:
    """The Python script that turns the analyst's own file into this version.

    The recipes of every feature version back to the last dataset not made by a recipe run in order;
    when that dataset is an upload, the script reads the uploaded CSV itself (its delimiter, encoding
    and the workbench's column names by position), so it runs on the file the analyst has.
    """
    chain = list(reversed(store.lineage(dataset_id)))  # oldest first
    start = len(chain) - 1
    while start > 0 and _made_by_recipe(chain[start]):
        start -= 1
    recipes_ = [d.recipe for d in chain[start + 1:] if d.recipe]
    if not recipes_:
        raise RecipeError(f"Dataset #{dataset_id} was not made by a feature recipe, so there is no script to export.")
    base = chain[start]
    meta = base.meta or {}
    text = [c.name for c in base.columns if c.logical_type in ("text", "category")]
    if base.kind == "uploaded" and meta.get("delimiter"):
        source = CsvSource(columns=base.column_names, text_columns=text, sep=str(meta["delimiter"]),
                           encoding=str(meta.get("encoding") or "utf-8"), quotechar=str(meta.get("quotechar") or '"'),
                           file_name=base.source_name, skip_records=int(meta.get("skip_records") or 0))
    else:  # the workbench's own CSV download of that dataset
        source = CsvSource(columns=base.column_names, text_columns=text, file_name=f"{base.name}.csv")
    return export_script(recipes_, source)
