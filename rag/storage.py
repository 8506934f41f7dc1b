"""Writing to disk without losing anything: one writer at a time, atomic files, and never
replacing a folder that is not ours.

Why a module of its own: the index, the library of added reports and the CLI and UI that write
them all need the same three guarantees, and each is easy to get subtly wrong in place.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import IndexWriteError

# The files of an index besides its manifest (the manifest records each one's size and checksum).
COMPONENTS = (
    "dense.faiss",
    "sentences.npy",
    "sentence_rows.npy",
    "bm25.npz",
    "bm25_vocab.json",
    "chunks.jsonl",
    "reports.json",
)
# What an index folder may hold (``sources`` is from format 2, when uploads were kept inside it).
INDEX_ENTRIES = frozenset({"manifest.json", *COMPONENTS, "sources"})
LOCK_TIMEOUT_S = 600.0


def lock_path(index_dir: Path) -> Path:
    """The lock file sits beside the index folder: the folder itself is replaced by every build."""
    index_dir = Path(index_dir)
    return index_dir.parent / f".{index_dir.name}.lock"


@contextlib.contextmanager
def write_lock(
    index_dir: Path, *, timeout: float = LOCK_TIMEOUT_S, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the index's write lock (an ``flock``, so a killed holder releases it) while the body runs.

    Every writer (``rag index``, ``rag remove``, an upload in the UI) takes it, so two processes
    never build from the same starting point and the second never overwrites the first one's work.
    """
    path = lock_path(index_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise IndexWriteError(f"cannot write the index at {index_dir}: {exc.strerror or exc}") from exc
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise IndexWriteError(f"cannot lock the index at {index_dir}: {exc.strerror or exc}") from exc
            holder = _read_holder(fd)
            if time.monotonic() > deadline:
                raise IndexWriteError(
                    f"another process{holder} has been writing the index at {index_dir} for "
                    f"{timeout:.0f} s; try again when it has finished"
                )
            if on_wait and not told:
                on_wait(f"waiting for another process{holder} that is writing the index…")
                told = True
            time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _read_holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old content or the new, never half of it."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def file_digest(path: Path) -> str:
    # read in blocks: hashlib.file_digest is Python 3.11+, and the project supports 3.10
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_index_manifest(path: Path) -> bool:
    """True when ``path`` is a manifest.json this project wrote (any version)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "format_version" in data and "model" in data


def check_replaceable(folder: Path) -> None:
    """Refuse to replace ``folder`` unless it is missing, empty or an index (ours, even if damaged).

    A build swaps a new folder in by rename; pointed at a folder of someone's files (or at a
    file) that would move them away, so this is checked before any work and again before the swap.
    """
    folder = Path(folder)
    if not folder.exists() and not folder.is_symlink():
        return
    if not folder.is_dir():
        raise IndexWriteError(
            f"the index location {folder} is a file, not an index folder; nothing was changed "
            "(set RAG_INDEX_DIR to a new or empty folder)"
        )
    try:
        entries = sorted(os.listdir(folder))
    except OSError as exc:
        raise IndexWriteError(f"cannot read the index folder {folder}: {exc.strerror or exc}") from exc
    if not entries or set(entries) <= INDEX_ENTRIES or is_index_manifest(folder / "manifest.json"):
        return
    others = [e for e in entries if e not in INDEX_ENTRIES]
    raise IndexWriteError(
        f"{folder} is not an index folder (it holds {len(others)} other file(s), e.g. "
        f"'{others[0]}'); nothing was changed (set RAG_INDEX_DIR to a new or empty folder)"
    )
