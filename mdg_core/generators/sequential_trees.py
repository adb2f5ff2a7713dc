"""Sequential trees: synthpop-style CART synthesis with scikit-learn decision trees.

Columns are visited one after another. The first is drawn from its real values; each later column
gets a decision tree fitted on the columns before it, and a synthetic row is routed through that
tree to a leaf and takes the value of a real training row in the same leaf (a donor). Donors are
picked for all rows of a leaf at once (rows sorted by leaf, one random offset each), never in a
Python loop per row. Trees keep the interactions that copulas and small networks lose, in seconds,
which is why this is the recommended default.

- Visit order: by dependence (greedy on normalised mutual information, strongest first); an
  analyst's ``column_order`` goes first, the rest follow by dependence.
- Numbers and dates are modelled as numbers (dates in seconds) and come back in their own dtype.
  Where the earlier numbers explain a number well (R² ≥ 0.5), its tree models the residual of a
  least-squares plane and a synthetic value is the plane at the row's own values plus a donor's
  residual: near-linear relations stay sharp instead of becoming steps as wide as a leaf. The plane
  shifts per level of the earlier categories (a destination's time zone), and its residual leaves
  may be half as large (the value is new, not a donor's).
- Clock times written HHMM (1347) are modelled as minutes since midnight, round the day: an
  arrival is a departure plus a flight time even past midnight (HHMM jumps from 1359 to 1400).
- Category predictors are seen by each tree as their level's mean target (Breiman's ordering), so
  one split groups many levels instead of chipping one off at a time.
- Missing values: a column with gaps gets a missing indicator drawn first (a tree on the earlier
  columns, so P(B missing | A missing) survives; the real share of gaps is placed by systematic
  sampling on the leaves' shares), then a value tree fitted on the rows that have a value.
- Wide categories: trees see the ``max_categories`` most frequent levels, the rest share one code;
  donors still hand over the real level, so the real frequencies and the full set survive.
- Privacy: leaves hold at least ``min_samples_leaf`` real rows and at least ``min_leaf_share`` of
  them (the larger applies: big tables get proportionally coarse leaves, which costs almost no
  fidelity and keeps synthetic rows from hugging training rows); one synthetic row never takes two
  values from the same real row (a donor already used by the row is drawn again); ``smoothing``
  adds kernel noise to continuous numbers and dates (those with many distinct values; counts, codes
  and clock times keep real values, whose spikes noise would smear) and to the residuals under a
  plane; ``no_copies`` redraws a synthetic row that equals a training row on every modelled
  column. All are parameters, so every run records them; ``training_`` (the run's
  ``meta.training``) records the visit order, leaf sizes, leaves per column, planes, smoothed
  columns and the rows redrawn as copies.
- Keys and PII columns, conditions, rules and the real table's shape are the shared mechanisms of
  ``Generator`` and ``mdg_core.rules``. Conditions on the first columns of the visit order are
  exact and direct (donors among the matching real rows); others use the shared
  reject-and-resample.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mdg_core.column_kinds import NUMBERS, ColumnKind, kind_of
from mdg_core.errors import GeneratorError, InvalidParameterError
from mdg_core.generators.base import Generator, GeneratorSpec, ParamSpec

if TYPE_CHECKING:
    from mdg_core.generators.base import Reporter

ORDER_SAMPLE = 5_000  # rows used to measure dependence for the visit order
ORDER_BINS = 16  # numbers are cut into this many quantile bins to measure dependence
SMOOTH_MIN_DISTINCT = 20  # numbers with fewer distinct values are counts or codes: never smoothed
SMOOTH_MIN_SHARE = 0.2  # …and so are numbers that repeat (fewer distinct values than this share of rows)
MAX_REDRAWS = 20  # rounds of redrawing rows that equal a training row
LINEAR_MIN_R2 = 0.5  # a number gets a plane under its tree when the earlier numbers explain this much
CLOCK_MIN_DISTINCT = 100  # whole numbers 0–2400 with minutes 0–59 and this many values are HHMM clock times
DAY_MINUTES = 1440
BACKFIT_ROUNDS = 20  # plane and category effects fitted in turn until the squared error settles
PLANE_LEAF_DIVISOR = 2  # residual leaves under a plane hold at least half the rows of other leaves
EFFECT_SHRINK = 10.0  # a level's effect is its residual sum over (its rows + this): rare levels shift less


@dataclass
class _Column:
    """How one modelled column is encoded for the trees."""

    name: str
    kind: str  # number | date | category
    offset: float = 0.0  # numbers are stored minus their minimum (float32 keeps its precision)
    span: float = 0.0  # the real maximum minus the minimum
    sentinel: float = -1.0  # the predictor value of a missing number: below every real one
    levels: list[Any] | None = None  # category levels the trees tell apart, most frequent first
    smooth: bool = False
    decimals: int | None = None  # rounding of smoothed numbers (the real resolution)
    integer: bool = False
    grid: float = 0.0  # whole numbers: the step every real value sits on, counted from the minimum
    date_only: bool = False
    exact: bool = False  # durations: values must stay real ones (the shape restore keeps only those)
    clock: bool = False  # HHMM clock times (1347 = 13:47): modelled as minutes since midnight

    def numbers(self, s: pd.Series) -> np.ndarray:
        """Seconds for dates and durations, floats for numbers; NaN where missing."""
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_convert("UTC").dt.tz_localize(None)
            ns = s.to_numpy(dtype="datetime64[ns]")
            out = ns.astype("int64").astype(float) / 1e9
            out[np.isnat(ns)] = np.nan
            return np.asarray(out, dtype=float)
        if pd.api.types.is_timedelta64_dtype(s.dtype):
            return np.asarray(s.dt.total_seconds().to_numpy(dtype=float, na_value=np.nan), dtype=float)
        x = np.asarray(pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan), dtype=float)
        return _hhmm_to_minutes(x) if self.clock else x

    def restore(self, x: np.ndarray) -> np.ndarray:
        """Modelled numbers (minus the offset) back on the column's own scale (minutes → HHMM)."""
        x = x + self.offset
        return _minutes_to_hhmm(x) if self.clock else x

    def codes(self, s: pd.Series) -> np.ndarray:
        """Level codes: the kept levels 0..k-1, then one code for the rest, one for missing."""
        levels = self.levels or []
        codes = pd.Categorical(s.astype(object), categories=levels).codes.astype(np.int64)
        missing = s.isna().to_numpy()
        codes[(codes < 0) & ~missing] = len(levels)
        codes[missing] = len(levels) + 1
        return np.asarray(codes, dtype=np.int64)

    def predictor(self, s: pd.Series) -> np.ndarray:
        """What later trees split on."""
        if self.kind == "category":
            return self.codes(s).astype(np.float32)
        x = self.numbers(s) - self.offset
        return np.where(np.isnan(x), self.sentinel, x).astype(np.float32)

    def resolution(self, x: np.ndarray) -> np.ndarray:
        """Computed numbers rounded like the real ones: to their grid (body masses in steps of 25 g stay
        so), decimals or whole days; rounded here, rounding in the shape restore never makes a copy."""
        if self.kind == "date":
            step = 86_400.0 if self.date_only else 1.0
            return np.asarray(np.round((x + self.offset) / step) * step - self.offset, dtype=float)
        if self.grid > 1:
            return np.asarray(np.round(x / self.grid) * self.grid, dtype=float)
        if self.integer:
            return np.asarray(np.round(x + self.offset) - self.offset, dtype=float)
        if self.decimals is not None:
            return np.asarray(np.round(x + self.offset, self.decimals) - self.offset, dtype=float)
        return x


