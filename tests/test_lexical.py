"""jieba behind one Tokenizer per index: words, whole figures, lower-case Latin words; an index's own
words change how that index tokenises, and nothing else in the process."""

from __future__ import annotations

import pytest

from rag.lexical import BM25, PLAIN, Tokenizer, bigrams


@pytest.mark.parametrize(
    "text,must_have",
    [
        ("海东2023年地区生产总值预期增长多少？", {"海东", "生产总值", "增长"}),
        ("RAG 系统的召回率", {"rag", "系统"}),
        ("增长8.2%，新增521台设备，1.2万人", {"8.2%", "521台", "1.2万人"}),
        ("（一）坚持人民至上、知重负重", {"人民"}),
    ],
)
def test_tokenize_keeps_words_and_figures(text, must_have):
    assert must_have <= set(PLAIN.tokenize(text))


@pytest.mark.parametrize("text", ["", "，。！？", "   "])
def test_tokenize_of_nothing_is_empty(text):
    assert PLAIN.tokenize(text) == []


def test_bigrams_back_up_words_jieba_splits():
    assert "质生" in bigrams("新质生产力")


def test_bm25_ranks_the_document_with_the_query_terms_first():
    docs = [
        PLAIN.terms("大气污染防治，空气质量优良天数"),
        PLAIN.terms("地区生产总值增长6.5%"),
        PLAIN.terms("城镇新增就业9000人"),
    ]
    bm = BM25.build(iter(docs))  # counted as they come: a generator of documents is enough
    scores = bm.scores(PLAIN.terms("地区生产总值增长多少"))
    assert scores.argmax() == 1 and scores[0] == 0


def test_two_indexes_words_never_change_each_others_tokens():
    import jieba

    text = "坚持一优两高战略，建设幸福西宁"
    plain = PLAIN.segment(text)
    first = Tokenizer(["一优两高"])
    second = Tokenizer(["幸福西宁"])
    assert "一优两高" in first.segment(text) and "一优两高" not in plain
    assert "幸福西宁" in second.segment(text) and "幸福西宁" not in first.segment(text)
    assert "一优两高" not in second.segment(text)
    # and nothing outside them changed: the plain tokenizer, jieba's own default one
    assert PLAIN.segment(text) == plain
    assert "一优两高" not in jieba.lcut(text) and "幸福西宁" not in jieba.lcut(text)
    assert "一优两高" in first.tokenize(text) and "一优两高" in first.segment_for_search(text)
