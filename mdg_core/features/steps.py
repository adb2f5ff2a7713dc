"""Suggest, preview and apply feature steps; recipes as JSON; recipes as standalone Python scripts.

``suggest(df)`` runs every registered rule's detector. ``apply_suggestions`` runs the chosen ones in
the registry's order (cleaning before encoding), re-fitting each on the table as the earlier steps
left it, and returns the new table with its recipe. ``apply_recipe`` replays a recipe's stored
parameters exactly (no re-fitting), so applying a recipe twice, or to another dataset with the same
columns, gives the same transform.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from mdg_core.column_kinds import WORDS, ColumnKind
from mdg_core.errors import RecipeError
from mdg_core.features.base import Facts, Suggestion, q
from mdg_core.features.registry import RULES, get_rule, rule_order

RECIPE_FORMAT = "mdg-feature-recipe"
RECIPE_VERSION = 1
PREVIEW_ROWS = 8
# Names a label column usually has; a guess the analyst confirms or changes on the Features page.
TARGET_NAMES = ("target", "label", "class", "y", "outcome", "income", "churn", "churned", "survived", "default",
                "response", "diagnosis", "species", "result", "fraud", "is_fraud", "readmitted", "approved")
TARGET_MAX_LEVELS = 20


def guess_target(overview: Any) -> str | None:
    """A likely label column: a category (or boolean) with 2–20 levels and a label's name, else None."""
    for name in TARGET_NAMES:
        for c in overview.columns:
            if c.name.strip().lower().replace(" ", "_").replace("-", "_") == name and \
                    c.kind in (*WORDS, ColumnKind.BOOLEAN) and 2 <= c.n_distinct <= TARGET_MAX_LEVELS:
                return str(c.name)
    return None


def facts_for(df: pd.DataFrame, pii: bool = True, overview: Any = None, target: str | None = None) -> Facts:
    """Overview facts, identifier-like columns, the target and (optionally) the presidio PII scan."""
    from mdg_core.features.rules.pii_columns import pii_reasons
    from mdg_core.pii import scan_columns
    from mdg_core.profiling.overview import compute_overview, id_reason

    if target is not None and target not in df.columns:
        raise RecipeError(f"Target column '{target}' is not in this table (it has: {', '.join(map(str, df.columns))}).")
    ov = overview if overview is not None else compute_overview(df)
    scans = {r.column: r for r in scan_columns(df, sample_rows=100)} if pii else {}
    likely = frozenset(n for n, scan in scans.items() if pii_reasons(scan, ov.column(n)))
    ids = frozenset(c.name for c in ov.columns if c.name not in likely and id_reason(c))
    return Facts(ov, scans, likely, ids, target)


def suggest(df: pd.DataFrame, facts: Facts | None = None, pii: bool = True,
            target: str | None = None) -> list[Suggestion]:
    """Every suggestion of every rule, in registry order (the order they would be applied in)."""
    facts = facts or facts_for(df, pii=pii, target=target)
    out: list[Suggestion] = []
    for rule in RULES.values():
        out.extend(rule.detect(df, facts))
    return out


def with_params(s: Suggestion, **changes: Any) -> Suggestion:
    """The suggestion with some parameters changed (an option the analyst picked) and its code re-rendered."""
    rule = get_rule(s.rule)
    for key, value in changes.items():
        allowed = s.options.get(key)
        if allowed is not None and value not in allowed:
            raise RecipeError(f"Option {key}={value!r} is not valid for {s.rule}; choose one of {allowed}.")
    params = {**s.params, **changes}
    return Suggestion(**{**s.__dict__, "params": params, "code": rule.code(s.columns, params)})


def run_step(df: pd.DataFrame, step: dict[str, Any]) -> pd.DataFrame:
    """Run one recipe step (its stored params, no fitting) on a copy of ``df``."""
    rule = get_rule(step["rule"])
    columns = [str(c) for c in step["columns"]]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise RecipeError(
            f"Step {step.get('id', step['rule'])} needs column(s) {', '.join(missing)}, which this table does not "
            f"have (it has: {', '.join(map(str, df.columns[:20]))}{'…' if len(df.columns) > 20 else ''})."
        )
    return rule.run(df, columns, step["params"])