@dataclass
class _Recode:
    """Category predictors seen by one tree as their level's mean target instead of a level code.

    A tree splits a code column as if it were ordered; arbitrary codes make it chip levels off one
    or two at a time, and with leaves of dozens of rows it stops long before it has told 100
    destinations apart. Ordered by the mean target, one threshold is the best split of the levels
    into two groups (Breiman's ordering for regression and two-class targets), so the tree groups
    routes by how their arrival delays differ, and a synthetic row on route A keeps A's schedule.
    """

    at: np.ndarray  # positions of the category predictors
    means: list[np.ndarray]  # per predictor: the target's mean per level code (others: the overall mean)

    @classmethod
    def fit(cls, X: np.ndarray, at: list[int], y: np.ndarray) -> _Recode | None:
        if not at or len(y) == 0:
            return None
        overall = float(np.mean(y))
        means = []
        for k in at:
            codes = X[:, k].astype(np.int64)
            size = int(codes.max()) + 1
            count = np.bincount(codes, minlength=size)
            total = np.bincount(codes, weights=y, minlength=size)
            means.append(np.where(count > 0, total / np.maximum(count, 1), overall).astype(np.float32))
        return cls(np.asarray(at, dtype=np.int64), means)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        out = X.copy()
        for k, mean in zip(self.at, self.means, strict=True):
            out[:, k] = mean[np.clip(X[:, k].astype(np.int64), 0, len(mean) - 1)]
        return out


def _view(recode: _Recode | None, X: np.ndarray) -> np.ndarray:
    return recode(X) if recode is not None else X


