"""The user's own reports, kept in a library folder of their own beside the index.

Why: the index is derived data and every build replaces its folder whole; what a person added is
not derived, so it must live elsewhere. ``library/`` holds ``files/`` (a copy of every added
file, under a name that cannot collide) and ``library.json``, the manifest of what was added and
of the reports that were removed (by content hash, so removing one report of a compilation or a
bundled report sticks across rebuilds). Callers hold :func:`rag.storage.write_lock` while writing.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import LibraryError
from .storage import atomic_write, file_digest

LIBRARY_VERSION = 1


@dataclass(frozen=True)
class LibraryFile:
    """One added file: the name the person gave it (what citations show) and where its copy is."""

    name: str
    stored_as: str
    sha256: str
    added_at: str


@dataclass(frozen=True)
class RemovedReport:
    """A report the person removed; builds skip any report with this cleaned-text hash."""

    content_hash: str
    report_id: str
    title: str
    removed_at: str


class Library:
    """``library.json`` plus ``files/``: read on every build, written only under the write lock."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.manifest_path = self.folder / "library.json"
        self.files_dir = self.folder / "files"

    # ------------------------------------------------------------ reading

    def _read(self) -> dict:
        if not self.manifest_path.exists():
            return {"library_version": LIBRARY_VERSION, "files": [], "removed": []}
        try:
            data = json.loads(self.manifest_path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise LibraryError(
                f"{self.manifest_path} cannot be read ({_short(exc)}); your added files are still in "
                f"{self.files_dir}: move them aside, delete library.json and add them again"
            ) from None
        ok = (
            isinstance(data, dict)
            and isinstance(data.get("files"), list)
            and isinstance(data.get("removed"), list)
            and all(isinstance(f, dict) and {"name", "stored_as", "sha256"} <= set(f) for f in data["files"])
            and all(isinstance(r, dict) and "content_hash" in r for r in data["removed"])
        )
        if not ok:
            raise LibraryError(
                f"{self.manifest_path} does not have the shape of a library manifest; your added files "
                f"are still in {self.files_dir}"
            )
        return data

    def files(self) -> list[LibraryFile]:
        return [
            LibraryFile(f["name"], f["stored_as"], f["sha256"], f.get("added_at", "")) for f in self._read()["files"]
        ]

    def removed(self) -> list[RemovedReport]:
        return [
            RemovedReport(r["content_hash"], r.get("report_id", ""), r.get("title", ""), r.get("removed_at", ""))
            for r in self._read()["removed"]
        ]

    def path_of(self, entry: LibraryFile) -> Path:
        return self.files_dir / entry.stored_as

    # ------------------------------------------------------------ writing (under the write lock)

    def _write(self, data: dict) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.manifest_path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
        except OSError as exc:
            raise LibraryError(f"cannot write {self.manifest_path}: {exc.strerror or exc}") from exc

    def add(self, path: Path, content_hashes: list[str], name: str | None = None) -> tuple[LibraryFile, bool]:
        """Copy a file in (the copy is complete before the manifest names it); False when already there.

        Adding a file again also takes back an earlier removal of its reports: adding is the
        person saying they want them.
        """
        data = self._read()
        sha = file_digest(path)
        name = name or Path(path).name
        self.restore(content_hashes)
        data = self._read()
        existing = next((f for f in data["files"] if f["sha256"] == sha), None)
        if existing is not None:
            return LibraryFile(existing["name"], existing["stored_as"], sha, existing.get("added_at", "")), False
        entry = LibraryFile(name, f"{sha[:12]}-{_safe_name(name)}", sha, time.strftime("%Y-%m-%dT%H:%M:%S"))
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            tmp = self.files_dir / f".{entry.stored_as}.part"
            shutil.copyfile(path, tmp)
            os.replace(tmp, self.files_dir / entry.stored_as)
        except OSError as exc:
            raise LibraryError(f"cannot copy {path} into {self.files_dir}: {exc.strerror or exc}") from exc
        data["files"].append(asdict(entry))
        self._write(data)
        return entry, True

    def restore(self, content_hashes: list[str]) -> None:
        """Take back the removal of these reports (their file is being added again)."""
        data = self._read()
        kept = [r for r in data["removed"] if r["content_hash"] not in set(content_hashes)]
        if len(kept) != len(data["removed"]):
            data["removed"] = kept
            self._write(data)

    def remove_reports(self, removed: list[RemovedReport], drop_files: list[str]) -> list[LibraryFile]:
        """Record removed reports; delete the library files (by sha256) none of whose reports remain."""
        data = self._read()
        known = {r["content_hash"] for r in data["removed"]}
        data["removed"] += [asdict(r) for r in removed if r.content_hash not in known]
        gone = [f for f in data["files"] if f["sha256"] in set(drop_files)]
        data["files"] = [f for f in data["files"] if f["sha256"] not in set(drop_files)]
        # a report of a deleted file needs no removal record: the file is gone
        self._write(data)
        for f in gone:
            try:
                (self.files_dir / f["stored_as"]).unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise LibraryError(f"cannot delete {self.files_dir / f['stored_as']}: {exc.strerror or exc}") from exc
        return [LibraryFile(f["name"], f["stored_as"], f["sha256"], f.get("added_at", "")) for f in gone]


def _safe_name(name: str) -> str:
    # the basename only, without characters a file system or a shell would trip on
    base = Path(name.replace("\\", "/")).name or "report"
    return "".join(ch if ch.isprintable() and ch not in '/:*?"<>|' else "_" for ch in base)[:120]


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
