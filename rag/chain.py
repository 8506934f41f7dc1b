"""The one place LangChain lives: a ``BaseRetriever`` over the hybrid retrieval any LangChain app can
plug in, and :func:`build_chain`, the Runnable every answer goes through (``Assistant.ask``, and so the
CLI, the UI, the ``/ask`` API and the evaluation).

The chain reads the question, retrieves, composes the extractive answer and, when a chat model is
given (any ``BaseChatModel``: ChatOpenAI for an OpenAI-compatible endpoint such as Ollama, vLLM,
llama.cpp server, DeepSeek, Qwen; or a fake model in tests), asks it to answer from the numbered
passages. Each step carries a run name, so a LangChain tracer shows them as separate spans.

An LLM answer is checked after generation: markers pointing outside the given passages are removed,
and every figure in the answer must appear in a passage the same sentence cites; an answer failing
either check is flagged.

The model is also the answerability check's second reader. The composer's verdict rests on features of
the passages (coverage, similarity, a figure's presence); a model that reads them can tell a passage on
the topic from one that answers ("推进医养结合" for "how many care-home beds"). The prompts ask it to
reply :data:`NO_ANSWER` and why when the passages do not answer; the chain then refuses
(``not_in_reports``), says in the user's language that the model found no answer and what it said is
missing, and shows the extractive answer's passages as the closest, labelled as not an answer. Before,
such a reply cited nothing and fell back to the extractive answer the model had just declined.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import BaseCallbackManager, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.runnables.config import ensure_config, get_callback_manager_for_config, patch_config
from pydantic import SecretStr

from . import answerability
from .answer import Answer, Citation, citation_year, compose, declined_text
from .config import Config
from .errors import LLMError
from .query import language
from .retriever import Hit
from .validate import check_k, check_question

FIGURE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|‰|[万亿千百]?[元人户台家个项件座所公里亩吨条辆次天倍]{0,2})|百分之[零一二三四五六七八九十百点]+"
)
# what the model replies, first, when the passages do not answer the question (the prompts ask for it)
NO_ANSWER = "NO_ANSWER"
SYSTEM_ZH = (
    "你是政府工作报告问答助手。只根据下面编号的段落回答，每句话末尾用[n]标注所依据的段落编号；"
    "段落没有的信息不要写；回答简洁，用中文。"
    f"如果这些段落不能回答问题（例如只谈到相关话题，没有给出所问的数字或措施），只回复 {NO_ANSWER}，"
    "再用一句话说明段落缺少什么，不要标注编号。"
)
SYSTEM_EN = (
    "You answer questions about Chinese government work reports. Use only the numbered passages below. "
    "End every sentence with the [n] marker(s) of the passages it relies on; quote figures exactly as "
    "the passages give them; say nothing the passages do not say. Answer in English. "
    "If the passages do not answer the question (they touch its topic but give no figure or measure "
    f"asked for, say), reply only {NO_ANSWER} followed by one sentence on what they lack, with no markers."
)
# what models write before NO_ANSWER (space, bold, quotes): the gate and the check skip the same
_LEAD = re.compile(r"^[\s*_`\"'“”‘’「」]*")
# NO_ANSWER at the start of a reply, as models write it (bare, in bold or quotes), and the reason after it
_DECLINED = re.compile(rf"{_LEAD.pattern}{NO_ANSWER}[\s*_`\"'“”‘’「」:：,，.。;；\-—]*(.*)$", re.S | re.I)


PROMPT = ChatPromptTemplate.from_messages(
    [("system", "{system}"), ("human", "{passages}\n\n问题 / Question: {question}")]
)


def hit_metadata(h: Hit) -> dict:
    """What a ``Document`` from :class:`ReportRetriever` carries besides its text: enough to cite it
    (report, place, year, section) and to see why it ranked where it did (score, dense, lexical)."""
    c, r = h.chunk, h.report
    return {
        "chunk_id": c.chunk_id,
        "report_id": r.report_id,
        "report": r.title,
        "city": r.city,
        "level": r.level,
        "year": citation_year(r, c.part),
        "reviewed_year": r.reviewed_year,
        "plan_year": r.plan_year,
        "section": c.section,
        "part": c.part,
        "score": float(h.score),
        "dense": float(h.dense),
        "lexical": float(h.lexical),
        "dense_rank": h.dense_rank,
        "lexical_rank": h.lexical_rank,
        "start": c.start,
        "end": c.end,
    }


class ReportRetriever(BaseRetriever):
    """The project's hybrid retrieval (dense + lexical, place/year/part filters) as a LangChain retriever.

    ``invoke``/``ainvoke``/``batch`` come from ``BaseRetriever``; the async path runs the search in a
    worker thread (the search is CPU work, not I/O). Filters given here hold for every query; a query
    that names a place or a year narrows further, as ``rag search`` does.
    """

    assistant: Any
    k: int = 5
    cities: list[str] | None = None
    year: int | None = None
    part: str | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.assistant.search(query, k=self.k, cities=self.cities, year=self.year, part=self.part)
        return [Document(page_content=h.chunk.text, metadata=hit_metadata(h)) for h in result.hits]


def passages_text(hits: list[Hit]) -> str:
    return "\n\n".join(f"[{i}] 《{h.report.title}》 {h.chunk.section}\n{h.chunk.text}" for i, h in enumerate(hits, 1))


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
            if re.fullmatch(r"(19|20)\d\d\s*", fig) or body[m.end() : m.end() + 1] in ("年", "月", "日"):
                continue  # a year or a date is not a figure the passage must contain
            if re.sub(r"\s", "", fig) not in sources:
                problems.append(f"figure '{fig.strip()}' is not in the passages its sentence cites")
        if body.strip() and not marks and re.search(r"\w", body):
            problems.append("a sentence carries no citation marker")
    return text, cited, bool(problems), problems


def checked_answer(raw: str, hits: list[Hit]) -> tuple[str, list[Citation], bool]:
    """The model's answer after the checks: markers renumbered 1..n in citing order, citations for them,
    and the problems appended under ⚠. Raises LLMError (the chain falls back) when it cites nothing."""
    raw = raw.strip()
    if not raw:
        raise LLMError("the model returned an empty answer")
    text, cited, flagged, problems = check_answer(raw, hits)
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
        year = citation_year(r, c.part)
        citations.append(
            Citation(renumber[old], c.chunk_id, c.text, r.title, r.city, year, c.section, c.part, round(h.score, 6), ())
        )
    return text, citations, flagged


def declined(reply: str) -> str | None:
    """The model's reason when its reply says the passages do not answer (:data:`NO_ANSWER` first), one
    line of at most 200 characters ("" when it gave none); None for an answer."""
    m = _DECLINED.match(reply)
    if m is None:
        return None
    reason = " ".join(m.group(1).split())
    return reason[:200].rstrip("。.") if reason else ""


class DeclineGate:
    """Holds back the model's first characters while they may still be :data:`NO_ANSWER`, so a user never
    sees the word stream in before the refusal replaces it; an answer is let through as soon as its
    start differs (a few characters' delay), the held text first."""

    def __init__(self) -> None:
        self.held = ""
        self.open = False

    def feed(self, token: str) -> str:
        """What to show of ``token`` now ("" while held)."""
        if self.open:
            return token
        self.held += token
        head = _LEAD.sub("", self.held).upper()
        if head.startswith(NO_ANSWER) or NO_ANSWER.startswith(head):
            return ""
        self.open = True
        shown, self.held = self.held, ""
        return shown


def chat_model(config: Config) -> BaseChatModel:
    """The configured OpenAI-compatible endpoint as a chat model; LLMError when none is configured."""
    if not config.llm_base_url or not config.llm_model:
        raise LLMError("no LLM endpoint configured (set RAG_LLM_BASE_URL and RAG_LLM_MODEL)")
    try:
        from langchain_openai import ChatOpenAI  # heavy, and needed only with an LLM endpoint

        return ChatOpenAI(
            base_url=config.llm_base_url,
            model=config.llm_model,
            api_key=SecretStr(config.llm_api_key or "none"),
            timeout=config.llm_timeout,
            max_retries=0,
            temperature=0,
        )
    except Exception as exc:
        raise LLMError(_one_line(exc)) from exc


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}"[:300]