@dataclass
class _Leaves:
    """Training rows grouped by the leaf a tree sends them to, for vectorised donor draws."""

    tree: Any  # a fitted sklearn tree, or None: one leaf holding every row
    rows: np.ndarray  # training row indices, sorted by leaf
    start: np.ndarray  # per tree node: where its rows begin in ``rows``
    count: np.ndarray  # per tree node: how many training rows it holds
    bandwidth: np.ndarray | None = None  # per node: kernel bandwidth for smoothing
    low: np.ndarray | None = None  # per node: the smallest real value in the leaf
    high: np.ndarray | None = None
    recode: _Recode | None = None  # how the tree sees category predictors

    @classmethod
    def build(cls, tree: Any, X: np.ndarray | None, rows: np.ndarray, y: np.ndarray | None = None,
              smoothing: float = 0.0, recode: _Recode | None = None) -> _Leaves:
        """``X``: the training rows as the tree saw them (recoded)."""
        leaf = tree.apply(X) if tree is not None else np.zeros(len(rows), dtype=np.int64)
        nodes = tree.tree_.node_count if tree is not None else 1
        order = np.argsort(leaf, kind="stable")
        count = np.bincount(leaf, minlength=nodes).astype(np.int64)
        start = np.cumsum(count) - count
        out = cls(tree, rows[order].astype(np.int64), start, count, recode=recode)
        if y is not None and smoothing > 0:
            out._smoothing(y[order], smoothing * _silverman(y), smoothing)
        return out

    def _smoothing(self, ys: np.ndarray, column_bandwidth: float, factor: float) -> None:
        """Per leaf: a kernel bandwidth and the leaf's range.

        The bandwidth is the smaller of the leaf's own rule-of-thumb bandwidth and the whole
        column's: a tight leaf gets little noise (its neighbours stay its neighbours), and a wide
        leaf never more than a kernel density estimate of the column would add, so the column's
        distribution keeps its shape.
        """
        filled = self.count > 0
        at, n = self.start[filled], self.count[filled]
        mean = np.add.reduceat(ys, at) / n
        var = np.add.reduceat((ys - np.repeat(mean, n)) ** 2, at) / n
        nodes = len(self.count)
        self.bandwidth, self.low, self.high = np.zeros(nodes), np.zeros(nodes), np.zeros(nodes)
        self.bandwidth[filled] = np.minimum(factor * 0.9 * np.sqrt(var) * n ** -0.2, column_bandwidth)
        self.low[filled] = np.minimum.reduceat(ys, at)
        self.high[filled] = np.maximum.reduceat(ys, at)

    def leaf(self, X: np.ndarray) -> np.ndarray:
        if self.tree is None:
            return np.zeros(len(X), dtype=np.int64)
        return np.asarray(self.tree.apply(_view(self.recode, X)), dtype=np.int64)

    def donors(self, leaf: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        offset = (rng.random(len(leaf)) * self.count[leaf]).astype(np.int64)
        return np.asarray(self.rows[self.start[leaf] + offset], dtype=np.int64)


@dataclass
class _Gaps:
    """Whether a cell is missing: a tree on the earlier columns and each leaf's real missing share."""

    tree: Any  # a fitted classifier, or None: one leaf holding every row
    share: np.ndarray  # per tree node: the share of its training rows with this column missing
    donor: int  # a training row where the column is missing (its encoded value is the sentinel)
    recode: _Recode | None = None

    @classmethod
    def build(cls, tree: Any, X: np.ndarray, gaps: np.ndarray, recode: _Recode | None = None) -> _Gaps:
        """``X``: the training rows as the tree saw them (recoded)."""
        leaf = tree.apply(X) if tree is not None else np.zeros(len(gaps), dtype=np.int64)
        nodes = tree.tree_.node_count if tree is not None else 1
        count = np.bincount(leaf, minlength=nodes)
        hits = np.bincount(leaf, weights=gaps.astype(float), minlength=nodes)
        share = np.divide(hits, count, out=np.zeros(nodes), where=count > 0)
        return cls(tree, share, int(np.flatnonzero(gaps)[0]), recode)

    def draw(self, X: np.ndarray, rng: np.random.Generator, total: int | None = None) -> np.ndarray:
        """Missing or not per row, each with its leaf's real share, by systematic sampling.

        Independent draws would let the number of gaps wander by its binomial noise, and the shared
        shape restore then blanks or fills random cells to reach the real share, which breaks
        missing-together patterns. Systematic sampling (rows in random order, one uniform offset)
        keeps every row's probability and makes the total steady; with ``total`` the probabilities
        are first scaled to sum to it, so the gaps land where they are plausible (a row whose leaf
        never misses this column stays complete) and the restore has nothing left to blank.
        """
        leaf = self.tree.apply(_view(self.recode, X)) if self.tree is not None else np.zeros(len(X), dtype=np.int64)
        p = self.share[leaf]
        if total is not None:
            for _ in range(8):  # scale, cap at 1, scale the rest again
                have = p.sum()
                if have <= 0 or abs(have - total) < 1e-6:
                    break
                p = np.minimum(1.0, p * (total / have))
        perm = rng.permutation(len(p))
        edges = np.floor(np.concatenate([[0.0], np.cumsum(p[perm])]) + rng.random())
        out = np.zeros(len(p), dtype=bool)
        out[perm] = np.diff(edges) > 0
        return out


@dataclass
class _Linear:
    """A least-squares plane through the earlier numeric columns, shifted per level of the earlier
    categories; the tree then models what it leaves.

    Donor values alone turn a near-linear relation (arrival delay ≈ departure delay + …) into steps
    as wide as a leaf. With a strong plane (R² ≥ ``LINEAR_MIN_R2``) a synthetic value is the plane
    at the row's own predictors plus the residual of a donor from the tree's leaf, so the relation
    stays sharp and values are no longer verbatim real ones.

    The shift per category level (an additive effect: a destination's time zone, a route's
    scheduled flight time) is what keeps a relation like arrival = departure + flight time + zone
    one plane; without it the zones bend the slopes and the leaves inherit the error. Effects are
    fitted by backfitting (alternating least squares for the numbers and level means for each
    category, shrunk towards 0 for rare levels), which needs no one-hot matrix, so memory stays
    rows × numeric predictors whatever the number of levels.

    A clock time is a circle: an arrival at 00:40 is a late departure plus its flight time, one day
    on. With a ``period`` each value is taken in the turn of the day nearest the plane (re-fitted
    until that settles), so the relation is one plane instead of two far apart, and residuals are
    the short way round.
    """

    at: np.ndarray  # positions (in visit order) of the numeric predictor columns
    missing: np.ndarray  # each predictor's encoded missing value (float32 sentinel)
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # intercept first
    r2: float = 0.0  # share of the number's variance the plane explains (training rows)
    period: float | None = None  # clock times: minutes in a day
    levels_at: np.ndarray | None = None  # positions of the category predictors
    effects: list[np.ndarray] | None = None  # per category predictor: the shift per level code

    @classmethod
    def fit(cls, X: np.ndarray, at: list[int], missing: list[float], y: np.ndarray,
            period: float | None = None, levels_at: list[int] | None = None) -> _Linear | None:
        if not at or len(y) < 10 * (len(at) + 1):
            return None
        Z = X[:, at].astype(np.float64)
        gone = np.asarray(missing, dtype=np.float32) == Z
        present = np.where(gone, np.nan, Z)
        mean = np.nan_to_num(np.nanmean(present, axis=0)) if (~gone).any() else np.zeros(len(at))
        scale = np.nan_to_num(np.nanstd(present, axis=0)) if (~gone).any() else np.ones(len(at))
        scale[scale == 0] = 1.0
        line = cls(np.asarray(at), np.asarray(missing, dtype=np.float32), mean, scale, np.zeros(len(at) + 1),
                   period=period, levels_at=np.asarray(levels_at or [], dtype=np.int64))
        A = np.column_stack([np.ones(len(y)), line.design(X)])
        q, r = np.linalg.qr(A)
        codes = [X[:, k].astype(np.int64) for k in (levels_at or [])]
        counts = [np.bincount(c) for c in codes]
        effects = [np.zeros(len(c)) for c in counts]
        shift = np.zeros(len(y))  # the summed effects of each row
        y = y.astype(float)
        last = np.inf
        for _ in range(BACKFIT_ROUNDS):
            line.coef = np.linalg.solve(r, q.T @ (y - shift))
            plane = A @ line.coef
            for i, c in enumerate(codes):
                shift -= effects[i][c]
                effects[i] = np.bincount(c, weights=y - plane - shift, minlength=len(counts[i])) / (
                    counts[i] + EFFECT_SHRINK)
                shift += effects[i][c]
            if period:  # each value in the turn of the day nearest its prediction
                y = plane + shift + _short_way(y - plane - shift, period)
            rss = float(np.sum((y - plane - shift) ** 2))
            if rss >= last * (1 - 1e-4):
                break
            last = rss
        line.effects = effects
        spread = float(np.var(y))
        line.r2 = 1 - float(np.var(y - plane - shift)) / spread if spread > 0 else 0.0
        return line if line.r2 >= LINEAR_MIN_R2 else None

    def residuals(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """What the plane leaves of ``y``; for clock times the short way round the day."""
        r = y - self.predict(X)
        return _short_way(r, self.period) if self.period else np.asarray(r, dtype=float)

    def design(self, X: np.ndarray) -> np.ndarray:
        Z = X[:, self.at]
        return np.asarray((np.where(self.missing == Z, self.mean, Z.astype(np.float64)) - self.mean) / self.scale)

    def predict(self, X: np.ndarray) -> np.ndarray:
        out = self.coef[0] + self.design(X) @ self.coef[1:]
        for k, effect in zip(self.levels_at if self.levels_at is not None else [], self.effects or [], strict=True):
            out = out + effect[np.clip(X[:, k].astype(np.int64), 0, len(effect) - 1)]
        return np.asarray(out, dtype=float)


def _short_way(r: np.ndarray, period: float) -> np.ndarray:
    return np.asarray(r - period * np.round(r / period), dtype=float)


@dataclass
class _Step:
    """One column in the visit order: whether a cell is missing (optional), then its value."""

    column: _Column
    missing: _Gaps | None  # None: the column has no gaps (or only gaps)
    value: _Leaves | None  # None only when the column is missing in every real row
    line: _Linear | None = None  # numbers: the plane the value tree's residuals are relative to
    target: np.ndarray | None = None  # numbers: per training row, what the value tree modelled


class SequentialTrees(Generator):
    spec = GeneratorSpec(
        name="sequential_trees", title="Sequential trees (CART)", family="tree", library="scikit-learn",
        description="Each column is drawn from real values in the leaf of a decision tree fitted on the "
                    "columns before it (synthpop's method). Faithful on mixed tables, in seconds; private by "
                    "a minimum leaf size, smoothing of continuous numbers and no copied training rows.",
        params=(
            ParamSpec("min_samples_leaf", "int", 5, 1, 100_000, label="Minimum real rows per leaf",
                      help="Every value is drawn from a group of at least this many real rows: higher is "
                           "more private and smoother, lower follows the data more closely."),
            ParamSpec("min_leaf_share", "float", 0.002, 0.0, 0.5, label="Minimum share of rows per leaf",
                      help="Leaves also hold at least this share of the training rows (0.002: 60 of "
                           "30,000); the larger of the two minimums applies. 0: the row count alone."),
            ParamSpec("smoothing", "float", 1.0, 0.0, 3.0, label="Smoothing of numbers",
                      help="Kernel noise on continuous numbers and dates drawn from a leaf, as a multiple "
                           "of the rule-of-thumb bandwidth (0: real values only). Counts, codes and other "
                           "numbers with few distinct values always keep real values."),
            ParamSpec("no_copies", "bool", True, label="Never copy a training row",
                      help="A synthetic row equal to a real training row on every modelled column is "
                           "drawn again."),
            ParamSpec("max_categories", "int", 50, 2, 10_000, label="Categories the trees tell apart",
                      help="Wider columns keep their most frequent levels for the trees; the rest share "
                           "one group, and rows still take real levels from their donors."),
            ParamSpec("column_order", "str", "", label="Column order",
                      help="Columns to visit first, comma-separated (the rest follow by dependence). "
                           "Empty: by dependence. Conditions on the first columns are exact."),
        ),
        requires=("sklearn.tree",),
        recommended=True,
    )

    # --- fit -----------------------------------------------------------------------------------------
    def _fit(self, df: pd.DataFrame, reporter: Reporter) -> None:
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        prefix = self._analyst_order(df)
        n = len(df)
        leaf = max(int(self.params["min_samples_leaf"]), math.ceil(float(self.params["min_leaf_share"]) * n))
        self.leaf_size_ = leaf
        smoothing = float(self.params["smoothing"])
        self.train_ = df.reset_index(drop=True)
        columns = {c: self._describe(df[c], c) for c in df.columns}
        reporter.step(0, len(columns) + 1, "Measuring how the columns depend on each other")
        self.visit_order_ = self._visit_order(df, columns, prefix)
        p = len(self.visit_order_)
        self.encoded_ = np.empty((n, p), dtype=np.float32)
        self.numbers_: dict[str, np.ndarray] = {}
        self.steps_: list[_Step] = []
        for j, name in enumerate(self.visit_order_):
            reporter.step(j + 1, p + 1, f"Column {j + 1}/{p}: {name}")
            col = columns[name]
            s = self.train_[name]
            X = self.encoded_[:, :j]
            seed = (self.random_state + 7919 * j) % (2**31)
            gaps = s.isna().to_numpy()
            cats = [k for k in range(j) if self.steps_[k].column.kind == "category"]
            missing = None
            if gaps.any() and not gaps.all():
                tree, recode, Xg = None, None, X
                if j and n >= 2 * leaf:
                    recode = _Recode.fit(X, cats, gaps.astype(float))
                    Xg = _view(recode, X)
                    tree = DecisionTreeClassifier(min_samples_leaf=leaf, random_state=seed).fit(Xg, gaps)
                missing = _Gaps.build(tree, Xg, gaps, recode)
            value = None
            if not gaps.all():
                rows = np.flatnonzero(~gaps)
                Xv = X[rows] if gaps.any() else X
                big = j > 0 and len(rows) >= 2 * leaf
                if col.kind == "category":
                    y = col.codes(s)[rows]
                    tree, recode, Xt = None, None, Xv
                    classes = np.unique(y)
                    if big and classes.size > 1:
                        if classes.size == 2:  # two levels: ordered by the share of the second
                            recode = _Recode.fit(Xv, cats, (y == classes[1]).astype(float))
                            Xt = _view(recode, Xv)
                        tree = DecisionTreeClassifier(min_samples_leaf=leaf, random_state=seed).fit(Xt, y)
                    value = _Leaves.build(tree, Xt, rows, recode=recode)
                else:
                    x = col.numbers(s) - col.offset
                    self.numbers_[name] = x
                    yv = x[rows]
                    numeric = [k for k in range(j) if self.steps_[k].column.kind != "category"]
                    line = _Linear.fit(Xv, numeric, [self.steps_[k].column.sentinel for k in numeric], yv,
                                       DAY_MINUTES if col.clock else None, cats) if big and not col.exact else None
                    if line is not None:
                        yv = line.residuals(Xv, yv)
                    target = np.full(n, np.nan)
                    target[rows] = yv
                    tree, recode, Xt = None, None, Xv
                    if big and np.unique(yv).size > 1:
                        recode = _Recode.fit(Xv, cats, yv)
                        Xt = _view(recode, Xv)
                        # under a plane a value is new (the row's own plane plus a neighbour's residual),
                        # not a donor's: its residual leaves can be finer at the same privacy
                        fine = max(int(self.params["min_samples_leaf"]), leaf // PLANE_LEAF_DIVISOR) \
                            if line is not None else leaf
                        tree = DecisionTreeRegressor(min_samples_leaf=fine, random_state=seed).fit(Xt, yv)
                    # a plane's residuals are smoothed too: the values are new numbers anyway
                    value = _Leaves.build(tree, Xt, rows, yv, smoothing if col.smooth or line is not None else 0.0,
                                          recode)
            step = _Step(col, missing, value) if col.kind == "category" or value is None else \
                _Step(col, missing, value, line, target)
            self.encoded_[:, j] = col.predictor(s)
            if col.clock and step.line is not None:  # later planes see the time unwrapped (00:40 → 24:40)
                self.encoded_[rows, j] = (step.line.predict(Xv) + yv).astype(np.float32)
            self.steps_.append(step)
        self.train_hashes_ = np.sort(_row_hashes(self.train_))
        self.training_ = self._record(smoothing)

    def _record(self, smoothing: float) -> dict[str, Any]:
        """What the fit did, for the run record (``meta.training``): sampling adds the redraws."""
        def leaves(step: _Step) -> int:
            tree = step.value.tree if step.value is not None else None
            return int(tree.get_n_leaves()) if tree is not None else 1

        return {
            "visit_order": list(self.visit_order_),
            "min_leaf_rows": self.leaf_size_,
            "min_leaf_rows_under_plane": max(int(self.params["min_samples_leaf"]), self.leaf_size_ // PLANE_LEAF_DIVISOR),
            "smoothing": smoothing,
            "smoothed": [s.column.name for s in self.steps_ if s.value is not None and s.value.bandwidth is not None],
            "leaves": {s.column.name: leaves(s) for s in self.steps_},
            "planes_r2": {s.column.name: round(s.line.r2, 3) for s in self.steps_ if s.line is not None},
            "clock_times": [s.column.name for s in self.steps_ if s.column.clock],
            "copies_redrawn": 0,
            "rows_drawn": 0,
        }

    def _analyst_order(self, df: pd.DataFrame) -> list[str]:
        """The analyst's ``column_order`` checked against the modelled columns (before any work)."""
        raw = str(self.params["column_order"] or "").strip()
        if not raw:
            return []
        names: list[str]
        if raw.startswith("["):
            try:
                names = [str(v) for v in json.loads(raw)]
            except ValueError as exc:
                raise InvalidParameterError(f"column_order must list column names, e.g. 'age, income'; got {raw}.") from exc
        else:
            names = [part.strip() for part in raw.split(",") if part.strip()]
        replaced = [c for c in names if c in self.metadata_.replaced_columns]
        if replaced:
            raise InvalidParameterError(
                f"column_order names {', '.join(replaced)}: key and PII columns are replaced, not modelled, "
                "so they have no place in the order."
            )
        unknown = [c for c in names if c not in df.columns]
        if unknown:
            raise InvalidParameterError(
                f"column_order names unknown column(s) {', '.join(unknown)}. "
                f"Modelled columns: {', '.join(map(str, df.columns))}."
            )
        twice = sorted({c for c in names if names.count(c) > 1})
        if twice:
            raise InvalidParameterError(f"column_order names {', '.join(twice)} more than once.")
        return names

    def _describe(self, s: pd.Series, name: str) -> _Column:
        sdtype = self.metadata_.sdtypes.get(name)
        kind = kind_of(s)
        numeric, dated, durations = kind in NUMBERS, kind == ColumnKind.DATETIME, kind == ColumnKind.DURATION
        as_number = (numeric and sdtype in (None, "numerical", "datetime")) or dated or durations
        if not as_number:
            counts = s.value_counts(dropna=True)
            counts = counts[counts > 0]  # a categorical dtype also lists levels no row has
            return _Column(name, "category", levels=counts.index[: int(self.params["max_categories"])].tolist())
        col = _Column(name, "date" if dated else "number", exact=durations)
        col.clock = numeric and _is_clock(col.numbers(s))
        x = col.numbers(s)
        if np.isnan(x).all():
            return col
        lo, hi = float(np.nanmin(x)), float(np.nanmax(x))
        col.offset, col.span, col.sentinel = lo, hi - lo, -1.0 - (hi - lo)
        shape = self.shape_.get(name)
        col.integer = shape.kind == ColumnKind.INTEGER
        col.decimals = shape.decimals
        col.date_only = bool(shape.date_only)
        if col.kind == "number" and (col.integer or col.decimals == 0):
            steps = np.unique(np.round(x[~np.isnan(x)] - lo)).astype(np.int64)
            col.grid = float(np.gcd.reduce(steps[1:])) if len(steps) > 2 else 0.0
        distinct = s.nunique()
        col.smooth = shape.kind in (*NUMBERS, ColumnKind.DATETIME) and distinct >= max(
            SMOOTH_MIN_DISTINCT, SMOOTH_MIN_SHARE * s.notna().sum())
        return col

    def _visit_order(self, df: pd.DataFrame, columns: dict[str, _Column], prefix: list[str]) -> list[str]:
        """The analyst's columns first, then greedily the column most dependent on those chosen."""
        names = list(df.columns)
        rest = [c for c in names if c not in prefix]
        if len(rest) <= 1:
            return prefix + rest
        sample = df.sample(ORDER_SAMPLE, random_state=0) if len(df) > ORDER_SAMPLE else df
        binned = {c: _discretise(sample[c], columns[c]) for c in names}
        nmi = {(a, b): _nmi(binned[a], binned[b]) for i, a in enumerate(names) for b in names[i + 1:]}

        def dep(a: str, b: str) -> float:
            return nmi.get((a, b), nmi.get((b, a), 0.0))

        chosen = list(prefix)
        if not chosen:
            chosen.append(max(rest, key=lambda c: sum(dep(c, o) for o in names if o != c)))
            rest.remove(chosen[0])
        while rest:
            best = max(rest, key=lambda c: sum(dep(c, o) for o in chosen))
            chosen.append(best)
            rest.remove(best)
        return chosen

    # --- sample --------------------------------------------------------------------------------------
    def _sample(self, n: int, seed: int) -> pd.DataFrame:
        return self._rows(n, np.random.default_rng(int(seed) % (2**32)))

    def _sample_conditions(self, n: int, seed: int, conditions: dict[str, Any],
                           reporter: Reporter) -> pd.DataFrame:
        """Exact and direct when the conditioned columns are the first ones visited."""
        k = len(conditions)
        if set(self.visit_order_[:k]) != set(conditions):
            return super()._sample_conditions(n, seed, conditions, reporter)
        match = np.ones(len(self.train_), dtype=bool)
        for col, value in conditions.items():
            match &= self.train_[col].eq(value).fillna(False).to_numpy(dtype=bool)
        rows = np.flatnonzero(match)
        if rows.size == 0:
            raise GeneratorError(
                f"No training row has {conditions}; sequential trees draw real values, so they cannot "
                "produce that combination."
            )
        return self._rows(n, np.random.default_rng(int(seed) % (2**32)), (rows, k))

    def _rows(self, n: int, rng: np.random.Generator,
              prefix: tuple[np.ndarray, int] | None = None) -> pd.DataFrame:
        """``n`` rows; with ``no_copies`` the ones equal to a training row are drawn again.

        A copied row is redrawn from its last column first, then from ever earlier columns, and
        only at the end as a whole: whole-row redraws would thin out rows that are copies more
        often than others (a cancelled flight has few values to differ in), while a redrawn tail
        keeps the row's head, and with it such patterns, as drawn.
        """
        first = prefix[1] if prefix is not None else 0
        state = _Draw.empty(n, len(self.steps_))
        if prefix is not None:
            chosen = prefix[0][rng.integers(0, len(prefix[0]), size=n)]
            state.donors[:, :first] = chosen[:, None]
            state.X[:, :first] = self.encoded_[chosen, :first]
        self._fill(state, first, rng, report=True, exact_gaps=prefix is None)
        self.copies_redrawn_ = 0
        log = getattr(self, "training_", None)  # absent in models kept before it was recorded
        if log is not None:
            log["rows_drawn"] += n
        if not self.params["no_copies"]:
            return self._frame(state)
        p = len(self.steps_)
        rounds = p - first + MAX_REDRAWS
        copied = self._copies(state)
        for r in range(rounds + 1):
            at = np.flatnonzero(copied)
            if not at.size:
                break
            if r == rounds:
                raise GeneratorError(
                    f"{at.size:,} of {n:,} synthetic rows were still copies of training rows after {rounds} "
                    "redraws: the trees are too fine for this table. Raise the minimum real rows per leaf "
                    f"(min_samples_leaf; leaves now hold at least {self.leaf_size_}), turn on smoothing, or "
                    "allow copies (no_copies=false)."
                )
            self.copies_redrawn_ += at.size
            if log is not None:
                log["copies_redrawn"] += int(at.size)
            part = state.take(at)
            self._fill(part, max(first, p - 1 - r), rng)
            state.put(at, part)
            copied = np.zeros(n, dtype=bool)
            copied[at] = self._copies(part)
        return self._frame(state)

    def _copies(self, state: _Draw) -> np.ndarray:
        return np.isin(_row_hashes(self._frame(state)), self.train_hashes_)

    def _fill(self, state: _Draw, start: int, rng: np.random.Generator, report: bool = False,
              exact_gaps: bool = False) -> None:
        """Draw columns ``start``… of every row in ``state``, all rows of a column at once.

        ``exact_gaps``: each column gets the real share of missing cells (what the shape restore
        will insist on), placed by its missing-indicator tree.
        """
        n, p = state.X.shape
        X = state.X
        for j in range(start, p):
            step = self.steps_[j]
            if report:
                self.sample_progress((j + 1) / p, f"Drawing column {j + 1}/{p}: {step.column.name}")
            P = X[:, :j]
            d = np.zeros(n, dtype=np.int64)  # with no value model every real row is a missing cell
            live = np.full(n, step.value is not None)
            if step.missing is not None:
                total = round(self.shape_.get(step.column.name).missing_share * n) if exact_gaps else None
                live = ~step.missing.draw(P, rng, total)
                d[~live] = step.missing.donor
            computed = None
            if step.value is not None and live.any():
                P_live = P[live] if not live.all() else P
                leaf = step.value.leaf(P_live)
                d_live = step.value.donors(leaf, rng)
                if j:
                    used = state.donors[live, :j] if not live.all() else state.donors[:, :j]
                    for _ in range(3):
                        clash = (used == d_live[:, None]).any(axis=1)
                        if not clash.any():
                            break
                        d_live[clash] = step.value.donors(leaf[clash], rng)
                d[live] = d_live
                if step.line is not None or step.value.bandwidth is not None:
                    computed, seen = self._number(step, d[live], leaf, P_live, rng)
            state.donors[:, j] = d
            X[:, j] = self.encoded_[d, j]
            if step.value is not None and (step.line is not None or step.value.bandwidth is not None):
                column = state.smoothed.setdefault(j, np.full(n, np.nan))
                column[:] = np.nan
                if computed is not None:
                    column[live] = computed
                    X[live, j] = seen.astype(np.float32)

    def _number(self, step: _Step, d: np.ndarray, leaf: np.ndarray, P: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A number that is not a verbatim donor value: the donor's residual on the row's own plane,
        and/or the donor's value with kernel noise (kept inside the leaf's range). Returned twice:
        the value, and what later trees see (for a clock time past midnight, the time unwrapped)."""
        leaves = step.value
        assert leaves is not None and step.target is not None
        x = step.target[d]
        if leaves.bandwidth is not None:
            assert leaves.low is not None and leaves.high is not None
            x = np.clip(x + rng.standard_normal(len(d)) * leaves.bandwidth[leaf], leaves.low[leaf], leaves.high[leaf])
        if step.line is None:
            x = step.column.resolution(x)
            return x, x
        seen = step.column.resolution(x + step.line.predict(P))
        x = seen
        if step.column.clock:  # past midnight is early morning, not the latest real time
            x = np.mod(x + step.column.offset, DAY_MINUTES) - step.column.offset
        else:
            seen = np.clip(seen, 0.0, step.column.span)
        return np.clip(x, 0.0, step.column.span), seen

    def _frame(self, state: _Draw) -> pd.DataFrame:
        """Donor values in the real dtypes, smoothed numbers in place, the real column order."""
        at = {name: j for j, name in enumerate(self.visit_order_)}
        out: dict[str, pd.Series] = {}
        for name in self.train_.columns:
            j = at[name]
            real = self.train_[name]
            donors = state.donors[:, j]
            if j in state.smoothed:
                x = self.numbers_[name][donors]
                smoothed = state.smoothed[j]
                x = np.where(np.isnan(smoothed), x, smoothed)
                out[name] = _from_numbers(self.steps_[j].column.restore(x), real)
            else:
                out[name] = real.take(donors).reset_index(drop=True)
        return pd.DataFrame(out)


@dataclass
class _Draw:
    """Rows being drawn: what later trees see, the donor row of each cell, smoothed numbers."""

    X: np.ndarray  # rows × columns in visit order, float32 (encoded as for the trees)
    donors: np.ndarray  # rows × columns: the training row each cell's value comes from
    smoothed: dict[int, np.ndarray]  # column position → smoothed numbers (NaN: the donor's own value)

    @classmethod
    def empty(cls, n: int, p: int) -> _Draw:
        return cls(np.zeros((n, p), dtype=np.float32), np.zeros((n, p), dtype=np.int64), {})

    def take(self, rows: np.ndarray) -> _Draw:
        return _Draw(self.X[rows], self.donors[rows], {j: v[rows] for j, v in self.smoothed.items()})

    def put(self, rows: np.ndarray, part: _Draw) -> None:
        self.X[rows], self.donors[rows] = part.X, part.donors
        for j, values in part.smoothed.items():
            self.smoothed.setdefault(j, np.full(len(self.X), np.nan))[rows] = values


def _from_numbers(x: np.ndarray, like: pd.Series) -> pd.Series:
    """Numbers (seconds for dates) back in ``like``'s dtype; NaN becomes missing."""
    dtype = like.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        ns = np.where(np.isnan(x), np.nan, np.round(x * 1e9))
        s = pd.to_datetime(pd.Series(ns), unit="ns", errors="coerce")
        tz = getattr(dtype, "tz", None)
        if tz is not None:
            return s.dt.tz_localize("UTC").dt.tz_convert(tz).astype(dtype)
        return s.astype(dtype)
    if pd.api.types.is_timedelta64_dtype(dtype):
        return pd.to_timedelta(pd.Series(x), unit="s").astype(dtype)
    if pd.api.types.is_integer_dtype(dtype):
        x = np.round(x)  # a numpy integer column has no gaps, so no NaN reaches astype
    return pd.Series(x).astype(dtype)


def _is_clock(x: np.ndarray) -> bool:
    """Whole numbers 0–2400 whose last two digits never reach 60, with many distinct values: HHMM
    clock times (departure 1347). As numbers they jump from 1359 to 1400, so a departure that is a
    delay after its schedule is no plane; in minutes since midnight it is."""
    v = x[~np.isnan(x)]
    if v.size == 0 or v.min() < 0 or v.max() > 2400 or v.max() < 200 or (v != np.round(v)).any():
        return False
    return bool((v % 100 < 60).all()) and np.unique(v).size >= CLOCK_MIN_DISTINCT


def _hhmm_to_minutes(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.floor(x / 100) * 60 + np.mod(x, 100), dtype=float)


def _minutes_to_hhmm(x: np.ndarray) -> np.ndarray:
    m = np.round(x)
    return np.asarray(np.floor(m / 60) * 100 + np.mod(m, 60), dtype=float)


def _silverman(y: np.ndarray) -> float:
    """Silverman's rule-of-thumb kernel bandwidth of a whole column (robust to heavy tails)."""
    if len(y) < 2:
        return 0.0
    q75, q25 = np.percentile(y, [75, 25])
    spread = min(float(np.std(y)), float(q75 - q25) / 1.34) or float(np.std(y))
    return float(0.9 * spread * len(y) ** -0.2)


def _row_hashes(df: pd.DataFrame) -> np.ndarray:
    return np.asarray(pd.util.hash_pandas_object(df, index=False).to_numpy(), dtype=np.uint64)


def _discretise(s: pd.Series, col: _Column) -> np.ndarray:
    """Small integer codes for measuring dependence: quantile bins, top levels, missing apart."""
    if col.kind == "category":
        codes = col.codes(s)
        return np.minimum(codes, ORDER_BINS)
    x = col.numbers(s)
    out = np.zeros(len(x), dtype=np.int64)
    ok = ~np.isnan(x)
    if ok.any():
        edges = np.unique(np.quantile(x[ok], np.linspace(0, 1, ORDER_BINS + 1)[1:-1]))
        out[ok] = 1 + np.searchsorted(edges, x[ok], side="right")
    return out


def _nmi(a: np.ndarray, b: np.ndarray) -> float:
    """Mutual information over the geometric mean of both entropies (0: independent, 1: determined)."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    ka, kb = int(a.max()) + 1, int(b.max()) + 1
    if ka < 2 or kb < 2:
        return 0.0
    joint = np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb) / len(a)
    pa, pb = joint.sum(1), joint.sum(0)
    nz = joint > 0
    mi = float((joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz])).sum())
    ha = float(-(pa[pa > 0] * np.log(pa[pa > 0])).sum())
    hb = float(-(pb[pb > 0] * np.log(pb[pb > 0])).sum())
    return mi / np.sqrt(ha * hb) if ha > 0 and hb > 0 else 0.0
