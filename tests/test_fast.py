"""The fast layer: the whole ask path (index, retrieval, composition, citation checks) over the fixture
corpus with the keyword encoder of conftest.py. No model, no browser, no LLM server."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import Encoder, KeywordEncoder  # tests/ is on sys.path (pytest rootdir conftest)

from rag.errors import QuestionError


def test_the_keyword_encoder_and_the_real_one_share_the_encoder_protocol():
    from rag.encoder import Encoder as RealEncoder

    assert isinstance(KeywordEncoder(), Encoder)
    assert all(hasattr(RealEncoder, m) for m in ("name", "encode_queries", "encode_passages"))


def test_the_keyword_encoder_puts_shared_keywords_close(keyword_encoder):
    q, same, other = keyword_encoder.encode_queries(["地区生产总值增长", "地区生产总值预期增长6%", "大气污染治理"])
    assert abs(float(q @ q) - 1.0) < 1e-5
    assert float(q @ same) > float(q @ other)


def test_a_chinese_number_question_is_answered_from_the_right_report_with_markers(fast_assistant):
    answer = fast_assistant.ask("海东2023年地区生产总值预期增长多少？")
    assert answer.found and answer.citations
    assert answer.citations[0].city == "海东市" and answer.citations[0].part == "plan"
    assert "5%" in answer.answer
    for line in answer.answer.splitlines()[1:]:
        assert re.search(r"\[\d+\]$", line)


def test_an_english_question_gets_an_english_lead_in(fast_assistant):
    answer = fast_assistant.ask("What GDP growth target did Jinan set for 2023?")
    assert answer.found and answer.answer.startswith("The ")
    assert {c.city for c in answer.citations} == {"济南市"}


@pytest.mark.parametrize("k", [1, 2, 5])
def test_an_answer_cites_at_most_k_passages_numbered_in_order(fast_assistant, k):
    answer = fast_assistant.ask("What GDP growth target did Jinan set for 2023?", k=k)
    assert answer.found and 1 <= len(answer.citations) <= k
    data = answer.to_json()
    for n, c in enumerate(data["citations"], 1):
        assert c["n"] == n and f"[{n}]" in data["answer"]
        for a, b in c["highlights"]:
            assert 0 <= a < b <= len(c["text"])


@pytest.mark.parametrize(
    "question",
    [
        "济南和银川2023年的地区生产总值增长目标分别是多少？",
        "Which set a higher GDP growth target for 2023, Jinan or Yinchuan?",
    ],
)
def test_a_comparison_is_answered_for_each_place_even_when_their_sentences_read_alike(fast_assistant, question):
    # the two targets are worded almost alike ("主要预期目标是：…地区生产总值增长…"): both are said,
    # each cited to its own report, not one dropped as a repeat of the other
    answer = fast_assistant.ask(question)
    assert answer.found
    assert {c.city for c in answer.citations} == {"济南市", "银川市"}
    assert "5.5%以上" in answer.answer and "6.5%左右" in answer.answer


@pytest.mark.parametrize(
    "question",
    ["济南和银川2022年地区生产总值增长了多少？", "Jinan vs Yinchuan GDP growth 2022", "海东2023年GDP预期增长多少？"],
)
def test_sentences_of_another_part_than_the_year_asked_score_lower_for_one_place_or_several(fast_assistant, question):
    # each report reviews one year and plans the next in sentences alike ("地区生产总值增长…"): the year
    # asked decides which part an answer leads with, for each place of a comparison as for one place
    from rag import answerability as ab
    from rag.answer import ComposerSettings, _fits_part, _score_sentences
    from rag.query import read_question

    info = read_question(question, fast_assistant.retriever.catalog)
    hits = fast_assistant.search(question, k=10).hits
    index = fast_assistant.retriever.index
    qvec = fast_assistant.encoder.encode_queries([question])[0]
    topic = ab.topic(info, index.bm25, index.tokenizer)
    fits = [_fits_part(info, h) for h in hits]
    assert any(fits) and not all(fits)  # both parts were found
    with_penalty = _score_sentences(info, hits, index, qvec, ComposerSettings(), topic)
    without = _score_sentences(info, hits, index, qvec, ComposerSettings(part_penalty=0.0), topic)
    for a, b in zip(with_penalty, without, strict=True):
        assert a.score == pytest.approx(b.score - (0.0 if fits[a.hit_rank] else ComposerSettings().part_penalty))


@pytest.mark.parametrize(
    "question", ["海东2023年重点抓好哪几个方面的工作？", "What are the main tasks of Haidong for 2023?"]
)
def test_a_question_for_the_main_tasks_is_answered_with_the_sections_items(fast_assistant, question):
    answer = fast_assistant.ask(question)
    assert answer.found and len(answer.citations) == 5
    assert "一是全力以赴优化现代化产业体系" in answer.answer and "五是全力以赴实施科教创新发展战略" in answer.answer


def test_items_of_a_section_answer_only_when_the_question_names_that_kind_of_list(fast_assistant):
    # "哪些" alone asks for items of a topic ("which facilities", "what are the allowances"): the
    # sentences answer it; the section's headings only when a question term names the list (工作, 任务 …)
    from dataclasses import replace

    from rag.answer import _list_answer

    res = fast_assistant.search("海东2023年重点抓好哪几个方面的工作？")
    index = fast_assistant.index
    assert _list_answer(res.info, res.hits, index, 5) is not None
    assert _list_answer(replace(res.info, topic_terms=("目标要求", "思路")), res.hits, index, 5) is None


def test_a_topic_the_report_never_mentions_abstains(fast_assistant):
    answer = fast_assistant.ask("西宁2020年在大气污染治理上有哪些打算？")
    assert not answer.found and answer.citations == [] and "大气污染" in answer.answer


def test_a_place_that_is_not_indexed_is_not_found_and_cites_nothing(fast_assistant):
    answer = fast_assistant.ask("兰州市2023年GDP增长目标是多少？")
    assert not answer.found and answer.citations == []


@pytest.mark.parametrize("question", ["", "   ", "？？？！！"])
def test_unusable_questions_are_refused(fast_assistant, question):
    with pytest.raises(QuestionError):
        fast_assistant.ask(question)


def test_rag_reports_json_is_the_libraries_report_shape(fast_assistant):
    import json
    from dataclasses import fields

    from typer.testing import CliRunner

    from rag.assistant import ReportInfo
    from rag.cli import app

    config = fast_assistant.config
    env = {"RAG_INDEX_DIR": str(config.index_dir), "RAG_CACHE_DIR": str(config.cache_dir)}
    out = CliRunner().invoke(app, ["reports", "--json"], env=env)
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert rows == [r.to_dict() for r in fast_assistant.reports()]
    assert all(list(row) == [f.name for f in fields(ReportInfo)] for row in rows)


class _CountingEncoder:
    """Embeds a text as a one-hot of its length (enough to tell texts apart) and counts the calls."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def encode_passages(self, texts):
        self.calls.append(list(texts))
        out = np.zeros((len(texts), 8), np.float32)
        for i, t in enumerate(texts):
            out[i, len(t) % 8] = 1.0
        return out


