"""Shared fixtures: the real bundled model, loaded once per session, and an index of the small
fixture corpus in tests/data/ built once per session in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

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
