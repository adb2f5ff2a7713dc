"""Scores for "Compare generators": SDMetrics quality, and a nearest-neighbour privacy share.

The privacy share is the fraction of synthetic rows whose nearest real row (on scaled numbers and
one-hot categories) is a training row rather than a holdout row. Chance level is the training
rows' share of all real rows; near 1.0 means the model copies its training rows (a leak).
The full privacy report lives in ``mdg_core.reports``; this is the quick figure for a trade-off.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from mdg_core.errors import ReportError

MAX_ROWS = 5_000
TOP_CATEGORIES = 30


def _model_columns(stored: dict[str, Any] | None, df: pd.DataFrame) -> list[str]:
    if not stored:
        return list(df.columns)
    key = stored.get("primary_key")
    return [c for c in df.columns
            if c != key and not stored["columns"].get(c, {}).get("pii") and stored["columns"].get(c, {}).get("sdtype") != "id"]


def quality_score(real: pd.DataFrame, synth: pd.DataFrame, stored: dict[str, Any] | None = None,
                  max_rows: int = MAX_ROWS) -> float:
    """SDMetrics QualityReport overall score (column shapes and pair trends), 0–1."""
    from sdmetrics.reports import QualityReport

    from mdg_core.generators.shape import plain

    cols = _model_columns(stored, real)
    r = plain(real[cols].sample(min(len(real), max_rows), random_state=0))
    s = plain(synth[cols].sample(min(len(synth), max_rows), random_state=0))
    meta = {"tables": {"data": {"columns": {c: {"sdtype": _sdtype(r[c], stored, c)} for c in cols}}}}
    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate({"data": r}, {"data": s}, meta, verbose=False)
    return float(report.get_score())


def _sdtype(s: pd.Series, stored: dict[str, Any] | None, name: str) -> str:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(s.dtype):
        declared = (stored or {}).get("columns", {}).get(name, {}).get("sdtype")
        return "categorical" if declared == "categorical" else "numerical"
    return "categorical"


def _encoder(reference: pd.DataFrame) -> Any:
    """A function turning a frame into scaled numbers + one-hot top categories (fit on reference)."""
    parts: list[tuple[str, str, Any]] = []
    for c in reference.columns:
        s = reference[c]
        if pd.api.types.is_bool_dtype(s.dtype):
            parts.append((c, "num", (0.0, 1.0)))
        elif pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
            v = _num(s)
            lo, hi = np.nanmin(v) if np.isfinite(v).any() else 0.0, np.nanmax(v) if np.isfinite(v).any() else 1.0
            parts.append((c, "num", (lo, (hi - lo) or 1.0)))
        else:
            top = s.astype(str).value_counts().index[:TOP_CATEGORIES].tolist()
            parts.append((c, "cat", top))

    def encode(df: pd.DataFrame) -> np.ndarray:
        blocks = []
        for c, kind, info in parts:
            if kind == "num":
                v = (_num(df[c]) - info[0]) / info[1]
                blocks.append(np.nan_to_num(v, nan=-0.5)[:, None])
                blocks.append(np.isnan(v)[:, None].astype(float))
            else:
                values = df[c].astype(str).to_numpy()
                blocks.append(np.stack([values == cat for cat in info], axis=1).astype(float)
                              if info else np.zeros((len(df), 0)))
        return np.hstack(blocks) if blocks else np.zeros((len(df), 0))

    return encode


def _num(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = np.full(len(s), np.nan)
        ok = s.notna().to_numpy()
        out[ok] = s[ok].astype("int64").to_numpy() / 86_400e9
        return out
    return pd.to_numeric(s.astype(object), errors="coerce").to_numpy(dtype=float)


def closer_to_training_share(synth: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame,
                             stored: dict[str, Any] | None = None, seed: int = 0,
                             max_rows: int = MAX_ROWS) -> dict[str, float]:
    """Share of synthetic rows nearer to a training row than to any holdout row (ties count half).

    All training rows take part (a copied training row must find itself), so a model that learned
    the distribution without copying scores about ``baseline`` = train / (train + holdout) rows,
    not 0.5. ``excess`` rescales the share so that 0 is chance level and 1 means every synthetic
    row sits on a training row.
    """
    from sklearn.neighbors import NearestNeighbors

    if len(holdout) < 10:
        raise ReportError("The holdout is too small (under 10 rows) for a privacy share; raise holdout_share.")
    cols = _model_columns(stored, train)
    tr = train[cols].sample(min(len(train), 4 * max_rows), random_state=seed)
    ho = holdout[cols].sample(min(len(holdout), max_rows), random_state=seed)
    sy = synth[cols].sample(min(len(synth), max_rows), random_state=seed)
    encode = _encoder(pd.concat([tr, ho], ignore_index=True))
    a, b, q = encode(tr), encode(ho), encode(sy)
    d_train = np.empty(len(q))
    d_hold = np.empty(len(q))
    nn_t = NearestNeighbors(n_neighbors=1).fit(a)
    nn_h = NearestNeighbors(n_neighbors=1).fit(b)
    for start in range(0, len(q), 2_000):
        chunk = q[start:start + 2_000]
        d_train[start:start + len(chunk)] = nn_t.kneighbors(chunk)[0][:, 0]
        d_hold[start:start + len(chunk)] = nn_h.kneighbors(chunk)[0][:, 0]
    closer = (d_train < d_hold).astype(float)
    closer[np.isclose(d_train, d_hold, rtol=0, atol=1e-12)] = 0.5
    share = float(closer.mean())
    baseline = len(tr) / (len(tr) + len(ho))
    excess = max(0.0, (share - baseline) / (1 - baseline)) if baseline < 1 else 0.0
    return {"share": share, "baseline": baseline, "excess": excess}