def test_sentences_are_embedded_on_their_own_once_and_the_cache_stays_bounded():
    from rag.answer import SentenceVectors

    enc = _CountingEncoder()
    vectors = SentenceVectors(enc, limit=3)
    first = vectors(["甲乙", "甲乙丙", "甲乙"])
    assert first.shape == (3, 8) and (first[0] == first[2]).all()
    assert enc.calls == [["甲乙"], ["甲乙丙"]]  # each alone; a repeated sentence is embedded once
    vectors(["甲乙丙"])
    assert len(enc.calls) == 2  # and never again while it is kept
    vectors(["一二三四", "一二三四五"])  # past the limit: the cache starts afresh
    assert len(vectors._vectors) <= 3


@pytest.mark.parametrize(
    "question",
    [
        "海东市2022年地区生产总值增长了多少？2023年的增长目标是多少？",
        "How much did Haidong's GDP grow in 2022, and what growth target did it set for 2023?",
    ],
)
def test_a_result_compared_with_a_target_is_answered_from_both_years_parts(fast_assistant, question):
    # one report reviews 2022 and plans 2023: each year asked is answered from the part that speaks of it
    answer = fast_assistant.ask(question, k=2)
    assert answer.found
    assert {c.part for c in answer.citations} == {"review", "plan"}
    assert "0.1%" in answer.answer and "5%左右" in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "兰州和海东2023年地区生产总值增长目标哪个高？",
        "Did Lanzhou set a higher GDP growth target for 2023 than Haidong?",
    ],
)
def test_a_comparison_with_a_place_that_has_no_report_is_refused_and_shows_the_other_labelled(fast_assistant, question):
    answer = fast_assistant.ask(question)
    assert not answer.found and answer.to_json()["status"] == "place_not_indexed"
    assert "兰州" in answer.answer or "Lanzhou" in answer.answer
    assert answer.citations and {c.city for c in answer.citations} == {"海东市"}


