"""The independent-marginals baseline draws each column from its real distribution (SynthCity's draws uniform)."""

from __future__ import annotations

import pandas as pd

from mdg_core.generators import metadata as md
from mdg_core.generators.registry import get


def test_marginals_keep_each_columns_distribution(penguins: pd.DataFrame) -> None:
    out = get("synthcity_marginal_distributions", random_state=0).fit(
        penguins, md.detect_table_metadata(penguins)).sample(3000, seed=1)
    real_species = penguins["species"].value_counts(normalize=True)
    synth_species = out["species"].value_counts(normalize=True).reindex(real_species.index)
    assert (synth_species - real_species).abs().max() < 0.03  # uniform would be 1/3 each (real: 0.44/0.36/0.20)
    real_mass, synth_mass = penguins["body_mass_g"].mean(), out["body_mass_g"].mean()
    assert abs(synth_mass - real_mass) < 0.03 * real_mass
    assert abs(out["sex"].isna().mean() - penguins["sex"].isna().mean()) < 0.02
