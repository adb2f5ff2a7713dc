"""Components of the Generate page, one module each: the generator form with its estimate, a run's
summary with its honest numbers, runs and kept models, and Compare generators (metadata and rules are
``mdg_core.ui.metadata_editor`` / ``rules_editor``). A folder, not ``pages/*.py`` files: Streamlit would
list those as pages. Each component takes the current dataset and owns its ``mdg.generate.*`` keys."""

from __future__ import annotations

from typing import Any

import streamlit as st

from mdg_core.generators import registry

GEN_JOB = "mdg.generate.job"
RECOVER = ["generate", "sample_model"]


@st.cache_data(show_spinner="Checking which generator libraries import…", ttl=3600)
def generators() -> list[dict[str, Any]]:
    """What an analyst may choose: test doubles (``spec.test_only``) stay in the tests and the CLI."""
    return [g for g in registry.list_generators() if not g.get("test_only")]


def title(name: str) -> str:
    """A generator's readable title (its id when the registry no longer knows it)."""
    return registry.spec(name).title or name if name in registry.GENERATORS else name
