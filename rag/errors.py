"""Errors the library raises on purpose.

Every one of them is shown to a person as a single line (the CLI and the UI print ``str(err)``),
so each message says what went wrong and, where there is one, the command that fixes it.
"""

from __future__ import annotations


class RagError(Exception):
    """Base class: anything a user can cause or fix; never a bug."""


class IngestError(RagError):
    """A report file could not be read: missing, empty, binary or undecodable."""


class IndexNotFoundError(RagError):
    """No index has been built yet at the configured folder."""


class IndexMismatchError(RagError):
    """The index on disk was built with another model, chunker or format."""


class IndexDamagedError(IndexMismatchError):
    """An index file fails its load checks (size, checksum, JSON, shape); the message names the file."""


class IndexWriteError(RagError):
    """The index folder cannot be written (read-only, disk full); the old index is intact."""


class LibraryError(RagError):
    """The library of added reports cannot be read or written; the message names the file."""


class QuestionError(RagError):
    """The question itself is unusable (empty, only punctuation)."""


class FilterError(RagError):
    """An explicit filter names something the index does not hold (an unknown city, a bad part)."""


class LLMError(RagError):
    """The configured LLM endpoint failed; callers fall back to the extractive answer."""