def test_a_place_named_beside_another_without_comparing_still_answers_for_the_other(fast_assistant):
    answer = fast_assistant.ask("兰州和海东2023年地区生产总值增长目标分别是多少？")
    assert answer.found and "未收录兰州市的报告" in answer.answer


def test_the_search_says_how_much_better_the_asked_place_matches_the_words_than_any_other(fast_assistant):
    # 泉城 is written only in Jinan's report: asked of Jinan the words match best there, asked of
    # Haidong they match another place's report better — a sign Haidong's report does not give it
    own = fast_assistant.search("济南泉城的打算")
    other = fast_assistant.search("海东泉城的打算")
    assert own.lexical_contrast is not None and other.lexical_contrast is not None
    assert own.lexical_contrast > 0 > other.lexical_contrast
    assert fast_assistant.search("泉城的打算").lexical_contrast is None  # no place asked: nothing to contrast


def test_a_list_asked_for_quotes_the_whole_enumeration_an_answer_sentence_belongs_to(fast_assistant):
    # "主要预期目标是：…；…；…。" is split into clauses; a list question gets all of them, not the first
    answer = fast_assistant.ask("海东2023年的主要预期目标有哪些？")
    assert answer.found
    assert "地区生产总值增长5%左右" in answer.answer and "规模以上工业增长8.5%左右" in answer.answer
    assert "粮食总产量保持在50万吨以上" in answer.answer


def test_a_comparison_prefers_each_places_passage_that_speaks_of_what_the_others_best_passages_do():
    # place A's two best passages are about GDP; place B's best by score is about air, its second about
    # GDP: the comparison asks one thing of both, so B's GDP passage moves ahead; A's order stands
    from types import SimpleNamespace

    from rag.retriever import Hit, RetrievalSettings, Retriever

    topics = {"a-gdp": [1, 0], "a-gdp-2": [1, 0], "a-air": [0, 1], "b-air": [0, 1], "b-gdp": [1, 0]}
    ids = list(topics)
    vectors = np.array([topics[i] for i in ids], dtype=np.float32)

    def hit(chunk_id: str, score: float) -> Hit:
        return Hit(SimpleNamespace(chunk_id=chunk_id), None, score, 0.8, 0.0, 0, None)  # type: ignore[arg-type]

    fake = SimpleNamespace(
        settings=RetrievalSettings(),
        index=SimpleNamespace(chunk_vectors=lambda rows: vectors[rows]),
        _row_of=lambda h: ids.index(h.chunk.chunk_id),
    )
    a = [hit("a-gdp", 1.0), hit("a-gdp-2", 0.95), hit("a-air", 0.9)]
    b = [hit("b-air", 1.0), hit("b-gdp", 0.9)]
    ranked, scores = Retriever._agree(fake, [a, b])  # type: ignore[arg-type]
    assert [h.chunk.chunk_id for h in ranked[1]][0] == "b-gdp"
    assert [h.chunk.chunk_id for h in ranked[0]] == ["a-gdp", "a-gdp-2", "a-air"]
    assert scores is not None and all(x == sorted(x, reverse=True) for x in scores)
    off = SimpleNamespace(**{**vars(fake), "settings": RetrievalSettings(agreement_weight=0.0)})
    assert Retriever._agree(off, [a, b])[0][1][0].chunk.chunk_id == "b-air"  # type: ignore[arg-type]


