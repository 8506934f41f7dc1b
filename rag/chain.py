"""LangChain at the edge: a ``BaseRetriever`` over our retriever, and LLM answers on request through
any OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server, DeepSeek, Qwen).

An LLM answer is checked after generation: markers pointing outside the given passages are removed,
and every figure in the answer must appear in a passage the same sentence cites; an answer failing
either check is flagged.
"""

from __future__ import annotations

import re
from typing import Callable

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from .answer import Citation
from .config import Config
from .errors import LLMError
from .retriever import Hit

FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|‰|[万亿千百]?[元人户台家个项件座所公里亩吨条辆次天倍]{0,2})|百分之[零一二三四五六七八九十百点]+")
SYSTEM_ZH = ("你是政府工作报告问答助手。只根据下面编号的段落回答，每句话末尾用[n]标注所依据的段落编号；"
             "段落没有的信息不要写；回答简洁，用中文。")
SYSTEM_EN = ("You answer questions about Chinese government work reports. Use only the numbered passages below. "
             "End every sentence with the [n] marker(s) of the passages it relies on; quote figures exactly as "
             "the passages give them; say nothing the passages do not say. Answer in English.")


class ReportRetriever(BaseRetriever):
    """Our hybrid retriever as a LangChain retriever, usable in any LangChain chain."""

    assistant: object
    k: int = 5

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.assistant.search(query, k=self.k)  # type: ignore[attr-defined]
        return [Document(page_content=h.chunk.text, metadata={
            "chunk_id": h.chunk.chunk_id, "report": h.report.title, "city": h.report.city,
            "section": h.chunk.section, "part": h.chunk.part, "score": h.score}) for h in result.hits]


def build_messages(question: str, lang: str, hits: list[Hit]) -> list[tuple[str, str]]:
    passages = "\n\n".join(f"[{i}] 《{h.report.title}》 {h.chunk.section}\n{h.chunk.text}" for i, h in enumerate(hits, 1))
    system = SYSTEM_EN if lang == "en" else SYSTEM_ZH
    return [("system", system), ("human", f"{passages}\n\n问题 / Question: {question}")]


def check_answer(text: str, hits: list[Hit]) -> tuple[str, list[int], bool, list[str]]:
    """Remove markers outside 1..len(hits); flag figures not found in the passages their sentence cites."""
    problems: list[str] = []

    def keep(m: re.Match) -> str:
        n = int(m.group(1))
        if 1 <= n <= len(hits):
            return m.group(0)
        problems.append(f"removed marker [{n}]: no such passage")
        return ""

    text = re.sub(r"\[(\d+)\]", keep, text)
    cited: list[int] = []
    # sentence ends: Chinese stops, or an ASCII stop followed by a space or the end (never "12.5")
    for sentence in re.split(r"(?<=[。！？!?])\s*|(?<=\.)(?:\s+|$)", text):
        if sentence is None:
            continue
        marks = [int(x) for x in re.findall(r"\[(\d+)\]", sentence)]
        for n in marks:
            if n not in cited:
                cited.append(n)
        body = re.sub(r"\[\d+\]", "", sentence)
        sources = "".join(re.sub(r"\s", "", hits[n - 1].chunk.text) for n in marks)
        for m in FIGURE.finditer(body):
            fig = m.group()
            if re.fullmatch(r"(19|20)\d\d\s*", fig) or body[m.end():m.end() + 1] in ("年", "月", "日"):
                continue  # a year or a date is not a figure the passage must contain
            if re.sub(r"\s", "", fig) not in sources:
                problems.append(f"figure '{fig.strip()}' is not in the passages its sentence cites")
        if body.strip() and not marks and re.search(r"\w", body):
            problems.append("a sentence carries no citation marker")
    return text, cited, bool(problems), problems


def llm_answer(config: Config, question: str, lang: str, hits: list[Hit], k: int,
               on_token: Callable[[str], None] | None = None) -> tuple[str, list[Citation], bool]:
    """Ask the configured chat model; raise LLMError (the caller falls back) when it cannot answer."""
    if not config.llm_base_url or not config.llm_model:
        raise LLMError("no LLM endpoint configured (set RAG_LLM_BASE_URL and RAG_LLM_MODEL)")
    try:
        from langchain_openai import ChatOpenAI

        model = ChatOpenAI(base_url=config.llm_base_url, model=config.llm_model, api_key=config.llm_api_key or "none",
                           timeout=config.llm_timeout, max_retries=0, temperature=0)
        parts: list[str] = []
        for chunk in model.stream(build_messages(question, lang, hits[:k])):
            token = chunk.content if isinstance(chunk.content, str) else ""
            parts.append(token)
            if on_token and token:
                on_token(token)
        raw = "".join(parts).strip()
    except Exception as exc:  # network errors, timeouts, malformed responses: all mean "fall back"
        raise LLMError(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}"[:300]) from exc
    if not raw:
        raise LLMError("the model returned an empty answer")
    text, cited, flagged, problems = check_answer(raw, hits[:k])
    if not cited:
        raise LLMError("the model's answer cites none of the passages")
    renumber = {old: new for new, old in enumerate(cited, 1)}
    text = re.sub(r"\[(\d+)\]", lambda m: f"[{renumber[int(m.group(1))]}]", text)
    if problems:
        text += "\n\n⚠ " + "; ".join(dict.fromkeys(problems))
    citations = []
    for old in cited:
        h = hits[old - 1]
        c, r = h.chunk, h.report
        year = r.plan_year if c.part == "plan" else r.reviewed_year
        citations.append(Citation(renumber[old], c.chunk_id, c.text, r.title, r.city, year, c.section, c.part,
                                  round(h.score, 6), ()))
    return text, citations, flagged
