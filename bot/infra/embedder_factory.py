"""Which embedder serves: ONNX Runtime on CPU, sentence-transformers on torch on a GPU.

``STUDYBOT_BACKEND``: ``auto`` (ONNX Runtime when the device is the CPU, torch on cuda or mps),
``onnx`` or ``torch``. ``STUDYBOT_DEVICE`` keeps its meaning: ``auto`` picks cuda, then mps, then cpu.
Deciding ``auto`` must not import torch on a machine without an accelerator (importing it costs
seconds), so a cheap probe (a CPU-only torch wheel, no NVIDIA device files, not Apple silicon) answers
"cpu" first and torch is asked only when an accelerator may be there.

The ONNX export is made on the first start and found again afterwards (``bot.infra.model_export``);
a corrupt one is rebuilt, and when exporting fails the torch embedder serves, with one log line.
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from bot.core.ports import Embedder

log = logging.getLogger(__name__)

BACKENDS = ("auto", "onnx", "torch")
# Dynamic int8 on CPU: off. It must keep every evaluation figure within 0.5 point of fp32's
# (bench/backend_eval.py); /ask's did, but grading accuracy did not: 0.929 -> 0.912 on our labelled
# answers and 0.908 -> 0.900 on the held-out ones in one run, 0.896 -> 0.878 on the second writer's
# answers in another. Its vectors also depend on the batch a text is encoded with (activation scales
# are computed per batch), so the same answer could be graded differently in a burst. fp32 serves.
QUANTIZE_ON_CPU = False
NVIDIA_DEVICE_FILES = ("/dev/nvidia0", "/proc/driver/nvidia/version", "/dev/dxg", "/dev/kfd")

Notify = Callable[[str], None]


def may_have_accelerator() -> bool:
    """False when no GPU can be there, decided without importing torch."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    if sys.platform == "darwin" and platform.machine() == "arm64":
        return True  # mps
    try:
        version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        return False
    if version.endswith("+cpu"):
        return False
    return any(Path(p).exists() for p in NVIDIA_DEVICE_FILES)


def resolve_device(setting: str) -> str:
    """``STUDYBOT_DEVICE`` resolved; torch is imported only when an accelerator may be present."""
    if setting and setting != "auto":
        return setting
    if not may_have_accelerator():
        return "cpu"
    from bot.infra.embedding import resolve_device as torch_resolve_device

    return torch_resolve_device("auto")


def choose_backend(backend: str, device: str) -> str:
    """``auto``: ONNX Runtime on the CPU, torch on an accelerator."""
    if backend not in BACKENDS:
        raise ValueError(f"STUDYBOT_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend != "auto":
        return backend
    return "onnx" if device == "cpu" else "torch"


def build_embedder(
    model: str = "",
    device: str = "auto",
    backend: str = "auto",
    *,
    export_root: Path,
    quantize: bool | None = None,
    notify: Notify | None = None,
) -> Embedder:
    """The embedder for these settings; ``notify`` hears about a first-run export as it goes."""
    resolved = resolve_device(device)
    if choose_backend(backend, resolved) == "torch":
        return _torch_embedder(model, resolved)
    if quantize is None:
        quantize = QUANTIZE_ON_CPU and resolved == "cpu"
    try:
        return onnx_embedder(model, resolved, export_root=export_root, quantize=quantize, notify=notify)
    except Exception as exc:
        log.warning(
            "onnx export failed, serving with torch instead reason=%r", f"{type(exc).__name__}: {exc}"
        )
        return _torch_embedder(model, resolved)


def onnx_embedder(
    model: str,
    device: str,
    *,
    export_root: Path,
    quantize: bool,
    notify: Notify | None = None,
):
    """Load the export, making (or remaking, when corrupt) it first if needed."""
    from bot.infra import model_export
    from bot.infra.embedding import DEFAULT_MODEL_NAME
    from bot.infra.onnx_embedder import CorruptExport, OnnxEmbedder

    name = (model or DEFAULT_MODEL_NAME) + (" (int8)" if quantize else "")  # int8 vectors: own cache keys
    found = model_export.find_export(export_root, model, quantize=quantize)
    if found is not None:
        try:
            return OnnxEmbedder.from_export(found, model_name=name, device=device)
        except CorruptExport as exc:
            log.warning("onnx export corrupt, rebuilding it reason=%r", str(exc))
            model_export.discard(found)
    export = _export_with_progress(model, export_root, quantize, notify)
    return OnnxEmbedder.from_export(export, model_name=name, device=device)


def _export_with_progress(model: str, root: Path, quantize: bool, notify: Notify | None):
    from bot.infra import model_export

    say = notify or (lambda _message: None)
    steps = 4 if quantize else 3
    count = iter(range(1, steps + 1))
    started = time.perf_counter()
    say("Preparing the model for fast CPU inference (first run only, about 10 s)...")
    export = model_export.export_model(
        root, model, quantize=quantize, stage=lambda step: say(f"  [{next(count)}/{steps}] {step}")
    )
    say(f"  model ready in {time.perf_counter() - started:.1f} s ({export.folder})")
    log.info("onnx export ready folder=%s seconds=%.1f", export.folder, time.perf_counter() - started)
    return export


def _torch_embedder(model: str, device: str) -> Embedder:
    from bot.infra.embedding import SentenceTransformerEmbedder
    from bot.infra.model_export import quiet_transformers

    quiet_transformers()

    return SentenceTransformerEmbedder(model, device)


def stderr_notify(message: str) -> None:
    """Progress for people: on stderr, so ``studybot ask --json`` output stays clean."""
    print(message, file=sys.stderr, flush=True)
