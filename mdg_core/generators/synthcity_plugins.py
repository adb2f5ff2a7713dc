"""SynthCity plugins: Bayesian network, ARF, CTGAN, TVAE, DDPM, normalising flows, marginals, and
the privacy-preserving PrivBayes, AIM, DP-GAN and PATE-GAN.

SynthCity wants numbers without gaps, so ``_Codec`` turns categories and text into integer codes
(most frequent first), dates into seconds and missing cells into indicator columns, and back.
Plugins are imported from their own module (not ``Plugins()``, which loads every plugin) and given a
private workspace so nothing is written to the working directory. Progress is real steps (see
``_hooks``): each column's encoder, then epochs (their ``tqdm``), the Bayesian network's structure
search and conditional tables, or the adversarial forest's rounds. Neural plugins take a time
budget: no new epoch starts once it is spent.
"""

from __future__ import annotations

import importlib
import logging
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mdg_core.column_kinds import ColumnKind, kind_of
from mdg_core.errors import GeneratorError
from mdg_core.generators._hooks import on_each_call, patch_progress
from mdg_core.generators.base import Generator, GeneratorSpec, ParamSpec, Reporter

log = logging.getLogger(__name__)
_LOOPS = [
    ("synthcity.plugins.core.models.gan", "tqdm"),
    ("synthcity.plugins.core.models.vae", "tqdm"),
    ("synthcity.plugins.core.models.flows", "tqdm"),
    ("synthcity.plugins.core.models.tabular_ddpm", "trange"),
    ("synthcity.plugins.privacy.plugin_privbayes", "tqdm"),
]
NA_PREFIX = "__na__"
SAMPLE_CHUNK = 5_000
STRICT_DRAWS = 3
# how each column kind is encoded for SynthCity (durations and text as category codes)
_ENCODINGS = {ColumnKind.BOOLEAN: "bool", ColumnKind.INTEGER: "num", ColumnKind.FLOAT: "num", ColumnKind.DATETIME: "date"}


