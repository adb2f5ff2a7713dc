"""Generation metadata: detected by SDV, confirmed by the analyst as a table, stored with the dataset.

The analyst sees one row per column (type, primary key, PII) and edits it; the edited version is
kept in the dataset's ``meta["generation_metadata"]`` and every generator fits with it. PII
columns are not modelled: they are replaced with realistic fakes of their kind; the primary key is
regenerated as fresh unique values in the real key's style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from mdg_core.column_kinds import ColumnKind, kind_of
from mdg_core.errors import InvalidParameterError
from mdg_core.generators.shape import FAKERS

if TYPE_CHECKING:
    from mdg_core.store import DatasetStore

META_KEY = "generation_metadata"
DETECT_ROWS = 20_000
MODEL_SDTYPES = ("numerical", "categorical", "datetime", "boolean")
SDTYPES = MODEL_SDTYPES + ("id",) + tuple(sorted(FAKERS))
_NAME_HINTS = [
    (re.compile(r"(^|_)(e-?mail)($|_)", re.I), "email"),
    (re.compile(r"(^|_)(phone|mobile|tel|telephone)($|_)", re.I), "phone_number"),
    (re.compile(r"^(first_?name|given_?name)$", re.I), "first_name"),
    (re.compile(r"^(last_?name|surname|family_?name)$", re.I), "last_name"),
    (re.compile(r"^(name|full_?name|customer_?name|person)$", re.I), "name"),
    (re.compile(r"(^|_)(address|street)($|_)", re.I), "street_address"),
    (re.compile(r"(^|_)(ssn|social_security)($|_)", re.I), "ssn"),
    (re.compile(r"(^|_)(iban)($|_)", re.I), "iban"),
    (re.compile(r"(^|_)(ip|ip_address)($|_)", re.I), "ipv4_address"),
]


@dataclass
class TableMetadata:
    """The analyst-confirmed metadata a generator fits with (built by ``to_table_metadata``)."""

    sdtypes: dict[str, str]
    primary_key: str | None = None
    pii: dict[str, str] = field(default_factory=dict)  # column -> faker kind
    rules: list[Any] = field(default_factory=list)  # mdg_core.rules.Rule objects

    @property
    def replaced_columns(self) -> list[str]:
        """Columns not modelled: the key is regenerated, PII is replaced by fakes."""
        cols = list(self.pii)
        if self.primary_key and self.primary_key not in cols:
            cols.append(self.primary_key)
        return cols


def detect(df: pd.DataFrame) -> dict[str, Any]:
    """SDV's detection, plus name hints for PII SDV leaves as text, in our stored form."""
    from sdv.metadata import Metadata

    frame = df.copy()
    frame.columns = [str(c) for c in frame.columns]
    detected = Metadata.detect_from_dataframes({"table": frame}, infer_keys="primary_only").to_dict()
    table = detected["tables"]["table"]
    columns: dict[str, dict[str, Any]] = {}
    for name in frame.columns:
        info = table["columns"].get(name, {})
        sdtype = info.get("sdtype", "categorical")
        pii = bool(info.get("pii", False))
        s = frame[name]
        text_like = s.dtype == object or isinstance(s.dtype, pd.StringDtype)
        distinct_share = s.nunique(dropna=True) / max(1, s.notna().sum())
        for pattern, kind in _NAME_HINTS:
            if text_like and pattern.search(name) and distinct_share > 0.5:
                sdtype, pii = kind, True
                break
        if sdtype not in SDTYPES:
            # SDV semantic types we do not fake (city, country, …) are modelled as categories
            sdtype, pii = _fallback_sdtype(s), False
        if sdtype in MODEL_SDTYPES:
            pii = False
        columns[name] = {"sdtype": sdtype, "pii": pii}
    key = table.get("primary_key")
    if isinstance(key, list):
        key = key[0] if len(key) == 1 else None
    return {"columns": columns, "primary_key": key}


