"""The LangChain side: the retriever any LangChain app can plug in, and the one answering chain
(``rag.build_chain``), run with langchain_core's fake chat models so the streaming order, the
citation checks, the fallback and the follow-up history are tested without a server."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.language_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

import rag
from rag import Answer, build_chain

pytestmark = pytest.mark.model
QUESTION = "海东2023年地区生产总值预期增长多少？"
README = Path(__file__).parent.parent / "README.md"


def _same(a: Answer, b: Answer) -> None:
    ja, jb = a.to_json(), b.to_json()
    ja.pop("timings_ms"), jb.pop("timings_ms")
    assert ja == jb


def _reference(assistant, question: str, k: int | None = None, cities=None, history=None) -> Answer:
    """What ``Assistant.ask`` did before it went through the chain, step by step, written out here so
    the chain is compared with something other than itself."""
    from rag import answerability
    from rag.answer import compose
    from rag.query import language
    from rag.validate import check_k, check_question

    question, notes = check_question(question)
    k = check_k(k, assistant.config.k)
    searched = assistant.rewrite_followup(question, history) if history else question
    info = assistant.retriever.read(searched)
    result = assistant.retriever.search(searched, k, cities=cities, info=info, candidates=assistant.config.candidates)
    qvec = result.query_vector if result.query_vector is not None else assistant.encoder.encode_queries([searched])[0]
    composed = compose(
        info,
        result.hits,
        assistant.index,
        assistant.retriever.catalog,
        qvec,
        k,
        assistant.composer,
        answerability.load_model(assistant.encoder.name),
        assistant.sentence_vectors,
        result.dense_spread,
        result.lexical_contrast,
    )
    filters = {**result.filters.as_dict(), **{"read_from_question": info.as_dict()}}
    return Answer(
        question,
        composed.text,
        composed.found,
        filters,
        composed.citations,
        {},
        lang=language(question),
        searched_question=searched,
        notes=notes,
        hits=result.hits,
        status=composed.verdict.status,
        verdict=composed.verdict,
    )


def _n_with(assistant, text: str, k: int = 5) -> int:
    """The 1-based number of the passage holding ``text`` among those the chain gives the model."""
    hits = assistant.search(QUESTION, k=k).hits
    return next(i for i, h in enumerate(hits, 1) if text in h.chunk.text)


class Spans(BaseCallbackHandler):
    """A local tracer: the names of the runs the chain reports, and the prompts the model gets."""

    def __init__(self):
        self.names: list[str] = []
        self.prompts: list[str] = []

    def on_chain_start(self, serialized, inputs, **kwargs):
        self.names.append(kwargs.get("name") or (serialized or {}).get("name"))

    def on_chat_model_start(self, serialized, messages, **kwargs):
        self.names.append("chat_model")
        self.prompts.append("\n".join(m.content for m in messages[0]))


# ---------------------------------------------------------------- the retriever


def test_as_retriever_is_a_langchain_retriever_with_the_passages_metadata(assistant):
    retriever = assistant.as_retriever(k=3)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(QUESTION)
    assert len(docs) == 3 and all(isinstance(d, Document) for d in docs)
    hits = assistant.search(QUESTION, k=3).hits
    assert [d.metadata["chunk_id"] for d in docs] == [h.chunk.chunk_id for h in hits]
    meta = docs[0].metadata
    for key in (
        "chunk_id",
        "report",
        "city",
        "level",
        "year",
        "reviewed_year",
        "plan_year",
        "section",
        "part",
        "score",
        "dense",
        "lexical",
        "start",
        "end",
    ):
        assert key in meta, key
    assert docs[0].page_content == hits[0].chunk.text and meta["start"] < meta["end"]
    assert meta["city"] == "海东市" and meta["year"] == 2023


def test_the_retrievers_filters_hold_for_every_query(assistant):
    xining = assistant.as_retriever(k=5, cities=["西宁市"]).invoke("城镇新增就业")
    assert xining and {d.metadata["city"] for d in xining} == {"西宁市"}
    plans = assistant.as_retriever(k=5, part="plan").invoke("地区生产总值")
    assert plans and {d.metadata["part"] for d in plans} == {"plan"}
    year = assistant.as_retriever(k=5, year=2023).invoke("地区生产总值增长")
    assert year and all(2023 in (d.metadata["reviewed_year"], d.metadata["plan_year"]) for d in year)


def test_the_retriever_works_async_and_in_batches(assistant):
    retriever = assistant.as_retriever(k=2)
    sync = retriever.invoke(QUESTION)
    docs = asyncio.run(retriever.ainvoke(QUESTION))
    assert [d.metadata["chunk_id"] for d in docs] == [d.metadata["chunk_id"] for d in sync]
    batch = retriever.batch([QUESTION, "西宁2020年城镇新增就业目标是多少？"])
    assert len(batch) == 2 and batch[0][0].metadata["chunk_id"] == sync[0].metadata["chunk_id"]
    assert batch[1][0].metadata["city"] == "西宁市"


# ---------------------------------------------------------------- the chain without a model


def test_rag_exports_the_chain_and_it_is_a_runnable(assistant):
    assert "build_chain" in rag.__all__
    assert isinstance(build_chain(assistant), Runnable)


@pytest.mark.parametrize(
    "question",
    [
        QUESTION,
        "西宁2020年城镇新增就业目标是多少？",
        "兰州2023年GDP增长目标是多少",
        "What GDP growth did Xining target for 2023?",
    ],
)
def test_the_extractive_chain_returns_exactly_what_the_answer_layer_composes(assistant, question):
    chained = build_chain(assistant).invoke({"question": question})
    _same(chained, _reference(assistant, question))
    _same(chained, assistant.ask(question))


def test_filters_k_and_history_go_through_the_chain(assistant):
    chain = build_chain(assistant)
    _same(
        chain.invoke({"question": "地区生产总值", "cities": ["西宁市"], "k": 3}),
        _reference(assistant, "地区生产总值", cities=["西宁市"], k=3),
    )
    history = ["西宁2020年城镇新增就业目标是多少？"]
    answer = chain.invoke({"question": "那海东呢？", "history": history})
    assert "海东" in answer.searched_question and "就业" in answer.searched_question
    _same(answer, _reference(assistant, "那海东呢？", history=history))


def test_the_extractive_stream_is_the_text_then_the_answer(assistant):
    pieces = list(build_chain(assistant).stream({"question": QUESTION}))
    assert isinstance(pieces[-1], Answer) and pieces[-1].mode == "extractive"
    assert "".join(p for p in pieces[:-1]) == pieces[-1].answer


def test_batch_and_async_give_the_same_answers(assistant):
    chain = build_chain(assistant)
    questions = [{"question": QUESTION}, {"question": "西宁2020年城镇新增就业目标是多少？"}]
    batch = chain.batch(questions)
    for got, q in zip(batch, questions, strict=False):
        _same(got, assistant.ask(q["question"]))
    _same(asyncio.run(chain.ainvoke(questions[0])), batch[0])

    async def collect():
        return [p async for p in chain.astream(questions[1])]

    pieces = asyncio.run(collect())
    _same(pieces[-1], batch[1])


def test_a_bad_question_raises_the_same_error_through_the_chain(assistant):
    with pytest.raises(rag.QuestionError):
        build_chain(assistant).invoke({"question": "   "})


# ---------------------------------------------------------------- the chain with a chat model


def test_the_models_tokens_stream_in_order_before_the_checked_answer(assistant):
    n = _n_with(assistant, "5%左右")
    reply = f"海东市 2023年 地区生产总值 预期增长 5%左右[{n}]。"
    model = GenericFakeChatModel(messages=iter([AIMessage(content=reply)]))
    pieces = list(build_chain(assistant, model).stream({"question": QUESTION}))
    tokens, answer = pieces[:-1], pieces[-1]
    assert len(tokens) > 3 and all(isinstance(t, str) for t in tokens) and "".join(tokens) == reply
    assert isinstance(answer, Answer) and answer.mode == "llm" and not answer.flagged
    assert answer.answer.endswith("[1]。") and [c.n for c in answer.citations] == [1]
    assert "5%左右" in answer.citations[0].text


def test_a_figure_the_cited_passage_lacks_is_flagged(assistant):
    model = FakeListChatModel(responses=["海东2023年地区生产总值预期增长12.5%[1]。"])
    answer = build_chain(assistant, model).invoke({"question": QUESTION})
    assert answer.mode == "llm" and answer.flagged and "12.5%" in answer.answer.split("⚠")[-1]


def test_a_marker_outside_the_passages_is_removed_and_flagged(assistant):
    model = FakeListChatModel(responses=["海东2023年地区生产总值增长5%左右[1]。另有说法[9]。"])
    answer = build_chain(assistant, model).invoke({"question": QUESTION, "k": 3})
    body, _, warning = answer.answer.partition("⚠")
    assert answer.flagged and "[9]" not in body and "removed marker [9]" in warning


@pytest.mark.parametrize(
    "model",
    [
        FakeListChatModel(
            responses=["海东市地区生产总值预期增长5%左右[1]。"], error_on_chunk_number=3
        ),  # fails mid-stream
        FakeListChatModel(responses=["增长目标是五个百分点。"]),  # cites nothing
        FakeListChatModel(responses=[""]),  # says nothing
    ],
    ids=["fails-mid-stream", "no-citation", "empty"],
)
def test_a_failing_model_falls_back_to_the_extractive_answer(assistant, model):
    answer = build_chain(assistant, model).invoke({"question": QUESTION})
    extractive = assistant.ask(QUESTION)
    assert answer.mode == "extractive" and answer.answer == extractive.answer
    assert [c.chunk_id for c in answer.citations] == [c.chunk_id for c in extractive.citations]
    assert any(n.startswith("LLM unavailable") for n in answer.notes)


def test_a_refusal_never_goes_to_the_model(assistant):
    spans = Spans()
    model = FakeListChatModel(responses=["兰州增长6%[1]。"])
    answer = build_chain(assistant, model).invoke({"question": "兰州2023年GDP增长目标是多少"}, {"callbacks": [spans]})
    assert answer.status == "place_not_indexed" and answer.mode == "extractive"
    assert "chat_model" not in spans.names and "generate" not in spans.names
    _same(answer, assistant.ask("兰州2023年GDP增长目标是多少"))


def test_a_follow_up_reaches_the_model_with_the_topic_of_the_question_before(assistant):
    spans = Spans()
    model = FakeListChatModel(responses=["海东市城镇新增就业目标[1]。"])
    answer = build_chain(assistant, model).invoke(
        {"question": "那海东呢？", "history": ["西宁2023年城镇新增就业目标是多少？"]}, {"callbacks": [spans]}
    )
    assert answer.mode == "llm"
    question_line = spans.prompts[0].rsplit("问题 / Question:", 1)[1]
    assert "海东" in question_line and "就业" in question_line and "西宁" not in question_line


def test_a_tracer_sees_each_step_as_its_own_span(assistant):
    spans = Spans()
    model = FakeListChatModel(responses=["海东2023年地区生产总值增长5%左右[1]。"])
    build_chain(assistant, model).invoke({"question": QUESTION}, {"callbacks": [spans]})
    order = [
        n
        for n in spans.names
        if n in ("govreport_rag", "read_question", "retrieve", "compose", "generate", "chat_model", "check")
    ]
    assert order == ["govreport_rag", "read_question", "retrieve", "compose", "generate", "chat_model", "check"]


def test_without_a_listener_the_steps_run_unwrapped_and_answer_as_a_traced_run_does(assistant, monkeypatch):
    """No handler records the run, so the steps' functions are called directly (a Runnable's
    bookkeeping per step is paid for nothing); the answer is the one a traced run gives."""
    traced = build_chain(assistant).invoke({"question": QUESTION}, {"callbacks": [Spans()]})
    invoked: list[str] = []
    original = RunnableLambda.invoke
    monkeypatch.setattr(
        RunnableLambda, "invoke", lambda self, *a, **kw: invoked.append(self.name) or original(self, *a, **kw)
    )
    plain = build_chain(assistant).invoke({"question": QUESTION})
    assert invoked == []
    _same(plain, traced)


def test_the_model_streams_through_astream_too(assistant):
    n = _n_with(assistant, "5%左右")
    reply = f"海东市 预期增长 5%左右[{n}]。"
    chain = build_chain(assistant, GenericFakeChatModel(messages=iter([AIMessage(content=reply)])))

    async def collect():
        return [p async for p in chain.astream({"question": QUESTION})]

    pieces = asyncio.run(collect())
    assert "".join(pieces[:-1]) == reply and len(pieces) > 3 and pieces[-1].mode == "llm"


# ---------------------------------------------------------------- the README's examples


def _readme_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Use it from LangChain", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_readme_shows_two_langchain_examples():
    assert len(_readme_blocks()) == 2


@pytest.mark.parametrize("i", [0, 1])
def test_the_readme_langchain_examples_run(assistant, i):
    """The README's code as written, with a fake chat model standing in for the reader's and the
    test index standing in for ``Assistant.load()``."""
    code = _readme_blocks()[i]
    n = _n_with(assistant, "5%左右")
    fake = FakeListChatModel(responses=[f"预期增长5%左右[{n}]。"])
    code = re.sub(r"^llm = .*$", "llm = fake", code, flags=re.M)
    code = re.sub(r"^assistant = Assistant\.load\(.*\)$", "assistant = test_assistant", code, flags=re.M)
    assert "llm = fake" in code and "assistant = test_assistant" in code
    scope = {"fake": fake, "test_assistant": assistant, "print": lambda *a, **k: None}
    exec(compile(code, f"README.md example {i + 1}", "exec"), scope)
    assert "5%左右" in str(scope["result"])


def test_ask_and_the_http_api_answer_through_the_chain(assistant, monkeypatch):
    """One path, not two: Assistant.ask (and so the CLI, the UI, /ask and the evaluation) builds the chain."""
    import rag.chain
    from ui.handlers import api_ask

    built = []
    real = rag.chain.build_chain
    monkeypatch.setattr(rag.chain, "build_chain", lambda a, llm=None: built.append(llm) or real(a, llm))
    assistant.ask(QUESTION)
    data = api_ask(assistant, QUESTION, 3)
    assert built == [None, None] and data["status"] == "answered" and len(data["citations"]) <= 3


def test_an_english_question_gets_the_models_refusal_in_english_and_the_word_never_streams(assistant):
    question = "What GDP growth did Haidong target for 2023?"
    model = GenericFakeChatModel(messages=iter([AIMessage(content="**NO_ANSWER** The passages give no target.")]))
    pieces = list(build_chain(assistant, model).stream({"question": question}))
    tokens, answer = pieces[:-1], pieces[-1]
    assert isinstance(answer, Answer) and answer.status == "not_in_reports" and answer.mode == "llm"
    assert tokens == [answer.answer]  # the refusal alone: no piece of the model's reply was shown
    assert answer.answer.startswith("Not found: the language model read the passages found in the report of Haidong")
    assert "(The passages give no target)" in answer.answer and "(not an answer)" in answer.answer
    assert answer.citations and all("NO_ANSWER" not in t for t in tokens)


def test_a_short_answer_held_back_as_a_possible_refusal_still_streams(assistant):
    n = _n_with(assistant, "5%左右")
    model = FakeListChatModel(responses=[f"N[{n}]"])  # "N" may start the word: held, then shown
    pieces = list(build_chain(assistant, model).stream({"question": QUESTION}))
    tokens, answer = pieces[:-1], pieces[-1]
    assert "".join(tokens) == f"N[{n}]" and answer.mode == "llm" and answer.found


def test_the_governments_own_conduct_speaks_for_the_plan_year_and_an_explicit_part_keeps_it_apart(assistant):
    """The section on the government's own conduct pledges it for the coming year: its documents carry
    the plan's year, as the extractive answer's citations do; asked for by its own part, only it comes."""
    conduct = assistant.as_retriever(k=5, part="government").invoke("加强政府自身建设，提升履职能力")
    assert conduct and {d.metadata["part"] for d in conduct} == {"government"}
    assert all(d.metadata["year"] == d.metadata["plan_year"] for d in conduct)
    plans = assistant.as_retriever(k=5, part="plan").invoke("加强政府自身建设，提升履职能力")
    assert plans and {d.metadata["part"] for d in plans} == {"plan"}
