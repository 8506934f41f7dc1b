"""govreport-rag: cited answers over Chinese government work reports (政府工作报告).

The CLI, the UI and the evaluation import only what is listed in ``__all__``.
"""

__version__ = "0.1.0"

from .answer import Answer, Citation, ComposerSettings  # noqa: E402
from .assistant import Assistant, PassageView, ReportInfo, build_index  # noqa: E402
from .config import BUNDLED_CORPUS, PARTS, Config  # noqa: E402
from .errors import (
    FilterError,
    IndexMismatchError,
    IndexNotFoundError,
    IndexWriteError,
    IngestError,  # noqa: E402
    LLMError,
    QuestionError,
    RagError,
)
from .retriever import Hit, RetrievalSettings, SearchResult  # noqa: E402

__all__ = [
    "Answer",
    "Assistant",
    "BUNDLED_CORPUS",
    "Citation",
    "ComposerSettings",
    "Config",
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
    "__version__",
]


def __getattr__(name: str):
    # LangChain is imported when the chain is first asked for, not by every `rag` command
    if name == "build_chain":
        from .chain import build_chain

        return build_chain
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