_SDTYPES = {ColumnKind.BOOLEAN: "boolean", ColumnKind.INTEGER: "numerical", ColumnKind.FLOAT: "numerical",
            ColumnKind.DATETIME: "datetime"}  # SDV's type for each column kind; the rest are categories


def _fallback_sdtype(s: pd.Series) -> str:
    return _SDTYPES.get(kind_of(s), "categorical")


def to_table(stored: dict[str, Any]) -> pd.DataFrame:
    """The editable view: one row per column."""
    key = stored.get("primary_key")
    return pd.DataFrame([
        {"Column": name, "Type": info["sdtype"], "Primary key": name == key, "PII (replace with fakes)": bool(info["pii"])}
        for name, info in stored["columns"].items()
    ])


def from_table(table: pd.DataFrame) -> dict[str, Any]:
    """Back from the edited view; checks one key at most and types the app knows."""
    keys = table.loc[table["Primary key"].astype(bool), "Column"].tolist()
    if len(keys) > 1:
        raise InvalidParameterError(f"Choose at most one primary key; {', '.join(keys)} are ticked.")
    columns: dict[str, dict[str, Any]] = {}
    for row in table.itertuples(index=False):
        name, sdtype, _, pii = row
        if sdtype not in SDTYPES:
            raise InvalidParameterError(f"Column '{name}': unknown type '{sdtype}'. Use one of {', '.join(SDTYPES)}.")
        pii = bool(pii)
        if pii and sdtype in MODEL_SDTYPES:
            sdtype = "name" if sdtype == "categorical" else sdtype
            if sdtype in MODEL_SDTYPES:
                raise InvalidParameterError(
                    f"Column '{name}' is marked PII: choose what to fake it as (email, name, phone_number, …)."
                )
        columns[str(name)] = {"sdtype": sdtype, "pii": pii}
    return {"columns": columns, "primary_key": keys[0] if keys else None}


def for_dataset(store: DatasetStore, dataset_id: int, df: pd.DataFrame | None = None) -> dict[str, Any]:
    """The stored metadata of a dataset, or freshly detected on its first ``DETECT_ROWS`` rows when there
    is none (the same rows whether or not the caller has already loaded them, so a generation run and
    the reports of its output judge columns alike)."""
    info = store.get(dataset_id)
    stored = (info.meta or {}).get(META_KEY)
    if stored and set(stored.get("columns", {})) == set(info.column_names):
        return dict(stored)
    frame = df.head(DETECT_ROWS) if df is not None else store.load(dataset_id, limit=DETECT_ROWS)
    return detect(frame)


def save(store: DatasetStore, dataset_id: int, stored: dict[str, Any]) -> None:
    store.update_meta(dataset_id, **{META_KEY: stored})


def to_table_metadata(stored: dict[str, Any], rules: list[Any] | None = None) -> TableMetadata:
    """What the generators fit with."""
    sdtypes: dict[str, str] = {}
    pii: dict[str, str] = {}
    for name, info in stored["columns"].items():
        sdtype = info["sdtype"]
        if info.get("pii"):
            pii[name] = sdtype
        sdtypes[name] = sdtype if sdtype in MODEL_SDTYPES else "categorical"
    return TableMetadata(sdtypes=sdtypes, primary_key=stored.get("primary_key"), pii=pii, rules=list(rules or []))


def detect_table_metadata(df: pd.DataFrame) -> TableMetadata:
    return to_table_metadata(detect(df))


def sdv_metadata(df: pd.DataFrame, metadata: TableMetadata) -> Any:
    """An SDV ``Metadata`` for the modelled columns (keys and PII are handled outside SDV)."""
    from sdv.metadata import Metadata

    columns: dict[str, dict[str, Any]] = {}
    for name in df.columns:
        sdtype = metadata.sdtypes.get(name) or _fallback_sdtype(df[name])
        if sdtype in ("numerical", "datetime") and _fallback_sdtype(df[name]) != sdtype:
            sdtype = "categorical"  # the values are not what the metadata says (text in a number column)
        columns[str(name)] = {"sdtype": sdtype}
    return Metadata.load_from_dict({"tables": {"table": {"columns": columns}}})