def test_each_turn_of_a_comparison_puts_the_surer_places_passage_first():
    """Two places share the top five 3 + 2: the fifth slot goes to the place whose third passage
    scores higher, not always to the place named first."""
    from types import SimpleNamespace

    from rag.retriever import Hit, _interleave

    def hit(chunk_id: str) -> Hit:
        return Hit(SimpleNamespace(chunk_id=chunk_id), None, 1.0, 0.8, 0.0, 0, None)  # type: ignore[arg-type]

    a = [hit("a1"), hit("a2"), hit("a3")]
    b = [hit("b1"), hit("b2"), hit("b3")]
    assert [h.chunk.chunk_id for h in _interleave([a, b], 5)] == ["a1", "b1", "a2", "b2", "a3"]
    scores = [[5.0, 4.0, 1.0], [4.5, 4.2, 3.9]]
    assert [h.chunk.chunk_id for h in _interleave([a, b], 5, scores)] == ["a1", "b1", "b2", "a2", "b3"]


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("湟中区2020年政府工作报告提出的地区生产总值增长目标是多少？", "湟中区属于西宁市，西宁市的报告已收录"),
        ("What did Huangzhong's 2020 government work report promise on jobs?", "part of Xining (西宁市), whose report"),
    ],
)
def test_a_districts_own_report_asked_for_is_refused_and_the_refusal_names_the_city_report_that_covers_it(
    fast_assistant, question, says
):
    # 湟中 is a district of 西宁; 西宁's report is indexed, 湟中's own is not: no answer from the city's
    # sentences, but the user learns which indexed report speaks for the district
    answer = fast_assistant.ask(question)
    assert not answer.found and answer.to_json()["status"] == "place_not_indexed"
    assert says in answer.answer and not answer.citations


def test_the_selector_moves_the_sentence_that_answers_ahead_of_one_as_close_to_the_question():
    """Two leading sentences equally similar to the question: the selector's score decides which leads,
    and the scores it was added to are kept for fitting it again."""
    from rag.answer import ComposerSettings, _rescore_alone, _Scored
    from rag.answerability import Selector

    q = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
    vectors = {"推进医养结合。": np.array([0.6, 0.8, 0, 0]), "新增养老床位500张。": np.array([0.6, 0, 0.8, 0])}
    scored = [_Scored(0, 0, 7, 0.6, 0.6, 0.0, t) for t in vectors]

    def embed(texts):
        return np.stack([vectors[t] for t in texts]).astype(np.float32)

    plain = _rescore_alone(scored, q, ComposerSettings(), embed)
    assert plain[0].score == pytest.approx(plain[1].score)  # cosine alone cannot tell them apart
    # a selector that learned the third dimension is what answering sentences have
    selector = Selector(np.array([0, 0, 1, 0, 0, 0, 0, 0], dtype=np.float32), 0.0)
    chosen = _rescore_alone(scored, q, ComposerSettings(), embed, selector=selector)
    assert max(chosen, key=lambda x: x.score).text == "新增养老床位500张。"
    assert [x.base for x in chosen] == pytest.approx([x.score for x in plain])
    # fitted on another model's vectors: it says nothing
    assert not Selector(np.ones(6, dtype=np.float32), 1.0).scores(q, embed(list(vectors))).any()