class AnswerChain(Runnable[dict, Answer]):
    """question reading → retrieval → composition → (generation → checks): one Runnable, one ``Answer``.

    Input: ``{"question": str, "history": [earlier questions], "k", "cities", "year", "part"}`` (a bare
    string is a question). ``invoke`` returns the :class:`~rag.answer.Answer` ``Assistant.ask`` returns;
    ``stream`` yields ``str`` pieces as the model produces them (without a model, or when it is not
    asked, the extractive text as one piece) and, last, the ``Answer``, which is authoritative: after a
    failure mid-stream it carries the extractive answer and the note saying why. Only an ``answered``
    verdict goes to the model; a refusal is returned as the composer wrote it.
    """

    name = "govreport_rag"

    def __init__(self, assistant, llm: BaseChatModel | None = None):
        self.assistant = assistant
        self.llm = llm
        self.read_question = RunnableLambda(self._read_question, name="read_question")
        self.retrieve = RunnableLambda(self._retrieve, name="retrieve")
        self.compose = RunnableLambda(self._compose, name="compose")
        self.generate = (PROMPT | llm | StrOutputParser()).with_config(run_name="generate") if llm else None
        self.check: RunnableLambda[dict, tuple[str, list[Citation], bool]] = RunnableLambda(
            lambda x: checked_answer(x["raw"], x["hits"]), name="check"
        )

    @property
    def InputType(self) -> type:  # noqa: N802 (LangChain's name)
        return dict

    @property
    def OutputType(self) -> type:  # noqa: N802
        return Answer

    # ------------------------------------------------------------ the steps

    def _read_question(self, inp) -> dict:
        inp = {"question": inp} if isinstance(inp, str) else dict(inp)
        question, notes = check_question(inp.get("question") if isinstance(inp.get("question"), str) else "")
        a = self.assistant
        k = check_k(inp.get("k"), a.config.k)
        history = [h for h in (inp.get("history") or []) if isinstance(h, str) and h.strip()]
        searched = a.rewrite_followup(question, history) if history else question
        # the model embeds the question while it is read, when its dense query is known already
        pending = a.retriever.start_embedding(searched)
        return {
            "question": question,
            "notes": notes,
            "k": k,
            "searched": searched,
            "pending": pending,
            "info": a.retriever.read(searched),
            "cities": inp.get("cities"),
            "year": inp.get("year"),
            "part": inp.get("part"),
        }

    def _retrieve(self, s: dict) -> dict:
        result = self.assistant.retriever.search(
            s["searched"],
            s["k"],
            cities=s["cities"],
            year=s["year"],
            part=s["part"],
            info=s["info"],
            candidates=self.assistant.config.candidates,
            pending=s.get("pending"),
        )
        return {**s, "result": result}

    def _compose(self, s: dict) -> dict:
        a, result = self.assistant, s["result"]
        qvec = result.query_vector if result.query_vector is not None else a.encoder.encode_queries([s["searched"]])[0]
        composed = compose(
            s["info"],
            result.hits,
            a.index,
            a.retriever.catalog,
            qvec,
            s["k"],
            a.composer,
            answerability.load_model(a.encoder.name),
            a.sentence_vectors,
            result.dense_spread,
            result.lexical_contrast,
        )
        return {**s, "composed": composed}

    def _pieces(self, inp, config: RunnableConfig) -> Iterator[str | Answer]:
        t0 = time.perf_counter()
        s = _step(self.retrieve, _step(self.read_question, inp, config), config)
        t1 = time.perf_counter()
        s = _step(self.compose, s, config)
        composed, result, notes = s["composed"], s["result"], s["notes"]
        text, citations, verdict = composed.text, composed.citations, composed.verdict
        mode, flagged, streamed = "extractive", False, False
        if self.generate is not None and verdict.found:
            hits = result.hits[: s["k"]]
            parts: list[str] = []
            gate = DeclineGate()
            try:
                system = SYSTEM_EN if s["info"].lang == "en" else SYSTEM_ZH
                for token in self.generate.stream(
                    {"system": system, "passages": passages_text(hits), "question": s["searched"]}, config
                ):
                    if token:
                        parts.append(token)
                        shown = gate.feed(token)
                        if shown:
                            streamed = True
                            yield shown
                reason = declined("".join(parts))
                if reason is not None:
                    text = declined_text(s["info"], reason, composed.text)
                    verdict = dataclasses.replace(verdict, status=answerability.NOT_IN_REPORTS)
                    notes.append("the language model found no answer in the passages")
                else:
                    if gate.held:  # an answer shorter than the word held back
                        streamed = True
                        yield gate.held
                    text, citations, flagged = self.check.invoke({"raw": "".join(parts), "hits": hits}, config)
                mode = "llm"
            except Exception as exc:  # network errors, timeouts, malformed replies, failed checks: fall back
                reason = str(exc) if isinstance(exc, LLMError) else _one_line(exc)
                notes.append(f"LLM unavailable, extractive answer shown instead: {reason}")
        if not streamed:
            yield text
        t2 = time.perf_counter()
        filters = {**result.filters.as_dict(), **{"read_from_question": s["info"].as_dict()}}
        question = s["question"]
        yield Answer(
            question,
            text,
            verdict.found,
            filters,
            citations,
            {**result.timings_ms, "retrieve": (t1 - t0) * 1000, "answer": (t2 - t1) * 1000, "total": (t2 - t0) * 1000},
            lang=language(question),
            searched_question=s["searched"],
            notes=notes,
            hits=result.hits,
            flagged=flagged,
            mode=mode,
            status=verdict.status,
            verdict=verdict,
        )

    # ------------------------------------------------------------ the Runnable interface

    # by design the stream yields the answer's str tokens before the final Answer: not Runnable's Iterator[Output]
    def stream(  # type: ignore[override]
        self, input, config: RunnableConfig | None = None, **kwargs
    ) -> Iterator[str | Answer]:
        config = ensure_config(config)
        run = get_callback_manager_for_config(config).on_chain_start(
            None,
            input if isinstance(input, dict) else {"question": input},
            name=config.get("run_name") or self.get_name(),
            run_id=config.pop("run_id", None),
        )
        child = patch_config(config, callbacks=run.get_child())
        final = None
        try:
            for piece in self._pieces(input, child):
                final = piece
                yield piece
        except BaseException as exc:
            run.on_chain_error(exc)
            raise
        run.on_chain_end(
            {
                "answer": final.answer if isinstance(final, Answer) else final,
                "status": getattr(final, "status", None),
                "mode": getattr(final, "mode", None),
            }
        )

    def invoke(self, input, config: RunnableConfig | None = None, **kwargs) -> Answer:
        final = None
        for piece in self.stream(input, config, **kwargs):
            final = piece
        assert isinstance(final, Answer), "the chain's stream ends with its Answer"
        return final

    async def astream(  # type: ignore[override]  # str tokens, then the Answer, as in stream
        self, input, config: RunnableConfig | None = None, **kwargs
    ) -> AsyncIterator[str | Answer]:
        """The sync stream in a worker thread, its pieces handed over as they come (retrieval and the
        composer are CPU work; any chat model streams synchronously)."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        done = object()

        def work():
            try:
                for piece in self.stream(input, config, **kwargs):
                    loop.call_soon_threadsafe(queue.put_nowait, (piece, None))
            except BaseException as exc:  # handed to the awaiting side
                loop.call_soon_threadsafe(queue.put_nowait, (None, exc))
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, (done, None))

        worker = loop.run_in_executor(None, work)
        try:
            while True:
                piece, exc = await queue.get()
                if exc is not None:
                    raise exc
                if piece is done:
                    break
                yield piece
        finally:
            await worker

    async def ainvoke(self, input, config: RunnableConfig | None = None, **kwargs) -> Answer:
        final = None
        async for piece in self.astream(input, config, **kwargs):
            final = piece
        assert isinstance(final, Answer), "the chain's stream ends with its Answer"
        return final


def _step(step: RunnableLambda, inp: Any, config: RunnableConfig) -> Any:
    """One step of the chain: invoked as a Runnable (its own span) when a handler listens, else its
    function called directly. A Runnable's run bookkeeping costs ~0.3 ms a step on a 2-core machine,
    paid for nothing when nobody records the run; ``config`` is the chain run's child config, whose
    callback manager already holds every handler a step would get (passed, inherited, or the tracer
    the environment turns on)."""
    callbacks = config.get("callbacks")
    if isinstance(callbacks, BaseCallbackManager) and not callbacks.handlers and not callbacks.inheritable_handlers:
        return step.func(inp)
    return step.invoke(inp, config)


def build_chain(assistant, llm: BaseChatModel | None = None) -> AnswerChain:
    """The answering chain over ``assistant``: extractive when ``llm`` is None, else generated by ``llm``
    from the retrieved passages and checked (see :class:`AnswerChain`)."""
    return AnswerChain(assistant, llm)


__all__ = ["AnswerChain", "ReportRetriever", "build_chain", "chat_model", "check_answer", "hit_metadata"]
