"""Constraints on synthetic rows: inequality, fixed combination, value range (see ``model``)."""

from mdg_core.rules.discover import Candidate, discover
from mdg_core.rules.model import FixedCombination, Inequality, Rule, ValueRange, from_dict, prepare

__all__ = ["Candidate", "FixedCombination", "Inequality", "Rule", "ValueRange", "discover", "from_dict",
           "prepare"]