def apply_suggestions(df: pd.DataFrame, suggestions: Iterable[Suggestion],
                      source_dataset_id: int | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Apply chosen suggestions in registry order, re-fitting each on the current table.

    Returns the new table and its recipe. A step whose columns an earlier step removed is skipped
    and listed in the recipe's ``skipped``.
    """
    chosen = sorted(suggestions, key=lambda s: rule_order(s.rule))
    if not chosen:
        raise RecipeError("Tick at least one suggestion to apply.")
    current = df
    steps: list[dict[str, Any]] = []
    skipped: list[str] = []
    for s in chosen:
        if any(c not in current.columns for c in s.columns):
            skipped.append(s.id)
            continue
        rule = get_rule(s.rule)
        params = rule.fit(current, s.columns, s.params)
        step = {**s.step(), "params": params}
        current = run_step(current, step)
        steps.append(step)
    return current, make_recipe(steps, list(map(str, df.columns)), source_dataset_id, skipped)


def make_recipe(steps: list[dict[str, Any]], input_columns: list[str], source_dataset_id: int | None = None,
                skipped: list[str] | None = None) -> dict[str, Any]:
    return {
        "format": RECIPE_FORMAT, "version": RECIPE_VERSION,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source_dataset_id": source_dataset_id, "input_columns": input_columns,
        "summary": f"{len(steps)} feature step(s): " + ", ".join(s["id"] for s in steps),
        "steps": steps, "skipped": skipped or [],
    }


def validate_recipe(recipe: Any) -> dict[str, Any]:
    """The recipe if it is well formed, else a RecipeError that says what is wrong."""
    if not isinstance(recipe, dict) or recipe.get("format") != RECIPE_FORMAT:
        raise RecipeError("This is not an MDG feature recipe (expected a JSON object with format "
                          f"'{RECIPE_FORMAT}').")
    steps = recipe.get("steps")
    if not isinstance(steps, list) or not steps:
        raise RecipeError("The recipe has no steps.")
    for i, step in enumerate(steps, 1):
        if not isinstance(step, dict) or not {"rule", "columns", "params"} <= set(step):
            raise RecipeError(f"Step {i} of the recipe needs 'rule', 'columns' and 'params'.")
        get_rule(step["rule"])
    return recipe


def apply_recipe(df: pd.DataFrame, recipe: dict[str, Any]) -> pd.DataFrame:
    """Replay a recipe exactly (stored parameters, same order) on a table with the same columns."""
    recipe = validate_recipe(recipe)
    current = df
    for step in recipe["steps"]:
        current = run_step(current, step)
    return current


def recipe_to_json(recipe: dict[str, Any]) -> str:
    return json.dumps(validate_recipe(recipe), indent=2, ensure_ascii=False)


def recipe_from_json(text: str) -> dict[str, Any]:
    try:
        return validate_recipe(json.loads(text))
    except json.JSONDecodeError as exc:
        raise RecipeError(f"The recipe file is not valid JSON ({exc.msg} at line {exc.lineno}).") from exc


@dataclass(frozen=True)
class CsvSource:
    """How the analyst's own file is read so that the script sees exactly the workbench's columns.

    Names are given by position (``columns``, in file order), because the workbench renames while
    pandas would mangle: a second ``score`` header is ``score_2`` here and ``score.1`` in pandas, and
    a blank header is ``column_3`` here and ``Unnamed: 2`` there. Columns the workbench keeps as text
    are read as text, so codes such as ``00017`` keep their zeros (a hash of ``17`` is another token).
    """

    columns: list[str]
    text_columns: list[str] = field(default_factory=list)
    sep: str = ","
    encoding: str = "utf-8"
    quotechar: str = '"'
    file_name: str | None = None
    skip_records: int = 0  # lines above the header (Excel's "sep=;" line, a title) that ingest skipped


def _comment(text: Any) -> str:
    return " ".join(str(text).split())


def export_script(recipe: dict[str, Any] | list[dict[str, Any]], source: CsvSource | None = None) -> str:
    """A standalone Python script (pandas + numpy only) that applies one recipe, or a chain of them, to a CSV.

    ``read_input`` reads the analyst's file with ``source``'s delimiter, encoding and column names; by
    default the first recipe's input columns name the file's columns by position.
    """
    chain = [validate_recipe(r) for r in (recipe if isinstance(recipe, list) else [recipe])]
    if not chain:
        raise RecipeError("The recipe has no steps.")
    source = source or CsvSource(columns=[str(c) for c in chain[0].get("input_columns") or []])
    blocks = []
    n = 0
    for r in chain:
        for step in r["steps"]:
            n += 1
            rule = get_rule(step["rule"])
            code = rule.code([str(c) for c in step["columns"]], step["params"])
            comment = f"# {n}. {step.get('id', rule.name)}"
            if step.get("evidence"):
                comment += f" ({step['evidence']})"
            blocks.append(_comment(comment) + "\n" + code.rstrip())
    body = textwrap.indent("\n\n".join(blocks), "        ")
    origin = ", ".join(f"#{r['source_dataset_id']}" for r in chain if r.get("source_dataset_id"))
    summary = "\n".join(f"# {_comment(r.get('summary', ''))}" for r in chain)
    read_from = f" (made from {_comment(source.file_name)})" if source.file_name else ""
    return f'''# Feature recipe exported from MDG Workbench{f" (dataset {origin})" if origin else ""}.
{summary}
#
# Usage: python this_script.py input.csv output.csv
#   input.csv: the file the recipe was made from{read_from}, or another with the same columns in the same order.

import sys

import hashlib
import numpy as np
import pandas as pd

COLUMNS = {q(source.columns)}
TEXT_COLUMNS = {q(source.text_columns)}


def read_input(path: str) -> pd.DataFrame:
    """Read the CSV and name its columns as MDG Workbench does (by position; text stays text)."""
    options = dict(sep={q(source.sep)}, encoding={q(source.encoding)}, quotechar={q(source.quotechar or '"')},
                   skiprows={int(source.skip_records)})
    header = pd.read_csv(path, nrows=0, **options).columns
    if COLUMNS and len(header) != len(COLUMNS):
        sys.exit(f"{{path}} has {{len(header)}} columns; this recipe expects {{len(COLUMNS)}}: {{', '.join(COLUMNS)}}")
    if not COLUMNS:
        return pd.read_csv(path, **options)
    return pd.read_csv(path, header=0, names=COLUMNS, dtype={{c: "object" for c in TEXT_COLUMNS}}, **options)


def apply_recipe(df: pd.DataFrame) -> pd.DataFrame:
    """Apply the recipe's steps, with the parameters fitted when it was made."""
    df = df.copy()
    with np.errstate(all="ignore"):
{body}
    return df


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python this_script.py input.csv output.csv")
    apply_recipe(read_input(sys.argv[1])).to_csv(sys.argv[2], index=False)
'''


def preview(df: pd.DataFrame, s: Suggestion, rows: int = PREVIEW_ROWS, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Before and after on a small seeded sample: the suggestion's columns and what they became.

    Rows with a missing value in the columns come first, so an imputation shows its effect.
    """
    cols = [c for c in s.columns if c in df.columns]
    pool = df.sample(min(len(df), 500), random_state=seed) if len(df) > 500 else df
    missing_first = pool[cols].isna().any(axis=1).sort_values(ascending=False, kind="stable")
    sample = pool.loc[missing_first.index[:rows]].sort_index()
    rule = get_rule(s.rule)
    after = run_step(sample, {"rule": s.rule, "columns": cols, "params": rule.fit(df, cols, s.params)})
    new_cols = [c for c in after.columns if c in cols or any(str(c).startswith(f"{x}_") or str(c).startswith(f"{x}=")
                                                              for x in cols) and c not in sample.columns]
    return sample[cols], after[new_cols] if new_cols else after.iloc[:, :0]
