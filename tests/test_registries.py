"""Every registry names each entry once: the key is the entry's own name, and what it points at exists.

A registry entry whose key disagrees with its spec would show one name in forms and accept another
on the command line; a feature rule in a group the Features page does not show would never appear.
"""

from __future__ import annotations

import argparse
import importlib
import inspect

import pytest

from mdg_core import jobs
from mdg_core.cli import COMMAND_MODULES, build_parser
from mdg_core.errors import InvalidParameterError, UnknownGeneratorError
from mdg_core.features.base import GROUPS
from mdg_core.features.registry import RULES
from mdg_core.generators import registry
from mdg_core.reports import REPORT_KINDS, report_kind


def _resolve(target: str) -> object:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


@pytest.mark.parametrize("name", list(registry.GENERATORS))
def test_generator_key_is_its_spec_name_and_it_has_a_title(name: str) -> None:
    spec = registry.spec(name)
    assert spec.name == name
    assert spec.title and spec.title != name  # what a form shows, not the CLI handle
    assert all(p.name for p in spec.params)


def test_unknown_generator_lists_the_valid_names() -> None:
    with pytest.raises(UnknownGeneratorError, match="Valid generators: .*copy_rows"):
        registry.spec("nope")


@pytest.mark.parametrize("kind", list(jobs.JOB_FUNCTIONS))
def test_every_job_resolves_to_a_function_taking_the_job_context(kind: str) -> None:
    fn = _resolve(jobs.JOB_FUNCTIONS[kind])
    assert callable(fn)
    assert next(iter(inspect.signature(fn).parameters)) == "ctx"


@pytest.mark.parametrize("key", list(RULES))
def test_feature_rule_key_is_its_name_and_its_group_is_shown_on_the_page(key: str) -> None:
    rule = RULES[key]
    assert rule.name == key
    assert rule.title
    assert rule.group in GROUPS, f"{key}: group {rule.group!r} is not one of {list(GROUPS)}"


def test_every_features_group_has_a_rule() -> None:
    assert {r.group for r in RULES.values()} == set(GROUPS)


@pytest.mark.parametrize("name", list(REPORT_KINDS))
def test_report_kind_key_is_its_name_and_it_describes_itself(name: str) -> None:
    kind = report_kind(name)
    assert kind.name == name
    assert kind.title and kind.help and all(kind.labels) and len(kind.labels) == 2
    keys = [s.key for s in kind.sections]
    assert keys and len(keys) == len(set(keys))
    for section in kind.sections:
        assert callable(section.compute) and section.share > 0
        assert all(h.label and h.metric for h in section.headlines)
        assert not section.needs_target or kind.uses_target  # a target section in a kind that takes no target never runs


def test_unknown_report_kind_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidParameterError, match="Valid reports: quality, drift, privacy"):
        report_kind("nope")


def test_every_cli_command_module_registers_commands_that_run_a_function() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert len(COMMAND_MODULES) == len(set(COMMAND_MODULES))
    for name, command in sub.choices.items():
        assert callable(command.get_default("func")), f"command {name!r} sets no func"
    assert "report" in sub.choices and set(REPORT_KINDS) <= set(
        next(a for a in sub.choices["report"]._actions if a.dest == "kind").choices)