class _Codec:
    """Reversible numeric encoding of a table for SynthCity.

    With ``bins``, numbers and dates become quantile-bin codes (decoded by a uniform draw inside
    the bin, from the seeded global RNG): marginal-based private models such as AIM need small
    discrete domains. With ``max_categories``, the rarest categories of a wide column share one
    code, decoded by a uniform draw among them (not by their real frequencies, which would leak
    counts past a private model).
    """

    def __init__(self, bins: int | None = None, max_categories: int | None = None) -> None:
        self.bins = bins
        self.max_categories = max_categories
        self.edges: dict[str, np.ndarray] = {}
        self.rare: dict[str, list[Any]] = {}

    def fit(self, df: pd.DataFrame) -> _Codec:
        self.columns = list(df.columns)
        self.kinds: dict[str, str] = {}
        self.codes: dict[str, list[Any]] = {}
        self.fill: dict[str, float] = {}
        self.na_cols: list[str] = []
        for c in df.columns:
            s = df[c]
            kind = _ENCODINGS.get(kind_of(s), "cat")
            if kind == "cat":
                self.codes[c] = s.dropna().value_counts().index.tolist()
                if self.max_categories and len(self.codes[c]) > self.max_categories:
                    keep = self.max_categories - 1
                    self.codes[c], self.rare[c] = self.codes[c][:keep], self.codes[c][keep:]
            self.kinds[c] = kind
            if s.isna().any():
                self.na_cols.append(c)
            if kind in ("num", "date", "bool"):
                num = self._num(s, kind)
                self.fill[c] = float(num.median()) if num.notna().any() else 0.0
                if self.bins and kind != "bool" and num.nunique() > self.bins:
                    qs = np.linspace(0, 1, self.bins + 1)
                    self.edges[c] = np.unique(np.nanquantile(num.to_numpy(dtype=float), qs))
        return self

    @staticmethod
    def _num(s: pd.Series, kind: str) -> pd.Series:
        if kind == "date":
            out = pd.Series(np.nan, index=s.index)
            ok = s.notna()
            out[ok] = s[ok].astype("int64") / 1e9
            return out
        return pd.to_numeric(s.astype(object).where(s.notna(), np.nan), errors="coerce").astype(float)

    def encode(self, df: pd.DataFrame) -> pd.DataFrame:
        out: dict[str, pd.Series] = {}
        for c in self.columns:
            s = df[c]
            kind = self.kinds[c]
            if kind == "cat":
                mapping = {v: i for i, v in enumerate(self.codes[c])}
                codes = s.astype(object).map(mapping)
                if c in self.rare:  # the shared rare code, then the missing code after it
                    codes = codes.mask(codes.isna() & s.notna(), len(mapping)).fillna(len(mapping) + 1)
                out[c] = codes.fillna(len(mapping)).astype(int)
            else:
                num = self._num(s, kind).fillna(self.fill[c])
                if c in self.edges:
                    edges = self.edges[c]
                    num = pd.Series(np.clip(np.searchsorted(edges, num, side="right") - 1, 0, len(edges) - 2),
                                    index=num.index)
                out[c] = num.astype(int) if kind == "bool" or c in self.edges else num
            if c in self.na_cols:
                out[NA_PREFIX + c] = s.isna().astype(int)
        return pd.DataFrame(out)

    def decode(self, enc: pd.DataFrame) -> pd.DataFrame:
        out: dict[str, pd.Series] = {}
        for c in self.columns:
            v = pd.to_numeric(enc[c], errors="coerce").astype(float)
            kind = self.kinds[c]
            if c in self.edges:
                edges = self.edges[c]
                idx = v.round().clip(0, len(edges) - 2).fillna(0).astype(int).to_numpy()
                low, high = edges[idx], edges[idx + 1]
                v = pd.Series(low + np.random.random_sample(len(idx)) * (high - low), index=enc.index)
            if kind == "cat":
                codes = self.codes[c]
                rare = self.rare.get(c, [])
                values = np.array(codes + [None] * (2 if rare else 1), dtype=object)  # [rare,] missing
                top = len(values) - 1
                idx = v.round().clip(0, top).fillna(top).astype(int).to_numpy()
                s = pd.Series(values[idx], index=enc.index)
                if rare:
                    drawn = idx == len(codes)
                    s[drawn] = np.array(rare, dtype=object)[np.random.randint(0, len(rare), int(drawn.sum()))]
            elif kind == "date":
                s = pd.to_datetime((v * 1e9).round(), unit="ns", errors="coerce")
            elif kind == "bool":
                s = (v >= 0.5).astype(object)
            else:
                s = v
            if c in self.na_cols and NA_PREFIX + c in enc:
                missing = pd.to_numeric(enc[NA_PREFIX + c], errors="coerce").fillna(0) >= 0.5
                s = s.astype(object) if kind in ("cat", "bool") else s
                s = s.mask(missing)
            out[c] = s
        return pd.DataFrame(out)


@contextmanager
def _seeded_default_rng() -> Iterator[None]:
    """SynthCity's schema distributions call ``np.random.default_rng()`` with no seed (fresh OS
    entropy each time); during our calls an unseeded one draws its seed from the seeded global RNG,
    so the same seed gives the same rows."""
    original = np.random.default_rng

    def seeded(seed: Any = None) -> np.random.Generator:
        return original(np.random.randint(0, 2**31 - 1) if seed is None else seed)

    np.random.default_rng = seeded
    try:
        yield
    finally:
        np.random.default_rng = original


