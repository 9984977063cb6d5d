"""The CPU embedder: an exported sentence-transformers model on ONNX Runtime, tokenized by tokenizers.

It imports neither torch nor sentence-transformers, so a process that serves from an export starts
in a fraction of a second. The graph already pools and normalises (``bot.infra.model_export``), so a
call is: tokenize, sort by length, run padded batches, put the rows back in order.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
# Encoded at export and again at every load: an export that no longer gives these vectors is corrupt.
PROBE_TEXTS = ("why do we train neural networks on GPUs?", "A short sentence.")

PROBE_MIN_COSINE = 0.999  # an export that no longer gives its own probe vectors is corrupt
# Texts per graph run, whatever batch size the caller asks for: on CPU, batches of 8 to 16 cost the
# least CPU time per text (5.5 ms under load on this 2-core machine), 64 cost 20% more, 1 cost 45% more.
RUN_BATCH = 16
SPIN_MICROSECONDS = 20  # how long an idle worker thread spins before it sleeps (see ``from_files``)


class CorruptExport(RuntimeError):
    """The export loads but does not compute what it computed when it was made."""


def cpu_session_options():
    """ONNX Runtime options for a model served beside others in one process on a few cores."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.inter_op_num_threads = 1
    # Worker threads busy-wait for the next op only briefly. Unbounded spinning stole the CPU from the
    # event loop and from other encodes under load; none at all made every op wake sleeping threads:
    # a single query took 4.3 ms with it off, 2.9 ms with spinning, and CPU time fell too (5.4 against
    # 6.3 ms), since the gaps between ops are shorter than a sleep and a wake-up. With a busy process
    # on the 2 cores it cost 7 % against no spinning (18 % unbounded).
    options.add_session_config_entry("session.intra_op.allow_spinning", "1")
    options.add_session_config_entry("session.intra_op.spin_duration_us", str(SPIN_MICROSECONDS))
    return options


class OnnxEmbedder:
    """``Embedder`` over an ONNX Runtime session. Thread-safe: ``InferenceSession.run`` is re-entrant."""

    def __init__(
        self,
        session,
        tokenizer,
        *,
        inputs: Sequence[str],
        dimension: int,
        model_name: str = "",
        device: str = "cpu",
        precision: str = "fp32",
    ) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = tuple(inputs)
        self._dimension = dimension
        self._model_name = model_name
        self.device = device
        self.backend = f"onnx-{precision}"

    @classmethod
    def from_files(
        cls,
        model_path: Path,
        tokenizer_path: Path,
        *,
        inputs: Sequence[str],
        dimension: int,
        model_name: str = "",
        device: str = "cpu",
        precision: str = "fp32",
    ) -> OnnxEmbedder:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = cpu_session_options()
        options.log_severity_level = 3  # warnings about unused initializers are not for bot users
        providers = ["CPUExecutionProvider"]
        if device.startswith("cuda") and "CUDAExecutionProvider" in ort.get_available_providers():
            index = device.partition(":")[2] or "0"
            providers.insert(0, ("CUDAExecutionProvider", {"device_id": int(index)}))
        session = ort.InferenceSession(str(model_path), options, providers=providers)
        if device != "cpu" and "CUDAExecutionProvider" not in session.get_providers():
            log.warning(
                "onnx runtime has no %s provider here, running on cpu (STUDYBOT_BACKEND=torch for the GPU)",
                device,
            )
            device = "cpu"
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        tokenizer.no_padding()
        return cls(
            session,
            tokenizer,
            inputs=inputs,
            dimension=dimension,
            model_name=model_name,
            device=device,
            precision=precision,
        )

    @classmethod
    def from_export(cls, export, *, model_name: str, device: str = "cpu") -> OnnxEmbedder:
        """Load an export folder and check it still computes its probe vectors (else ``CorruptExport``)."""

        meta = export.meta
        try:
            embedder = cls.from_files(
                export.model_path,
                export.tokenizer_path,
                inputs=meta["inputs"],
                dimension=int(meta["dimension"]),
                model_name=model_name,
                device=device,
                precision="int8" if meta.get("quantize") else "fp32",
            )
            got = embedder.encode(list(PROBE_TEXTS))
        except Exception as exc:  # onnxruntime and tokenizers raise their own types on a bad file
            raise CorruptExport(f"the export under {export.folder} does not load: {exc}") from exc
        expected = np.asarray(meta["probe"], dtype=np.float32)
        cosine = float((got * expected).sum(axis=1).min()) if got.shape == expected.shape else -1.0
        if cosine < PROBE_MIN_COSINE:
            raise CorruptExport(f"the export under {export.folder} gives other vectors (cosine {cosine:.4f})")
        return embedder

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """Normalised float32 rows, one per text, in the order given."""
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        if len(texts) == 1:
            return self._run(self._tokenizer.encode_batch(list(texts)))
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), self._dimension), dtype=np.float32)
        step = max(1, min(batch_size, RUN_BATCH))
        for start in range(0, len(order), step):
            rows = order[start : start + step]
            out[rows] = self._run([encodings[i] for i in rows])
        return out

    def _run(self, encodings: list) -> np.ndarray:
        """One padded batch (similar lengths, so little padding) through the graph."""
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            n = len(enc.ids)
            ids[row, :n] = enc.ids
            mask[row, :n] = 1
            types[row, :n] = enc.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        (vectors,) = self._session.run(None, {name: feed[name] for name in self._inputs})
        return np.asarray(vectors, dtype=np.float32)

    def close(self) -> None:
        self._session = None