def test_a_close_sentence_without_the_questions_words_joins_only_when_it_reads_closer_on_its_own():
    """Beside the best sentence, one scoring within the margin joins the answer when it shares the
    question's topic words, or, sharing none (the reports say it in other words than an English
    question's translations), when embedded on its own it is closer to the question than the best."""
    from rag.answer import ComposerSettings, _choose, _Scored

    best = _Scored(0, 0, 10, 0.90, 0.85, 0.5, "粮食产量112万吨。", alone=0.85)
    closer = _Scored(1, 0, 10, 0.88, 0.86, 0.0, "肉牛饲养量90万头。", alone=0.88)
    farther = _Scored(1, 0, 10, 0.88, 0.86, 0.0, "整治撂荒地11万亩。", alone=0.80)
    worded = _Scored(2, 0, 10, 0.87, 0.80, 0.3, "新增牛羊养殖场12个。", alone=0.80)
    chosen = [x.text for x in _choose([best, closer, farther, worded], ComposerSettings(), k=5)]
    assert chosen == ["粮食产量112万吨。", "肉牛饲养量90万头。", "新增牛羊养殖场12个。"]
    # beyond the margin nothing joins, however close it reads
    far = _Scored(1, 0, 10, 0.80, 0.86, 0.0, "肉牛饲养量90万头。", alone=0.95)
    assert [x.text for x in _choose([best, far], ComposerSettings(), k=5)] == ["粮食产量112万吨。"]


def test_of_two_sentences_of_one_report_saying_alike_the_answer_says_the_better_scored_in_report_order():
    """A report repeating itself is said once: the sentence kept is the one that answers better (the
    figures of an appendix list over the plan's sentence without them), wherever it stands in the
    report; what is said is in the report's order."""
    from types import SimpleNamespace as NS

    from rag.answer import _Scored, _write

    text = (
        "推进乡镇综合养老服务中心、村级互助幸福院建设。改造老旧小区147个。"
        "（5）新建乡镇综合养老服务中心11个、村级互助幸福院15个。"
    )
    report = NS(title="2022年天水市政府工作报告", city="天水市", reviewed_year=2022, plan_year=2023, text=text)
    chunk = NS(report_id="r", part="plan", chunk_id="r:1", text=text, start=0, section="三")
    hits = [NS(chunk=chunk, report=report, score=1.0)]
    index = NS(reports={"r": report})
    a, b, c = (text.index(x) for x in ("推进", "改造", "（5）"))
    plain = _Scored(0, a, b, 0.90, 0.9, 0.5, text[a:b])
    other = _Scored(0, b, c, 0.88, 0.9, 0.5, text[b:c])
    listed = _Scored(0, c, len(text), 0.93, 0.9, 0.5, text[c:])
    said, citations = _write([plain, listed, other], hits, index, "zh")
    assert "11个" in said and "推进乡镇" not in said
    assert said.index("改造老旧小区") < said.index("（5）")
    assert citations[0].highlights == ((b, c), (c, len(text)))


def test_sentences_alike_in_words_with_other_figures_are_two_things_said():
    from rag.answer import _near_duplicate

    review = "地区生产总值增长7.5%，固定资产投资增长12.4%，社会消费品零售总额增长5%。"
    plan = "固定资产投资增长7%，社会消费品零售总额增长7%。"
    assert not _near_duplicate(plan, review) and not _near_duplicate(review, plan)
    assert _near_duplicate("固定资产投资增长7%，社会消费品零售总额增长7%左右。", plan)


