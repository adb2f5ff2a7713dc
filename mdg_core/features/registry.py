"""The feature rules, one line each, in the order their steps are applied (clean first, encode last)."""

from __future__ import annotations

from mdg_core.errors import RecipeError
from mdg_core.features.base import SuggestionRule
from mdg_core.features.rules.binning import QuantileBins
from mdg_core.features.rules.drop_constant import DropConstant
from mdg_core.features.rules.duplicate_columns import DuplicateColumns
from mdg_core.features.rules.encode import FrequencyEncode, OneHot
from mdg_core.features.rules.id_like import FlagId
from mdg_core.features.rules.impute import ImputeConstant, ImputeMedian, ImputeMode
from mdg_core.features.rules.numbers_as_text import NumbersAsText
from mdg_core.features.rules.outliers import CapOutliers
from mdg_core.features.rules.parse_dates import ParseDates
from mdg_core.features.rules.pii_columns import PiiColumns
from mdg_core.features.rules.rare_categories import RareCategories
from mdg_core.features.rules.scale import Standardize
from mdg_core.features.rules.skew import LogTransform, YeoJohnson

RULES: dict[str, SuggestionRule] = {
    "drop_constant": DropConstant(),
    "flag_id": FlagId(),
    "duplicate_columns": DuplicateColumns(),
    "pii": PiiColumns(),
    "parse_dates": ParseDates(),
    "numbers_as_text": NumbersAsText(),
    "impute_median": ImputeMedian(),
    "impute_mode": ImputeMode(),
    "impute_constant": ImputeConstant(),
    "rare_categories": RareCategories(),
    "cap_outliers": CapOutliers(),
    "bin": QuantileBins(),
    "log_transform": LogTransform(),
    "yeo_johnson": YeoJohnson(),
    "scale": Standardize(),
    "one_hot": OneHot(),
    "frequency_encode": FrequencyEncode(),
}


def get_rule(name: str) -> SuggestionRule:
    rule = RULES.get(name)
    if rule is None:
        raise RecipeError(f"Unknown feature rule '{name}'. Valid rules: {', '.join(RULES)}.")
    return rule


def rule_order(name: str) -> int:
    return list(RULES).index(name) if name in RULES else len(RULES)
