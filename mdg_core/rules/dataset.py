"""The rules of one stored dataset: which are on, which the data suggests, and editing them.

Rules the real data keeps on every row are *on by default*: until the analyst edits the rules of a
dataset, its active rules are the discovered candidates. The first edit (untick a suggestion, add
a rule by hand, remove one) writes the full active list to the dataset's meta under ``RULES_KEY``;
from then on that list is what runs use, and a suggestion that is not in it shows as unticked.

Every edit validates its rule against the dataset's columns first, so bad input leaves the meta
exactly as it was. A stored rule whose columns the dataset no longer has (a meta copied or carried
over from another version) is *stale*: it is shown as such and never sent to a run, the same check
``generators.metadata.for_dataset`` makes for stored column metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mdg_core.rules.discover import Candidate, discover
from mdg_core.rules.model import Rule, from_dict
from mdg_core.store import DatasetInfo, DatasetStore

RULES_KEY = "generation_rules"
DISCOVERY_ROWS = 50_000  # the same rows for the page and the run, so both see the same suggestions


@dataclass(frozen=True)
class RuleState:
    """What the Metadata & rules tab shows and what a run enforces."""

    active: list[dict[str, Any]]  # sent to every run of this dataset
    suggestions: list[tuple[dict[str, Any], str]]  # every candidate with its evidence (on or off)
    stale: list[dict[str, Any]]  # stored rules over columns the dataset does not have
    edited: bool  # False: the analyst has not touched the rules; the active ones are the suggestions

    def is_on(self, rule: dict[str, Any]) -> bool:
        return rule in self.active

    @property
    def manual(self) -> list[dict[str, Any]]:
        """Active rules that are no suggestion (added by hand)."""
        suggested = [r for r, _ in self.suggestions]
        return [r for r in self.active if r not in suggested]


def suggestions(store: DatasetStore, dataset_id: int) -> list[Candidate]:
    """Rules that hold on every real row (of the first ``DISCOVERY_ROWS``)."""
    return discover(store.load(dataset_id, limit=DISCOVERY_ROWS))


def _fits(rule: dict[str, Any], columns: list[str]) -> bool:
    try:
        return all(c in columns for c in from_dict(rule).columns())
    except Exception:  # noqa: BLE001 - an unreadable stored rule is stale, never a crash
        return False


def state(store: DatasetStore, dataset_id: int,
          candidates: list[Candidate] | None = None) -> RuleState:
    """The dataset's rules now. ``candidates`` may be passed when the caller has them cached."""
    info = store.get(dataset_id)
    found = candidates if candidates is not None else suggestions(store, dataset_id)
    pairs = [(c.rule.to_dict(), c.evidence) for c in found]
    meta = info.meta or {}
    if meta.get(RULES_KEY) is None:
        return RuleState(active=[r for r, _ in pairs], suggestions=pairs, stale=[], edited=False)
    stored = list(meta[RULES_KEY] or [])
    fits = [r for r in stored if _fits(r, info.column_names)]
    return RuleState(active=fits, suggestions=pairs, stale=[r for r in stored if r not in fits], edited=True)


def active_rules(store: DatasetStore, dataset_id: int) -> list[dict[str, Any]]:
    """The rules a run of this dataset enforces when none are given explicitly."""
    return state(store, dataset_id).active


def _checked(info: DatasetInfo, rule: dict[str, Any] | Rule) -> dict[str, Any]:
    parsed = rule if isinstance(rule, Rule) else from_dict(rule)
    parsed.check_columns(info.column_names)
    return parsed.to_dict()


def set_rules(store: DatasetStore, dataset_id: int, rules: list[dict[str, Any]] | list[Rule]) -> list[dict[str, Any]]:
    """Replace the dataset's active rules (each checked against its columns first)."""
    info = store.get(dataset_id)
    checked: list[dict[str, Any]] = []
    for rule in rules:
        item = _checked(info, rule)
        if item not in checked:
            checked.append(item)
    store.update_meta(dataset_id, **{RULES_KEY: checked})
    return checked


def add_rule(store: DatasetStore, dataset_id: int, rule: dict[str, Any] | Rule,
             candidates: list[Candidate] | None = None) -> list[dict[str, Any]]:
    """Turn a rule on (a suggestion or one written by hand); adding it twice changes nothing."""
    item = _checked(store.get(dataset_id), rule)
    current = state(store, dataset_id, candidates).active
    return set_rules(store, dataset_id, current + ([item] if item not in current else []))


def remove_rule(store: DatasetStore, dataset_id: int, rule: dict[str, Any] | Rule,
                candidates: list[Candidate] | None = None) -> list[dict[str, Any]]:
    """Turn a rule off; a suggestion stays listed (unticked), a hand-written rule is gone.
    Stale rules are dropped with it, since no run can use them."""
    item = rule.to_dict() if isinstance(rule, Rule) else dict(rule)
    current = state(store, dataset_id, candidates).active
    return set_rules(store, dataset_id, [r for r in current if r != item])


def reset_rules(store: DatasetStore, dataset_id: int) -> None:
    """Back to the default: every suggestion on, nothing by hand."""
    if (store.get(dataset_id).meta or {}).get(RULES_KEY) is not None:
        store.update_meta(dataset_id, **{RULES_KEY: None})
