"""Inputs checked at the edge: text cleaned of what cannot be printed or encoded, ``k`` bounded.

Why one module: the CLI (arguments, stdin), the HTTP API and the library itself all take the same
inputs, and each must turn a bad one into the same clear message rather than a traceback deep
inside (a lone surrogate only fails when the answer is encoded as JSON, far from where it came in).
"""

from __future__ import annotations

import re

from .errors import QuestionError

K_MIN, K_MAX = 1, 50
MAX_QUESTION_CHARS = 2000
# C0/C1 control characters except tab and newline; lone surrogates (from undecodable bytes in argv)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: object) -> str:
    """A string safe to process, print and encode: surrogates become U+FFFD, control characters go."""
    if text is None:
        return ""
    if not isinstance(text, str):
        raise QuestionError(f"the question must be text, not {type(text).__name__}")
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))


def check_k(k: object, default: int = 5) -> int:
    """``k`` (passages to cite at most) as an int in 1–50; None means the default. Raises QuestionError."""
    if k is None:
        return default
    if isinstance(k, bool) or not isinstance(k, (int, float, str)):
        raise QuestionError(f"k must be a whole number from {K_MIN} to {K_MAX}, got {type(k).__name__}")
    try:
        value = float(k)
    except (TypeError, ValueError):
        raise QuestionError(f"k must be a whole number from {K_MIN} to {K_MAX}, got {str(k)[:20]!r}") from None
    if value != value or not value.is_integer() or not K_MIN <= value <= K_MAX:
        raise QuestionError(f"k must be a whole number from {K_MIN} to {K_MAX}, got {str(k)[:20]}")
    return int(value)


def check_question(question: str) -> tuple[str, list[str]]:
    """A question cleaned and checked: empty or symbol-only is a QuestionError; an over-long one is
    truncated, with a note saying so."""
    notes: list[str] = []
    q = clean_text(question).strip()
    if not q:
        raise QuestionError("the question is empty")

    if not re.search(r"[\w\u4e00-\u9fff]", q):
        raise QuestionError("the question has no words in it (only punctuation or symbols)")
    if len(q) > MAX_QUESTION_CHARS:
        notes.append(f"question truncated from {len(q)} to {MAX_QUESTION_CHARS} characters")
        q = q[:MAX_QUESTION_CHARS]
    return q, notes