class _SynthcityGenerator(Generator):
    """Shared fit/sample for one SynthCity plugin."""

    plugin_module: str = ""
    fixed: dict[str, Any] = {}
    bins: int | None = None
    max_categories: int | None = None

    def _codec(self) -> _Codec:
        return _Codec(self.bins, self.max_categories)

    def _plugin(self) -> Any:
        module = importlib.import_module(self.plugin_module)
        # fastai, which some plugins import, makes pandas raise on every chained assignment in the process
        pd.set_option("mode.chained_assignment", "warn")
        workspace = Path(tempfile.gettempdir()) / "mdg-synthcity-workspace"
        params = {k: v for k, v in self.params.items() if k != BUDGET}
        kwargs = dict(self.fixed, **params, random_state=self.random_state, workspace=workspace)
        if "device" in module.plugin.__init__.__code__.co_varnames:
            kwargs["device"] = "cpu"
        return module.plugin(**kwargs)

    def _fit(self, df: pd.DataFrame, reporter: Reporter) -> None:
        from synthcity.plugins.core.dataloader import GenericDataLoader

        self.codec_ = self._codec().fit(df)
        encoded = self.codec_.encode(df)
        plugin = self._plugin()
        with warnings.catch_warnings(), _seeded_default_rng(), ExitStack() as hooks, \
                patch_progress(_LOOPS, reporter, self.step_label, self.params.get(BUDGET)) as training:
            warnings.simplefilter("ignore")
            counter = _Steps(reporter)
            for owner, attr, before, after in self._step_hooks(counter):
                hooks.enter_context(on_each_call(owner, attr, before=before, after=after))
            plugin.fit(GenericDataLoader(encoded))
        self.plugin_ = plugin
        if self.spec.neural:
            self.training_ = training.to_json()

    def _step_hooks(self, steps: _Steps) -> list[tuple[Any, str, Hook | None, Hook | None]]:
        """Library methods to count as steps during the fit: every plugin that encodes its columns
        (SynthCity's ``TabularEncoder`` fits a mixture model per number) reports each column."""
        from synthcity.plugins.core.models.tabular_encoder import TabularEncoder

        return [
            (TabularEncoder, "fit", lambda enc, raw, *a, **k: steps.start(raw.shape[1], "Column encoders", measured=False), None),
            (TabularEncoder, "_fit_feature", None, lambda enc, feature, *a, **k: steps.one("Column encoder", feature.name)),
        ]

    step_label = "Epoch"
    sample_chunk: int | None = None  # rows per generate call when sampling is slow per row

    def _sample(self, n: int, seed: int) -> pd.DataFrame:
        """Rows in one call, or in seeded chunks that report progress for the slow samplers.

        SynthCity's ``strict`` sampling drops rows outside the training domain and draws again,
        up to 500 times: a weakly trained model (a few epochs) then samples for many minutes.
        We allow it ``STRICT_DRAWS`` draws per call and take any shortfall from one unfiltered
        draw; ``ShapeProfile.restore`` still puts every value inside the real ranges and
        categories. Models whose every call pays a fixed cost (ARF re-estimates its densities,
        Bayesian networks rebuild their sampler) draw in one call; diffusion and flows, where
        every row is costly, draw in chunks so the page shows progress.
        """
        parts: list[pd.DataFrame] = []
        have, part = 0, 0
        chunk = self.sample_chunk or n
        while have < n:
            want = min(chunk, n - have)
            got = 0
            for strict in (True, False):  # the unfiltered draw only for a shortfall
                if got >= want:
                    break
                part_seed = (int(seed) + part) % (2**32)
                part += 1
                self.plugin_.strict, self.plugin_.sampling_patience = strict, STRICT_DRAWS
                with warnings.catch_warnings(), _seeded_default_rng():
                    warnings.simplefilter("ignore")
                    np.random.seed(part_seed)
                    frame = self.plugin_.generate(count=want - got, random_state=part_seed).dataframe()
                parts.append(frame.iloc[: want - got])
                got += min(len(frame), want - got)
            if got < want:
                raise GeneratorError(f"{self.spec.title} returned {have + got:,} of {n:,} rows.")
            have += got
            self.sample_progress(have / n, f"Sampled {have:,} of {n:,} rows")
        return self.codec_.decode(pd.concat(parts, ignore_index=True).iloc[:n])


Hook = Callable[..., None]


