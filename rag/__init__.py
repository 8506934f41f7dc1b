"""govreport-rag: cited answers over Chinese government work reports (政府工作报告).

The UI and the evaluation import only what is listed in ``__all__``; the modules of ``rag/`` (the CLI
included) import each other, never this file (tests/test_imports.py).
"""

from ._version import __version__
from .answer import Answer, Citation, ComposerSettings
from .assistant import Assistant, PassageView, ReportInfo, build_index
from .config import BUNDLED_CORPUS, PARTS, Config
from .embedcache import EmbeddingCache
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
from .ingest import collect_files, load_reports
from .pipeline import BuildStats
from .retriever import Hit, RetrievalSettings, SearchResult
from .validate import check_k, clean_text

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
    "PARTS",
    "PassageView",
    "QuestionError",
    "RagError",
    "ReportInfo",
    "RetrievalSettings",
    "SearchResult",
    "build_chain",
    "build_index",
    "check_k",
    "clean_text",
    "collect_files",
    "load_reports",
    "__version__",
]


def __getattr__(name: str):
    if name == "build_chain":
        from .chain import build_chain  # heavy (LangChain): imported when the chain is first asked for

        return build_chain
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
