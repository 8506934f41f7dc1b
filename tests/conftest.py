"""Shared fixtures: the real bundled model, loaded once per session, and an index of the small
fixture corpus in tests/data/ built once per session in a temporary folder; and the fast layer's
keyword encoder (no model) with its own index of the same corpus.

Two test speeds: a plain ``pytest`` deselects the tests marked model, browser or llm (see
pyproject.toml) and needs no model, browser or LLM server; ``make test`` runs them all."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

DATA = Path(__file__).parent / "data"
FIXTURE_FILES = sorted(DATA.glob("*.txt"))


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    # the materialised model and the embedding cache are shared by every test of the session
    return Path(os.environ.get("RAG_TEST_CACHE_DIR") or tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def encoder(cache_dir):
    from rag.encoder import Encoder

    return Encoder(cache_dir=cache_dir)


@pytest.fixture(scope="session")
def fixture_config(tmp_path_factory, cache_dir):
    from rag.config import Config

    return Config(index_dir=tmp_path_factory.mktemp("idx") / "index", cache_dir=cache_dir, corpus=(DATA,))


@pytest.fixture(scope="session")
def assistant(fixture_config, encoder):
    from rag.assistant import Assistant, build_index

    build_index(fixture_config, encoder, rebuild=True)
    return Assistant.load(fixture_config, encoder=encoder)


@runtime_checkable
class Encoder(Protocol):
    """What the index, the retriever and the chain use of an encoder (rag.encoder.Encoder is one)."""

    @property
    def name(self) -> str: ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray: ...


class KeywordEncoder:
    """A fake encoder for fast tests: a text's Chinese character bigrams and Latin/number words, hashed
    into a fixed-size bag of keywords, plus one shared component, L2-normalised. Texts sharing keywords
    are similar; no model. The shared component gives any two texts a cosine of at least BASELINE, as
    e5's compressed range does, so the calibrated abstention answers what the keywords support."""

    name = "test-keyword-encoder"
    dim = 513  # 512 hashed keyword slots + the shared component
    BASELINE = 0.7

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim - 1, dtype=np.float32)
        keys = [a + b for run in re.findall(r"[\u4e00-\u9fff]+", text) for a, b in zip(run, run[1:], strict=False)]
        keys += [w.lower() for w in re.findall(r"[A-Za-z0-9.%]+", text)]
        for key in keys:
            v[int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "little") % len(v)] += 1.0
        norm = float(np.linalg.norm(v))
        bag = v / norm if norm else v
        return np.append(bag * np.sqrt(1 - self.BASELINE), np.sqrt(self.BASELINE)).astype(np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        return self.encode_queries(texts)


@pytest.fixture(scope="session")
def keyword_encoder() -> KeywordEncoder:
    return KeywordEncoder()


@pytest.fixture(scope="session")
def fast_assistant(tmp_path_factory, keyword_encoder):
    """The fixture corpus indexed with the keyword encoder, in its own temporary index and cache."""
    from rag.assistant import Assistant, build_index
    from rag.config import Config

    root = tmp_path_factory.mktemp("fast")
    config = Config(index_dir=root / "index", cache_dir=root / "cache", corpus=(DATA,))
    build_index(config, keyword_encoder, rebuild=True)
    return Assistant.load(config, encoder=keyword_encoder)
