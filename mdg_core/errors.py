"""Named, flat exception classes.

Every failure an analyst can cause or act on has its own class, so the UI and the CLI can show one
clear sentence instead of a traceback. The message of each instance is written for the analyst.
"""

from __future__ import annotations


class MdgError(Exception):
    """Base class: any error whose message can be shown to an analyst as it is."""


# --- input files -------------------------------------------------------------------------------
class IngestError(MdgError):
    """A file could not be read as a table."""


class EmptyFileError(IngestError):
    """The file has no bytes, or only blank lines."""


class NotCsvError(IngestError):
    """The file is binary or otherwise not delimited text."""


class EncodingError(IngestError):
    """The bytes are not valid in the detected or requested encoding."""


class RaggedRowsError(IngestError):
    """Some rows have a different number of fields than the header."""


class HeaderOnlyError(IngestError):
    """The file has a header but no data rows."""


class SingleColumnError(IngestError):
    """The sniffer expected several columns but found one."""


class FileTooLargeError(IngestError):
    """The upload is bigger than the configured limit."""


class TypeOverrideError(IngestError):
    """A requested column type cannot be applied to the column's values."""


# --- store ---------------------------------------------------------------------------------------
class StoreError(MdgError):
    """The dataset store refused an operation."""


class DatasetNotFoundError(StoreError):
    """No dataset has the given id."""


class UnsupportedTypeError(StoreError):
    """A column holds values the store cannot keep without loss."""


class HasDependentsError(StoreError):
    """A dataset cannot be deleted because others derive from it (list them first)."""


class ArtifactIntegrityError(StoreError):
    """A stored file's hash does not match the hash recorded when it was saved."""


class DatabaseBusyError(StoreError):
    """Another job or program kept the database's write lock longer than a write may wait."""


class UntrustedArtifactError(StoreError):
    """A stored model's signature does not verify with this installation's key (refit it here)."""


class ArtifactKeyError(StoreError):
    """This installation's artifact signing key cannot be read or created."""


# --- jobs ----------------------------------------------------------------------------------------
class JobError(MdgError):
    """A background job failed; the message says why."""


class CancelledError(MdgError):
    """The analyst cancelled the work; nothing was saved."""


class UnknownJobKindError(JobError):
    """No job function is registered under that name."""


# --- generators, models, reports -----------------------------------------------------------------
class GeneratorError(MdgError):
    """A generator could not fit or sample."""


class UnknownGeneratorError(GeneratorError):
    """No generator is registered under that name (the message lists the valid names)."""


class GeneratorUnavailableError(GeneratorError):
    """A generator's library failed to import; the message gives the reason."""


class InvalidParameterError(MdgError):
    """A parameter is missing, of the wrong type or out of its bounds."""


class ModelLoadError(MdgError):
    """A language model file is missing or cannot be loaded."""


class PromptInjectionError(MdgError):
    """Example data contains text that tries to instruct the model."""


class MockGenerationError(MdgError):
    """The language model could not produce the requested records (the message says why)."""


class ReportError(MdgError):
    """A report could not be computed for these datasets."""


# --- feature engineering -------------------------------------------------------------------------
class RecipeError(MdgError):
    """A feature recipe cannot be applied (unknown rule, missing column, malformed file)."""