@pytest.mark.parametrize(
    ("question", "lang", "probability", "missing", "note"),
    [
        # at good odds: no note
        ("海东2023年GDP预期增长多少？", "zh", 0.9, (), None),
        ("海东有多少游客？", "zh", 0.9, ("游客",), None),
        # below even odds, a word the reports never use: named
        ("海东有多少游客？", "zh", 0.3, ("游客",), "没有出现：游客"),
        # below even odds, every word used: the quotes may still not answer, in the question's language
        ("海东2023年GDP预期增长多少？", "zh", 0.3, (), "不一定回答了问题"),
        ("How fast will Haidong's GDP grow?", "en", 0.3, (), "may not answer the question"),
    ],
)
def test_an_answer_at_low_odds_says_its_quotes_may_not_answer(question, lang, probability, missing, note):
    from rag.answer import ComposerSettings, _low_odds_note
    from rag.query import QueryInfo

    got = _low_odds_note(QueryInfo(question, lang, places=("海东市",)), probability, missing, ComposerSettings())
    assert got is None if note is None else note in got


def test_an_english_word_the_reports_never_use_is_named_with_the_chinese_it_was_searched_as():
    """What a report lacks is the Chinese an English word was searched as ("visitors" as 客人 where the
    report writes 游客): the refusal and the note under a low-odds answer show it, for the user to judge;
    a word nothing translates stands alone."""
    from rag import answerability as ab
    from rag.answer import _unmentioned_note, refusal_text
    from rag.query import Catalog, QueryInfo

    info = QueryInfo(
        "How many visitors and yurt camps did Longnan have?",
        "en",
        places=("陇南市",),
        translations=(("visitors", ("客人", "会客")),),
    )
    evidence = ab.Evidence(0.8, 0.8, 0.0, 1.0, 1.0, missing_terms=("visitors", "yurt"))
    refusal = refusal_text(info, ab.Verdict(ab.NOT_IN_REPORTS, 0.01, evidence=evidence), Catalog([]))
    assert refusal.endswith("It never mentions: visitors (客人/会客), yurt.")
    assert "visitors (客人/会客), yurt." in _unmentioned_note(info, evidence.missing_terms)
    # a Chinese question's terms are the reports' own words already
    zh = QueryInfo("陇南有多少游客？", "zh", places=("陇南市",))
    assert "中没有出现：游客。" in refusal_text(
        zh,
        ab.Verdict(ab.NOT_IN_REPORTS, 0.01, evidence=ab.Evidence(0.8, 0.8, 0.0, 1.0, 0.0, missing_terms=("游客",))),
        Catalog([]),
    )


def test_a_refused_figure_question_shows_a_sentence_naming_all_it_asks_about_or_nothing(fast_assistant):
    """When the model refuses a figure question on a topic the report does speak of, the refusal shows
    the closest sentence that names everything asked, labelled as no answer; a topic no sentence names
    whole gets the plain refusal, nothing cited (answer._near_miss)."""
    from dataclasses import replace

    from rag import answerability as ab
    from rag.answer import ComposerSettings, _found_order, _near_miss, _score_sentences

    question = "海东2023年城镇新增就业目标是多少？"
    res = fast_assistant.search(question)
    index, catalog = fast_assistant.retriever.index, fast_assistant.retriever.catalog
    qvec = fast_assistant.encoder.encode_queries([question])[0]
    topic = ab.topic(res.info, index.bm25, index.tokenizer)
    scored = _score_sentences(res.info, res.hits, index, qvec, ComposerSettings(), topic)
    refused = ab.Verdict(ab.NOT_IN_REPORTS)
    found = sorted(scored, key=_found_order)[: ComposerSettings().max_sentences]  # as compose passes them
    given = topic.change_given(tuple(x.text for x in found))  # as the evidence reads it for compose
    shown = _near_miss(res.info, refused, scored, found, topic, res.hits, catalog, given)
    assert shown.text.startswith("没有找到答案：") and "没有给出所问的数字" in shown.text and "不是答案" in shown.text
    assert len(shown.citations) == 1 and shown.verdict.status == ab.NOT_IN_REPORTS
    quoted = shown.text.rsplit("\n", 1)[1].removesuffix("[1]")
    assert all(any(t in quoted for t in terms) for _, terms in topic.groups)
    unnamed = replace(topic, groups=(*topic.groups, ("房价", ("房价",))), weights=(*topic.weights, 1.0))
    plain = _near_miss(res.info, refused, scored, found, unnamed, res.hits, catalog, given)
    assert plain.citations == [] and plain.text.startswith("没有找到答案：")


