"""The question path's shortcuts give what the long way gives: BM25 scores read from the matrix's
arrays, the question's vector embedded while it is read, the place and gazetteer lookups kept per
index. Correctness only; how fast they are is for benchmarks/."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import Future

import numpy as np
import pytest

from rag import gazetteer
from rag.places import place_mentions
from rag.retriever import PendingVector


def _scores_by_getcol(bm25, terms: list[str]) -> np.ndarray:
    """BM25 scores the way they were computed before: one scipy column per distinct term."""
    out = np.zeros(bm25.weights.shape[0], dtype=np.float32)
    for term in Counter(terms):
        j = bm25.vocab.get(term)
        if j is None:
            continue
        col = bm25.weights.getcol(j)
        out[col.indices] += (bm25.bigram_weight if term.startswith("§") else 1.0) * col.data
    return out


@pytest.mark.parametrize(
    "text",
    ["海东2023年地区生产总值预期增长多少？", "GDP 增长 增长 8.2% 就业", "没有这个词汇的问题", "", "What about jobs?"],
)
def test_bm25_scores_equal_the_column_by_column_sum(fast_assistant, text):
    index = fast_assistant.index
    terms = index.tokenizer.terms(text) + ["§不存在", "未知词"]
    assert np.array_equal(index.bm25.scores(terms), _scores_by_getcol(index.bm25, terms))


QUESTIONS = ["海东2023年地区生产总值预期增长多少？", "What GDP growth target did Jinan set for 2023?"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_question_embedded_while_it_is_read_gets_the_same_hits(fast_assistant, question):
    retriever = fast_assistant.retriever
    info = retriever.read(question)
    plain = retriever.search(question, 5, info=info, pending=_ready(info.dense_query, fast_assistant))
    for result in (
        retriever.search(question, 5),  # starts its own
        retriever.search(question, 5, info=info, pending=retriever.start_embedding(question)),
    ):
        assert [h.chunk.chunk_id for h in result.hits] == [h.chunk.chunk_id for h in plain.hits]
        assert [h.score for h in result.hits] == [h.score for h in plain.hits]
        assert np.array_equal(result.query_vector, plain.query_vector)


def test_only_a_question_whose_dense_query_needs_no_reading_is_embedded_before_reading(fast_assistant):
    retriever = fast_assistant.retriever
    pending = retriever.start_embedding(QUESTIONS[0])
    assert (
        pending is not None
        and pending.text == retriever.read(QUESTIONS[0]).dense_query == "2023年地区生产总值预期增长多少？"
    )
    assert retriever.start_embedding(QUESTIONS[1]) is None  # English: its dense query carries Chinese terms


def test_a_vector_pending_for_another_text_is_not_used(fast_assistant):
    retriever = fast_assistant.retriever
    question = QUESTIONS[0]
    wrong = PendingVector("另一个问题", _future(np.ones(fast_assistant.encoder.dim, np.float32)))
    result = retriever.search(question, 5, pending=wrong)
    expected = fast_assistant.encoder.encode_queries([retriever.read(question).dense_query])[0]
    assert np.array_equal(result.query_vector, expected)


def test_place_mentions_are_the_same_question_after_question(fast_assistant):
    places = fast_assistant.retriever.catalog.title_places
    for q in ["海东和西宁2023年的目标", "Xining and Haidong", "海东市海东"] * 2:
        assert place_mentions(q, places) == place_mentions(q, dict(places))
    assert place_mentions("海东和西宁", {"海东市": "海东市"}) == [(0, 2, "海东市")]


def test_the_gazetteer_measures_its_longest_name_again_for_another_index(monkeypatch):
    long_name = "某某某某某某某某某某某某某某某某某某某某某某某某自治县"
    division = gazetteer.Division(long_name, "county", "某省", "某市", long_name[:-3])
    monkeypatch.setattr(gazetteer, "chinese_index", lambda: {long_name: (division,)})
    assert [m.text for m in gazetteer.find_chinese(f"{long_name}的人口")] == [long_name]


def _future(value) -> Future:
    f: Future = Future()
    f.set_result(value)
    return f


def _ready(text: str, assistant) -> PendingVector:
    return PendingVector(text, _future(assistant.encoder.encode_queries([text])[0]))


class _Counting:
    """An embedding function that records its calls; a text's vector is a function of the text only."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.stack([np.full(4, float(len(t)), np.float32) + np.arange(4) for t in texts])


