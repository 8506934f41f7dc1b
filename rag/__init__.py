"""govreport-rag: cited answers over Chinese government work reports (政府工作报告).

The UI and the evaluation import only what is listed in ``__all__``; the modules of ``rag/`` (the CLI
included) import each other, never this file (tests/test_imports.py).

Importing ``rag`` is cheap: the errors, the configuration and the input checks (standard library
only) are imported here; every other name is imported from its module when it is first used
(PEP 562). ``python -m rag.cli`` imports this package first, so an eager import here would cost every
command, ``rag ui`` included, the whole model stack (numpy, SciPy, pypinyin: ~1 s on 2 cores) before it
could serve its page; the UI imports the rest behind the page (``ui/loader.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .config import BUNDLED_CORPUS, PARTS, Config
from .errors import (
    FilterError,
    IndexMismatchError,
    IndexNotFoundError,
    IndexWriteError,
    IngestError,
    LLMError,
    QuestionError,
    RagError,
)
from .validate import check_k, clean_text

if TYPE_CHECKING:  # what the names below are, for type checkers; imported on first use at run time
    from .answer import Answer, Citation, ComposerSettings
    from .answerability import Neighbours, Selector, neighbours_file
    from .assistant import Assistant, PassageView, ReportInfo, build_index
    from .chain import build_chain
    from .embedcache import EmbeddingCache
    from .ingest import collect_files, load_reports, normalize_line
    from .pipeline import BuildStats
    from .retriever import Hit, RetrievalSettings, SearchResult

__all__ = [
    "Answer",
    "Assistant",
    "BUNDLED_CORPUS",
    "BuildStats",
    "Citation",
    "ComposerSettings",
    "Config",
    "EmbeddingCache",
    "FilterError",
    "Hit",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexWriteError",
    "IngestError",
    "LLMError",
    "Neighbours",
    "PARTS",
    "PassageView",
    "QuestionError",
    "RagError",
    "ReportInfo",
    "RetrievalSettings",
    "SearchResult",
    "Selector",
    "build_chain",
    "build_index",
    "check_k",
    "clean_text",
    "collect_files",
    "load_reports",
    "neighbours_file",
    "normalize_line",
    "__version__",
]

# name -> the module that defines it, for the names imported on first use
_LAZY = {
    "Answer": "answer",
    "Citation": "answer",
    "ComposerSettings": "answer",
    "Selector": "answerability",  # its input rows, which eval/calibrate.py fits it on
    "Neighbours": "answerability",  # its nearest-questions share, which eval/calibrate.py fits the model on
    "neighbours_file": "answerability",  # where eval/calibrate.py writes the neighbours' vectors
    "Assistant": "assistant",
    "PassageView": "assistant",
    "ReportInfo": "assistant",
    "build_index": "assistant",
    "build_chain": "chain",  # heavy (LangChain): imported when the chain is first asked for
    "EmbeddingCache": "embedcache",
    "collect_files": "ingest",
    "load_reports": "ingest",
    "normalize_line": "ingest",  # how ingestion writes a line, which eval/validate.py tells question writers
    "BuildStats": "pipeline",
    "Hit": "retriever",
    "RetrievalSettings": "retriever",
    "SearchResult": "retriever",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rag' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # once: later lookups find it without coming here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