# ---------------------------------------------------------------- a model that finds no answer


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("NO_ANSWER", ""),
        ("NO_ANSWER：段落只谈到养老服务，没有给出床位数。", "段落只谈到养老服务，没有给出床位数"),
        ("**NO_ANSWER** The passages give no bed count.", "The passages give no bed count"),
        ("“NO_ANSWER” - 没有所问的数字", "没有所问的数字"),
        ("no_answer: none given", "none given"),
        ("NO_ANSWER\n\n  the passages\n speak of pensions only.", "the passages speak of pensions only"),
        ("海东市2023年地区生产总值预期增长5%左右[1]。", None),
        ("NOTE: 增长5%左右[1]。", None),
        ("答：NO_ANSWER", None),  # the word must come first: an answer that mentions it is an answer
    ],
)
def test_a_reply_declines_only_when_it_starts_with_no_answer(reply, reason):
    from rag.chain import declined

    assert declined(reply) == reason


@pytest.mark.parametrize(
    ("tokens", "shown_before_the_end"),
    [
        (["N", "O", "_", "ANS", "WER", "：没有"], ""),  # the word never shows
        (["**", "NO", "_ANSWER**"], ""),
        (["5", "%[1]。"], "5%[1]。"),  # an answer shows from its first token
        (["N", "O", "T", "E"], "NOTE"),  # held while it could be the word, shown once it cannot
        (["NO"], ""),  # still possible at the end: the chain shows what is held (DeclineGate.held)
    ],
)
def test_the_gate_holds_back_only_what_may_be_the_word(tokens, shown_before_the_end):
    from rag.chain import DeclineGate

    gate = DeclineGate()
    assert "".join(gate.feed(t) for t in tokens) == shown_before_the_end
    assert shown_before_the_end + gate.held == "".join(tokens)


def test_a_model_that_finds_no_answer_turns_the_answer_into_a_refusal_saying_why(fast_assistant):
    from langchain_core.language_models import FakeListChatModel

    from rag import build_chain

    question = "海东2023年地区生产总值预期增长多少？"
    extractive = fast_assistant.ask(question)
    assert extractive.found and extractive.citations  # the features alone answer it
    model = FakeListChatModel(responses=["NO_ANSWER：段落只谈到经济运行，没有给出增长目标。"])
    answer = build_chain(fast_assistant, model).invoke({"question": question})
    assert answer.status == "not_in_reports" and not answer.found and answer.mode == "llm"
    assert answer.verdict is not None and answer.verdict.status == "not_in_reports"
    assert (
        answer.answer.startswith("没有找到答案：语言模型")
        and "（段落只谈到经济运行，没有给出增长目标）" in answer.answer
    )
    # the passages the extractive answer quoted stay, cited, as the closest (not an answer)
    assert answer.answer.endswith(extractive.answer) and "不是答案" in answer.answer
    assert [c.chunk_id for c in answer.citations] == [c.chunk_id for c in extractive.citations]
    assert "NO_ANSWER" not in answer.answer and not answer.flagged


@pytest.mark.parametrize(
    ("part", "spoken"),
    [("government", "plan"), ("plan", "plan"), ("review", "review"), ("other", "other")],
)
def test_a_passage_on_the_governments_own_conduct_is_asked_of_as_the_plan(part, spoken):
    """ "严格落实过紧日子要求" is pledged for the plan's year: a question after a plan prefers it as it
    prefers the plan, and its citation gives the plan's year."""
    from types import SimpleNamespace as NS

    from rag.answer import citation_year
    from rag.config import speaks_as

    assert speaks_as(part) == spoken
    report = NS(plan_year=2023, reviewed_year=2022)
    assert citation_year(report, part) == (2022 if spoken == "review" else 2023)
