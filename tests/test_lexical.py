"""jieba behind one tokenize(): words, whole figures, lower-case Latin words."""

from __future__ import annotations

import pytest

from rag.lexical import BM25, bigrams, terms, tokenize


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
    assert must_have <= set(tokenize(text))


@pytest.mark.parametrize("text", ["", "，。！？", "   "])
def test_tokenize_of_nothing_is_empty(text):
    assert tokenize(text) == []


def test_bigrams_back_up_words_jieba_splits():
    assert "质生" in bigrams("新质生产力")


def test_bm25_ranks_the_document_with_the_query_terms_first():
    docs = [terms("大气污染防治，空气质量优良天数"), terms("地区生产总值增长6.5%"), terms("城镇新增就业9000人")]
    bm = BM25.build(docs)
    scores = bm.scores(terms("地区生产总值增长多少"))
    assert scores.argmax() == 1 and scores[0] == 0
