"""Plain JSON values from numpy and pandas ones, in one place.

Stored summaries, job results, rule bounds and the CLI's output all go through ``jsonable`` so a
numpy integer never becomes the text ``"5"``, NaN never reaches a JSON file (where it is invalid),
and dates read the same everywhere (ISO 8601).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd


def jsonable(value: Any, digits: int | None = None) -> Any:
    """``value`` with every numpy/pandas scalar turned into its plain Python counterpart, recursively.

    Missing values (None, NaN, NaT, pd.NA) and infinities become None; timestamps and dates become
    ISO 8601 text, durations pandas' text (``"0 days 01:30:00"``); tuples, sets and arrays become
    lists; mapping keys become text; anything else unknown becomes its ``str``. With ``digits``,
    floats are rounded (reports keep 6 digits so their summaries stay small).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (pd.Timedelta, np.timedelta64, dt.timedelta)):  # before int: timedelta64 is one
        delta = pd.Timedelta(value)
        return None if pd.isna(delta) else str(delta)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if not math.isfinite(x):
            return None
        return round(x, digits) if digits is not None else x
    if isinstance(value, Mapping):
        return {str(k): jsonable(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Index, pd.Series)):
        return [jsonable(v, digits) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else stamp.isoformat()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return jsonable(value.item(), digits)
    return str(value)
