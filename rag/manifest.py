"""An index's manifest: the versions it must match and the cheap check of an index folder.

The check reads ``manifest.json`` and verifies each file's size and checksum, and needs nothing but
the standard library: ``rag ui`` runs it before it serves its page, to refuse a damaged or old index
at once, without importing the model stack (numpy, SciPy, FAISS, pypinyin) that :mod:`rag.index`
needs to read the index itself. :meth:`rag.index.Index.load` starts with the same check.

The versions live here for the same reason; :mod:`rag.chunking` and :mod:`rag.lexical` re-export the
one each of them owns. Bump a version when what it names changes: an index built before is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import IndexDamagedError, IndexMismatchError, IndexNotFoundError
from .storage import COMPONENTS, file_digest

# 3: file checksums and a generation in the manifest; added reports kept in the library, not in sources/
FORMAT_VERSION = 3
# how reports are cut into chunks (rag/chunking.py)
CHUNKER_VERSION = "4"
# tokenisation (rag/lexical.py): an index's BM25 data is only valid for the version that built it
LEXICAL_VERSION = "2"
KEEPS = "(it keeps the reports you added)"


def check_manifest(folder: Path, model: str | None = None) -> tuple[Path, dict]:
    """(the folder to read, its manifest) once the manifest, the versions, the model and every file's
    size and checksum are right; raise a named error saying which command fixes it otherwise."""
    folder = Path(folder)
    read_from = folder
    if not (folder / "manifest.json").exists():
        backup = folder.with_name(f".{folder.name}.previous")
        if (backup / "manifest.json").exists():  # a swap was interrupted between its two renames
            read_from = backup
        elif folder.exists() and not folder.is_dir():
            raise IndexNotFoundError(f"no index at {folder}: it is a file, not an index folder")
        else:
            raise IndexNotFoundError(f"no index at {folder}; build it with `rag index`")
    manifest = read_json(read_from, "manifest.json", dict)
    versions = (manifest.get("format_version"), manifest.get("chunker_version"), manifest.get("lexical_version"))
    if versions != (FORMAT_VERSION, CHUNKER_VERSION, LEXICAL_VERSION):
        raise IndexMismatchError(
            f"the index at {folder} was built by another version (format {versions[0]}, chunker {versions[1]}, "
            f"lexical {versions[2]}); rebuild it with `rag index --rebuild` {KEEPS}"
        )
    if model is not None and manifest.get("model") != model:
        raise IndexMismatchError(
            f"the index at {folder} was built with model '{manifest.get('model')}', not '{model}'; "
            f"rebuild it with `rag index --rebuild --model {model}` or use --model {manifest.get('model')}"
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or not isinstance(manifest.get("dimension"), int):
        raise damaged(folder, "manifest.json", "lacks the file checksums or the dimension")
    for name in COMPONENTS:
        verify_file(read_from, folder, name, files.get(name))
    return read_from, manifest


def damaged(folder: Path, name: str, what: str) -> IndexDamagedError:
    return IndexDamagedError(
        f"the index at {folder} is damaged: {name} {what}; rebuild it with `rag index --rebuild` {KEEPS}"
    )


def read_json(read_from: Path, name: str, kind: type):
    path = read_from / name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise damaged(read_from, name, f"cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise damaged(read_from, name, "is not UTF-8 text") from None
    except ValueError as exc:
        raise damaged(read_from, name, f"is not valid JSON ({getattr(exc, 'msg', exc)})") from None
    if not isinstance(data, kind):
        names = {
            dict: "an object",
            list: "an array",
            str: "a string",
            int: "a number",
            float: "a number",
            bool: "a boolean",
            type(None): "null",
        }
        raise damaged(
            read_from,
            name,
            f"holds {names.get(type(data), 'something else')}, not a JSON {'object' if kind is dict else 'array'}",
        )
    return data


def verify_file(read_from: Path, folder: Path, name: str, entry) -> None:
    path = read_from / name
    if (
        not isinstance(entry, dict)
        or not isinstance(entry.get("size"), int)
        or not isinstance(entry.get("sha256"), str)
    ):
        raise damaged(folder, "manifest.json", f"has no checksum for {name}")
    try:
        size = path.stat().st_size
    except OSError:
        raise damaged(folder, name, "is missing") from None
    if size != entry["size"]:
        raise damaged(folder, name, f"has {size} bytes where the build wrote {entry['size']}")
    try:
        digest = file_digest(path)
    except OSError:  # removed between the stat and the read: a swap took the folder away
        raise damaged(folder, name, "is missing") from None
    if digest != entry["sha256"]:
        raise damaged(folder, name, "does not match its checksum (it changed after the build)")
