"""Synthetic-data generators behind one interface (``base.Generator``), listed in ``registry``."""

from mdg_core.generators.base import Generator, GeneratorSpec, ParamSpec
from mdg_core.generators.metadata import TableMetadata
from mdg_core.generators.registry import get, list_generators

__all__ = ["Generator", "GeneratorSpec", "ParamSpec", "TableMetadata", "get", "list_generators"]