def test_vectors_kept_on_disk_come_back_in_a_later_process_without_embedding(tmp_path):
    from rag.embedcache import EmbeddingCache
    from rag.retriever import VectorCache

    first = _Counting()
    store = EmbeddingCache(tmp_path / "embeddings.sqlite", "query-alone|m", any_thread=True)
    made = VectorCache(first, 100, store)(["就业", "岗位", "就业"])
    assert first.calls == [["就业"], ["岗位"]]
    later = _Counting()  # another process: a fresh in-memory cache over the same file
    again = VectorCache(later, 100, EmbeddingCache(tmp_path / "embeddings.sqlite", "query-alone|m"))
    assert np.array_equal(again(["岗位", "就业", "就业"]), made[[1, 0, 0]]) and later.calls == []
    other_model = _Counting()  # vectors are filed under the model and runtime: another one embeds afresh
    VectorCache(other_model, 100, EmbeddingCache(tmp_path / "embeddings.sqlite", "query-alone|other"))(["就业"])
    assert other_model.calls == [["就业"]]


def test_the_stores_are_filed_per_kind_and_encoder(tmp_path, keyword_encoder):
    from rag.retriever import vector_store

    assert vector_store(None, keyword_encoder, "query") is None
    q, p = vector_store(tmp_path, keyword_encoder, "query"), vector_store(tmp_path, keyword_encoder, "passage")
    assert q is not None and p is not None and q.model != p.model
    assert keyword_encoder.name in q.model


@pytest.mark.model
def test_a_kept_vector_equals_the_text_embedded_alone_whatever_came_with_it(encoder):
    from rag.retriever import VectorCache

    cache = VectorCache(encoder.encode_queries, 100)
    together = cache(["就业", "城镇新增就业", "空气质量优良天数比例"])
    for i, t in enumerate(["就业", "城镇新增就业", "空气质量优良天数比例"]):
        assert np.array_equal(together[i], encoder.encode_queries([t])[0])
    # the same text embedded beside longer ones: the int8 model's vector moves (why texts go alone)
    beside = encoder.encode_queries(["就业", "城镇新增就业", "空气质量优良天数比例"])[0]
    assert not np.array_equal(beside, together[0])


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_chunks_best_sentence_score_equals_the_max_over_its_own_sentences(fast_assistant, question):
    index = fast_assistant.index
    qvec = fast_assistant.encoder.encode_queries([question])[0]
    best = index.sentence_max_scores(qvec)
    assert best is not None and best.shape == (len(index.chunks),)
    sims = index.sentence_vectors @ qvec
    for row in range(len(index.chunks)):
        a, b = index.sentence_span(row)
        if b > a:
            assert best[row] == pytest.approx(float(sims[a:b].max()), abs=1e-5)
        else:
            assert np.isnan(best[row])


def test_a_hit_reports_its_passages_own_cosine_whatever_the_dense_side_ranked_by(fast_assistant):
    """The ranking blends in the best sentence's score; the hit's dense score (an answerability
    feature, calibrated on passage cosines) stays the passage's."""
    result = fast_assistant.search(QUESTIONS[0], k=5)
    index = fast_assistant.index
    for hit in result.hits:
        row = index.chunk_row[hit.chunk.chunk_id]
        own = float(index.all_dense_scores(result.query_vector)[row])
        assert hit.dense == pytest.approx(own, abs=1e-5)


def test_best_sentence_scores_of_some_rows_equal_those_of_all_rows(fast_assistant):
    index = fast_assistant.index
    qvec = fast_assistant.encoder.encode_queries([QUESTIONS[0]])[0]
    every = index.sentence_max_scores(qvec)
    rows = np.array([0, 2, 3, len(index.chunks) - 1])
    some = index.sentence_max_scores(qvec, rows)
    assert np.allclose(some[rows], every[rows], equal_nan=True)
    others = np.setdiff1d(np.arange(len(index.chunks)), rows)
    assert np.isnan(some[others]).all()


def test_best_sentence_scores_of_every_row_named_equal_those_of_all_rows(fast_assistant):
    """A question without a filter names every row in scope; it is scored as all rows (in place),
    and a permutation of every row (the gathered way) gives the same scores."""
    index = fast_assistant.index
    qvec = fast_assistant.encoder.encode_queries([QUESTIONS[0]])[0]
    every = index.sentence_max_scores(qvec)
    n = len(index.chunks)
    assert np.array_equal(index.sentence_max_scores(qvec, np.arange(n)), every, equal_nan=True)
    shuffled = np.random.default_rng(0).permutation(n)
    assert np.allclose(index.sentence_max_scores(qvec, shuffled), every, equal_nan=True)


def test_dense_scores_of_a_filters_rows_equal_those_of_all_rows(fast_assistant):
    """A filter's rows are scored on their own span; their scores are exactly those every row gets."""
    index = fast_assistant.index
    qvec = fast_assistant.encoder.encode_queries([QUESTIONS[0]])[0]
    every = index.all_dense_scores(qvec)
    rows = np.arange(3, min(9, len(index.chunks)))
    some = index.all_dense_scores(qvec, rows=rows)
    assert np.array_equal(some[rows], every[rows])
    assert np.isnan(np.delete(some, rows)).all()
    assert np.array_equal(index.all_dense_scores(qvec, rows=np.arange(len(index.chunks))), every)
