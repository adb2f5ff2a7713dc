"""A test double: "synthetic" rows that are real rows resampled with replacement.

It is instant, so tests of the run pipeline are fast, and it is the planted leak: a privacy check
that does not flag it (every synthetic row is a training row) is broken.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mdg_core.generators.base import Generator, GeneratorSpec, ParamSpec, Reporter


class CopyRows(Generator):
    spec = GeneratorSpec(
        name="copy_rows", title="Copy real rows (test double: leaks by design)", family="test double", library="mdg_core",
        test_only=True,
        description="Resamples real training rows (no privacy at all). For tests and as a leak to detect.",
        params=(ParamSpec("replace", "bool", True, help="Draw with replacement."),),
    )

    def _fit(self, df: pd.DataFrame, reporter: Reporter) -> None:
        self.rows_ = df.reset_index(drop=True).copy()

    def _sample(self, n: int, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(int(seed) % (2**32))
        replace = bool(self.params["replace"]) or n > len(self.rows_)
        idx = rng.choice(len(self.rows_), size=n, replace=replace)
        return self.rows_.iloc[idx].reset_index(drop=True)
