"""An int8 ONNX Runtime copy of the bundled model, made once next to the safetensors folder.

Why: on a CPU the question embedding is most of a query's time, and torch's fp32 forward pass of
e5-small costs ~100 ms a question on a 2-core machine; ONNX Runtime with int8 weights costs ~10 ms,
loads in under a second and needs neither torch nor sentence-transformers in the process. The
vectors stay compatible with torch's (cosine >= 0.99 on ``tests/test_onnx.py``'s samples, ~0.997
typical), so an index built with either runtime serves questions embedded by the other.

The export is what sentence-transformers' ``backend="onnx"`` plus
``export_dynamic_quantized_onnx_model(model, "avx2", ...)`` would write, done with the libraries
underneath it (``torch.onnx`` for the graph, ``onnxruntime.transformers`` for the BERT fusions,
``onnxruntime.quantization`` for dynamic int8): that backend needs ``optimum-onnx``, whose releases
require transformers < 4.58, while this project runs transformers 5.

Steps, all from the local safetensors folder (nothing is downloaded): trace ``XLMRobertaModel`` to
ONNX (eager attention: a plain graph the fusion pass recognises), fuse attention / LayerNorm / GELU,
quantise every MatMul and the embedding table dynamically (uint8 weights per channel, the setting
for AVX2 machines without VNNI, where int8 x int8 saturates). The folder is written beside the
model folder, atomically and under a lock, like :func:`rag.bundled_model.materialize`.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import warnings
from pathlib import Path

from .bundled_model import MARKER_FILE, BundledModelError, _build_lock, _swap_into_place

ONNX_FORMAT = 1  # bump when the export changes: folders written by older code are rebuilt
ONNX_MARKER = "onnx_source.json"
ONNX_MODEL = "model_qint8.onnx"
RUNTIME_NAME = "onnx-int8"  # how the index manifest and the embedding cache name these vectors


def onnx_folder_for(model_dir: Path) -> Path:
    """Where the ONNX copy of a materialised model folder lives (a sibling folder)."""
    return model_dir.with_name(model_dir.name + "-onnx")


def _expected_marker(model_dir: Path) -> dict[str, object]:
    try:
        source = json.loads((model_dir / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        source = None
    return {"onnx_format": ONNX_FORMAT, "source": source, "model": ONNX_MODEL}


def _is_current(dest: Path, model_dir: Path) -> bool:
    try:
        marker = json.loads((dest / ONNX_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        marker == _expected_marker(model_dir) and (dest / ONNX_MODEL).is_file() and (dest / "tokenizer.json").is_file()
    )


def materialize_onnx(model_dir: Path, *, force: bool = False) -> Path:
    """Make the int8 ONNX folder for ``model_dir`` unless it is current; return its path.

    Cheap when current (one small JSON file compared). A first run takes ~30-60 s on 2 cores.
    Raises :class:`BundledModelError` when onnxruntime/onnx are missing or the export fails."""
    model_dir = Path(model_dir)
    dest = onnx_folder_for(model_dir)
    if not force and _is_current(dest, model_dir):
        return dest
    with _build_lock(dest):
        if not force and _is_current(dest, model_dir):
            return dest
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.building-", dir=dest.parent))
        try:
            tmp.chmod(0o755)
            _export(model_dir, tmp)
            shutil.copyfile(model_dir / "tokenizer.json", tmp / "tokenizer.json")
            (tmp / ONNX_MARKER).write_text(json.dumps(_expected_marker(model_dir), indent=1), encoding="utf-8")
            _swap_into_place(tmp, dest)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, (OSError, ImportError, RuntimeError, ValueError)):
                raise BundledModelError(f"cannot write the ONNX model folder {dest}: {exc}") from exc
            raise
    return dest


def _export(model_dir: Path, out: Path) -> None:
    # heavy: torch, onnxruntime's tools and transformers, needed only to make the ONNX copy once
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoConfig, AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()

    config = AutoConfig.from_pretrained(str(model_dir), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager").eval()

    class Hidden(torch.nn.Module):
        """The model's last hidden state only: pooling stays in numpy, where spans are pooled too."""

        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    fp32, fused = out / "model_fp32.onnx", out / "model_fused.onnx"
    ids = torch.tensor([[0, 6, 2], [0, 6, 1]])
    mask = torch.tensor([[1, 1, 1], [1, 1, 0]])
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer notes about Python conditionals that do not apply here
        torch.onnx.export(
            Hidden(model),
            (ids, mask),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            opset_version=17,
            dynamo=False,
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
        )
    del model
    optimized = optimize_model(
        str(fp32), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size, opt_level=1
    )
    optimized.save_model_to_file(str(fused))
    del optimized
    fp32.unlink()
    # DefaultTensorType: the fused Attention nodes are com.microsoft ops whose outputs shape
    # inference cannot type; they are float32. The quantizer logs a "consider pre-processing" hint
    # on the root logger that a user building their first index cannot act on: keep it off the screen.
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(
            str(fused),
            str(out / ONNX_MODEL),
            weight_type=QuantType.QUInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": 1},
        )
    finally:
        logging.disable(logging.NOTSET)
    fused.unlink()
