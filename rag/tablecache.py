"""Tables derived from a data package (the English glossary of CC-CEDICT, the gazetteer's name
indexes), kept on disk so that a new process loads them instead of deriving them again.

Why: deriving the glossary means normalising ~170k dictionary glosses with regular expressions,
seconds of CPU on the first English question of every ``rag ask`` and every ``rag ui`` start;
loading the derived table costs a few hundredths of a second.

Each table is one file holding ``(format, key, table)``. The key digests everything the table is
derived from: the source files' contents, the versions of the packages involved and the source of
the modules whose code derives it, so an upgrade or an edit rebuilds the table by itself. A file
that is missing, unreadable, damaged or of another key is rebuilt from the source and replaced
(atomically: readers see the old file or the new one); a cache that cannot be written only costs
the time of deriving. Nothing here may ever fail a question.

The folder is chosen by whoever owns the configuration (:class:`rag.assistant.Assistant` uses
``<cache_dir>/tables``); until one is chosen, tables are derived in every process and nothing is
written, so library code and tests that never configure a cache touch no disk.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import sys
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from .storage import atomic_write, file_digest

log = logging.getLogger(__name__)

T = TypeVar("T")

# Bumped when the file layout changes. marshal (not pickle): it holds only built-in values, so
# loading a file runs no code, and it loads a 170k-entry table ~3x faster than JSON. Its format is
# tied to the Python version, which is part of every key.
FORMAT = "govreport-rag-table-1"

_folder: Path | None = None


def use_folder(folder: Path | None) -> None:
    """Keep derived tables in ``folder`` from now on (None: derive them in every process)."""
    global _folder
    _folder = Path(folder) if folder is not None else None


def folder() -> Path | None:
    return _folder


def source_key(path: Path) -> str:
    """What a source file contributes to a key: the digest of its contents."""
    p = Path(path)
    st = p.stat()
    return _digest(str(p), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=16)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    # size and mtime only decide when to hash again within a process; the key is the content
    return file_digest(Path(path))


def code_key(*modules: ModuleType) -> str:
    """What code contributes to a key: the digest of the modules' source files."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def table_key(parts: Iterable[str]) -> str:
    """One key of the parts, the file format and the Python version (marshal's format follows it)."""
    return hashlib.sha256("\0".join([FORMAT, sys.version.split()[0], *parts]).encode()).hexdigest()


def cached(name: str, parts: Callable[[], Iterable[str]], build: Callable[[], T], kind: type) -> T:
    """The table ``name``: loaded from the cache folder when its file has the key of ``parts()``
    and holds a ``kind``, else ``build()`` (then written for the next process)."""
    if _folder is None:
        return build()
    path = _folder / f"{name}.marshal"
    try:
        key = table_key(parts())
    except Exception as exc:  # a source that cannot be read: derive without caching (build reports it, if it must)
        log.debug("table %s: no cache key (%s)", name, exc)
        return build()
    found = _load(path, key, kind)
    if found is not None:
        return found
    table = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload: Any = (FORMAT, key, table)  # built-in values only: dicts, tuples, frozensets, str, int
        atomic_write(path, marshal.dumps(payload))
    except (
        Exception
    ) as exc:  # read-only or full disk, or a table marshal cannot hold: the next process derives it again
        log.debug("table %s: not cached (%s)", name, exc)
    return table


def _load(path: Path, key: str, kind: type):
    try:
        data = path.read_bytes()
    except OSError:
        return None  # the usual miss: never written, or written by another user
    try:
        fmt, stored_key, table = marshal.loads(data)
    except Exception as exc:  # truncated or overwritten: marshal raises EOFError, ValueError, TypeError
        log.debug("table %s: damaged cache file, rebuilding (%s)", path.name, exc)
        return None
    if fmt != FORMAT or stored_key != key or not isinstance(table, kind):
        log.debug("table %s: stale cache file, rebuilding", path.name)
        return None
    return table
