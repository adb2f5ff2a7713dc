"""CSV ingest: detect encoding and dialect, infer column types, store losslessly.

``parse(source, overrides)`` reads and types a file without saving (the preview);
``ingest_file(store, source, name, overrides)`` stores it as a new dataset.
"""

from mdg_core.ingest.infer import TYPES, ColumnGuess
from mdg_core.ingest.reader import Parsed, ingest_file, parse, store_parsed

__all__ = ["TYPES", "ColumnGuess", "Parsed", "ingest_file", "parse", "store_parsed"]
