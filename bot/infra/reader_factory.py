"""Which contradiction reader serves: ONNX Runtime on the CPU, torch on an accelerator (as the embedder)."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from bot.core.contradiction import ContradictionReader

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def load_reader(
    weights: str, device: str = "auto", export_root: str = "", *, quantize: bool = False
) -> ContradictionReader:
    """One reader per weights file, device setting, backend and precision in a process, shared by every
    course (the grader's contradiction reader, /ask's answerability judge: the same model, other weights).
    With ``export_root`` it serves from an ONNX export on the CPU (``bot.infra.contradiction_onnx``), made
    on first use, int8 with ``quantize``; if that fails, torch reads in fp32, with one log line."""
    from bot.infra.contradiction import CrossEncoderContradictionReader
    from bot.infra.embedder_factory import resolve_device

    resolved = resolve_device(device)
    if resolved == "cpu" and export_root:
        try:
            from bot.infra.contradiction_onnx import find_or_export

            return find_or_export(Path(export_root), Path(weights), quantize=quantize)
        except Exception as exc:
            log.warning(
                "cross-encoder onnx export failed, reading with torch weights=%s reason=%r",
                Path(weights).name,
                f"{type(exc).__name__}: {exc}",
            )
    return CrossEncoderContradictionReader(weights, device=resolved)
