"""What a user waits for at start: the encoder's prompts read without loading a model, the warm-up that
makes the first answer quick, and the "starting…" page that takes a question and hands it to the chat
page. No model, no browser (the browser half is in test_ui_browser.py)."""

from __future__ import annotations

import json

import pytest

from rag.encoder import Encoder


def _no_torch(self):
    raise AssertionError("the torch model was loaded")


def _st_folder(root, prompts: dict | None):
    folder = root / "my-local-model"  # a name with no model family in it: the folder's own prompts apply
    folder.mkdir()
    (folder / "modules.json").write_text("[]")
    if prompts is not None:
        (folder / "config_sentence_transformers.json").write_text(json.dumps({"prompts": prompts}))
    return folder


def test_a_local_models_prompts_are_read_from_its_folder_without_loading_it(tmp_path, monkeypatch):
    monkeypatch.setattr(Encoder, "_load_torch", _no_torch)
    folder = _st_folder(tmp_path, {"query": "Q: ", "document": "D: "})
    enc = Encoder(str(folder), cache_dir=tmp_path, runtime="torch")
    assert (enc.query_prefix, enc.passage_prefix) == ("Q: ", "D: ")


def test_a_local_model_without_prompts_gets_none(tmp_path, monkeypatch):
    monkeypatch.setattr(Encoder, "_load_torch", _no_torch)
    enc = Encoder(str(_st_folder(tmp_path, None)), cache_dir=tmp_path, runtime="torch")
    assert (enc.query_prefix, enc.passage_prefix) == ("", "")


def test_a_hub_models_prompts_still_come_from_the_loaded_model(tmp_path, monkeypatch):
    class Loaded:
        prompts = {"query": "search_query: ", "passage": "search_document: "}

    monkeypatch.setattr(Encoder, "_load_torch", lambda self: Loaded())
    enc = Encoder("someone/some-model", cache_dir=tmp_path, runtime="torch")
    assert (enc.query_prefix, enc.passage_prefix) == ("search_query: ", "search_document: ")


@pytest.mark.parametrize("name", ["intfloat/multilingual-e5-base", "BAAI/bge-small-zh-v1.5"])
def test_a_known_familys_prefixes_need_no_model(tmp_path, monkeypatch, name):
    monkeypatch.setattr(Encoder, "_load_torch", _no_torch)
    assert Encoder(name, cache_dir=tmp_path).query_prefix