class _Steps:
    """Counts a library's steps (columns, nodes) and reports ``label done/total: name`` as they finish.

    A count is reported as the fraction ``done/total`` (from which the job measures a remaining time)
    only when ``measured``: when it measures the rest of the fit. Column encoders come before the
    training, so their count is only in the text and the fraction stays 0."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.done = self.total = 0
        self.measured = False

    def start(self, total: int, label: str, measured: bool = True) -> None:
        self.done, self.total, self.measured = 0, int(total), measured
        self.reporter.step(0, self.total if measured else 1, f"{label} 0/{self.total}")

    def one(self, label: str, name: Any) -> None:
        self.done += 1
        total = max(self.total, self.done)
        name = str(name)
        if name.startswith(NA_PREFIX):  # the codec's missing-value indicator of a column
            name = f"{name.removeprefix(NA_PREFIX)} (missing or not)"
        done, out_of = (self.done, total) if self.measured else (0, 1)
        self.reporter.step(done, out_of, f"{label} {self.done}/{total}: {name}")

    def phase(self, message: str) -> None:
        """A step whose length nothing measures: shown with the elapsed time, no remaining time."""
        self.reporter.step(0, 1, message)


def _epochs(default: int, help_: str = "Training iterations (epochs).", label: str = "Epochs") -> ParamSpec:
    return ParamSpec("n_iter", "int", default, 1, 100_000, help=help_, label=label)


def _batch(default: int = 200) -> ParamSpec:
    return ParamSpec("batch_size", "int", default, 8, 100_000, help="Rows per training step.")


def _epsilon(default: float = 1.0) -> ParamSpec:
    return ParamSpec("epsilon", "float", default, 0.01, 100.0,
                     help="Differential-privacy budget: smaller is more private and less faithful.")


BUDGET = "time_budget_minutes"


def _budget() -> ParamSpec:
    return ParamSpec(BUDGET, "float", 0.0, 0.0, 10_080.0,
                     help="Stop training once this many minutes have passed since the fit began, at the end "
                          "of an epoch, and keep the model as it is then (SynthCity's GAN and VAE keep their "
                          "best epoch where they track one). 0: train every epoch.",
                     label="Time budget (minutes, 0 = none)")


_REQ = ("synthcity.plugins.core.plugin",)


def _spec(name: str, title: str, family: str, description: str, params: tuple[ParamSpec, ...] = (),
          module: str = "generic", neural: bool = False) -> GeneratorSpec:
    plugin = name.removeprefix("synthcity_")
    return GeneratorSpec(
        name=name, title=title, family=family, library="SynthCity", description=description, params=params,
        neural=neural, requires=_REQ + (f"synthcity.plugins.{module}.plugin_{plugin}",),
        epochs_param="n_iter" if neural else None,
    )


class BayesianNetwork(_SynthcityGenerator):
    plugin_module = "synthcity.plugins.generic.plugin_bayesian_network"
    spec = _spec("synthcity_bayesian_network", "Bayesian network", "bayesian",
                 "A Bayesian network over discretised columns; fast, interpretable dependencies.",
                 (ParamSpec("struct_max_indegree", "int", 4, 1, 10, help="Most parents per column."),))

    def _step_hooks(self, steps: _Steps) -> list[tuple[Any, str, Hook | None, Hook | None]]:
        """The column encoders, the structure search (its moves; how many is not known in advance),
        then one conditional probability table per column."""
        from pgmpy.estimators import HillClimbSearch, MaximumLikelihoodEstimator, TreeSearch

        moves = {"n": 0}

        def move(search: Any, model: Any, *a: Any, **k: Any) -> None:
            moves["n"] += 1
            steps.phase(f"Network structure: search step {moves['n']}, {len(model.edges())} edges so far")

        return super()._step_hooks(steps) + [
            (TreeSearch, "estimate", lambda *a, **k: steps.phase("Network structure: a tree over the columns"), None),
            (HillClimbSearch, "_legal_operations", move, None),
            (MaximumLikelihoodEstimator, "get_parameters",
             lambda est, *a, **k: steps.start(len(est.model.nodes()), "Conditional tables"), None),
            (MaximumLikelihoodEstimator, "estimate_cpd", None,
             lambda est, node, *a, **k: steps.one("Conditional table", node)),
        ]


class ARF(_SynthcityGenerator):
    plugin_module = "synthcity.plugins.generic.plugin_arf"
    fixed = {"verbose": False}
    spec = _spec("synthcity_arf", "Adversarial random forest", "tree",
                 "Adversarial random forests; quick on CPU, good on mixed data.",
                 (ParamSpec("num_trees", "int", 30, 1, 1000, help="Trees per forest."),
                  ParamSpec("max_iters", "int", 10, 1, 100, help="Adversarial rounds.")))

    def _step_hooks(self, steps: _Steps) -> list[tuple[Any, str, Hook | None, Hook | None]]:
        """Each forest of the adversarial loop (it stops early when the discriminator is fooled, so
        the rounds left are an upper bound and no remaining time is shown)."""
        from sklearn.ensemble import RandomForestClassifier

        rounds = {"n": 0}
        most = int(self.params["max_iters"])

        def forest(clf: Any, *a: Any, **k: Any) -> None:
            rounds["n"] += 1
            done = rounds["n"] - 1
            steps.phase("Adversarial forest: the first discriminator" if done == 0 else
                        f"Adversarial forest: round {done} of at most {most} "
                        f"(discriminator accuracy {getattr(clf, 'oob_score_', float('nan')):.3f})")

        return super()._step_hooks(steps) + [
            (RandomForestClassifier, "fit", None, forest),
        ]


class SCTGAN(_SynthcityGenerator):
    plugin_module = "synthcity.plugins.generic.plugin_ctgan"
    spec = _spec("synthcity_ctgan", "CTGAN", "neural", "SynthCity's conditional GAN.",
                 (_epochs(300), _batch(), _budget()), neural=True)


class STVAE(_SynthcityGenerator):
    plugin_module = "synthcity.plugins.generic.plugin_tvae"
    spec = _spec("synthcity_tvae", "TVAE", "neural", "SynthCity's tabular variational autoencoder.",
                 (_epochs(300), _batch(), _budget()), neural=True)


class DDPM(_SynthcityGenerator):
    plugin_module = "synthcity.plugins.generic.plugin_ddpm"
    step_label = "Step"
    sample_chunk = SAMPLE_CHUNK  # every row walks all diffusion steps
    spec = _spec("synthcity_ddpm", "TabDDPM (diffusion)", "neural",
                 "Tabular denoising diffusion (TabDDPM); strong but slow on CPU.",
                 (_epochs(1000, "Training steps.", "Training steps"), _batch(1024),
                  ParamSpec("num_timesteps", "int", 1000, 10, 10_000, help="Diffusion steps.", label="Diffusion steps"),
                  _budget()), neural=True)


class NFlow(_SynthcityGenerator):
    plugin_module = "synthcity.plugins.generic.plugin_nflow"
    sample_chunk = SAMPLE_CHUNK
    spec = _spec("synthcity_nflow", "Normalising flow", "neural",
                 "Normalising flows (neural spline); exact likelihood training.",
                 (_epochs(300), _batch(), _budget()), neural=True)


class Marginals(_SynthcityGenerator):
    """SynthCity's plugin draws every column uniformly over its range (sex 50/50 where the data is
    67/33), not from its distribution; here each column is drawn, independently of the others, from
    its real values (its empirical marginal, missing values included), which is what the baseline is."""

    plugin_module = "synthcity.plugins.generic.plugin_marginal_distributions"
    spec = _spec("synthcity_marginal_distributions", "Independent marginals", "statistical",
                 "Each column drawn independently from its real values (its own distribution): a floor for quality.")

    def _fit(self, df: pd.DataFrame, reporter: Reporter) -> None:
        self.codec_ = self._codec().fit(df)
        self.values_ = self.codec_.encode(df).reset_index(drop=True)

    def _sample(self, n: int, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(int(seed))
        rows = len(self.values_)
        out = pd.DataFrame({c: self.values_[c].to_numpy()[rng.integers(0, rows, n)] for c in self.values_.columns})
        self.sample_progress(1.0, f"Sampled {n:,} rows")
        return self.codec_.decode(out)


class PrivBayes(_SynthcityGenerator):
    """SynthCity's PrivBayes bins only text columns: every numeric column (and our integer codes)
    becomes a category per distinct value, and a node's table with three parents then has
    (values)^4 cells, which ran a 30k-row flights table out of 24 GB. Here numbers and dates
    arrive as ``n_bins`` quantile bins and wide category columns as ``n_bins`` codes, so every
    conditional table has at most ``n_bins``^4 cells."""

    plugin_module = "synthcity.plugins.privacy.plugin_privbayes"
    step_label = "Network node"

    def _codec(self) -> _Codec:
        bins = int(self.params["n_bins"])
        return _Codec(bins=bins, max_categories=bins)

    spec = _spec("synthcity_privbayes", "PrivBayes (differential privacy)", "privacy",
                 "Differentially private Bayesian network (PrivBayes).",
                 (_epsilon(), ParamSpec("n_bins", "int", 20, 2, 50,
                                        help="Values per column: numbers and dates in quantile bins, "
                                             "wide categories keep their most frequent. Memory grows "
                                             "with the 4th power.")),
                 module="privacy")


class AIM(_SynthcityGenerator):
    """SynthCity runs the whole AIM mechanism inside every ``generate`` call and ignores the row
    count; here the mechanism runs once during fit, and the private graphical model it estimates
    is kept and sampled for any number of rows (post-processing keeps the DP guarantee)."""

    plugin_module = "synthcity.plugins.privacy.plugin_aim"
    bins = 8

    def _fit(self, df: pd.DataFrame, reporter: Reporter) -> None:
        from synthcity.plugins.core.models.mbi.graphical_model import GraphicalModel

        super()._fit(df, reporter)
        captured: list[Any] = []
        original = GraphicalModel.synthetic_data

        def capture(model: Any, rows: Any = None, method: str = "round") -> Any:
            captured.append(model)
            return original(model, rows=1, method=method)

        reporter.step(0, 1, "Measuring private marginals (AIM)")
        tabular = self.plugin_.model
        GraphicalModel.synthetic_data = capture
        try:
            with warnings.catch_warnings(), _seeded_default_rng():
                warnings.simplefilter("ignore")
                np.random.seed(self.random_state % (2**32))
                tabular.model.run(tabular.dataset, tabular.workload)
        finally:
            GraphicalModel.synthetic_data = original
        self.graphical_model_ = captured[-1]
        self.aim_columns_ = list(tabular.columns) if hasattr(tabular, "columns") else None

    def _sample(self, n: int, seed: int) -> pd.DataFrame:
        data = self.graphical_model_.synthetic_data(rows=n).df
        if self.aim_columns_:
            data = data[self.aim_columns_]
        return self.codec_.decode(data)
    spec = _spec("synthcity_aim", "AIM (differential privacy)", "privacy",
                 "AIM: differentially private marginals, workload-adaptive.",
                 (_epsilon(), ParamSpec("max_model_size", "int", 80, 1, 1000, help="Model size cap (MB).")),
                 module="privacy")


class DPGAN(_SynthcityGenerator):
    plugin_module = "synthcity.plugins.privacy.plugin_dpgan"
    spec = _spec("synthcity_dpgan", "DP-GAN (differential privacy)", "privacy",
                 "GAN trained with differentially private SGD (Opacus).",
                 (_epochs(300), _batch(), _epsilon(), _budget()), module="privacy", neural=True)


class PATEGAN(_SynthcityGenerator):
    plugin_module = "synthcity.plugins.privacy.plugin_pategan"
    step_label = "Generator epoch"
    spec = _spec("synthcity_pategan", "PATE-GAN (differential privacy)", "privacy",
                 "PATE-GAN: a GAN whose discriminator learns from private teacher votes.",
                 (ParamSpec("n_iter", "int", 50, 1, 10_000, help="Most outer rounds (stops when epsilon is spent).",
                            label="Rounds"),
                  ParamSpec("generator_n_iter", "int", 10, 2, 1000, help="Generator epochs per round (≥ 2)."),
                  _batch(), _epsilon()), module="privacy", neural=True)
