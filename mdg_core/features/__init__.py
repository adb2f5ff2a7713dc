"""Feature-engineering suggestions: rules (detect → explain → transform), steps and recipes."""

from mdg_core.features.base import Facts, Suggestion
from mdg_core.features.steps import (
    apply_recipe,
    apply_suggestions,
    export_script,
    preview,
    recipe_from_json,
    recipe_to_json,
    suggest,
    with_params,
)

__all__ = ["Facts", "Suggestion", "apply_recipe", "apply_suggestions", "export_script", "preview",
           "recipe_from_json", "recipe_to_json", "suggest", "with_params"]
