"""The contradiction reader on ONNX Runtime: the torch reader's probabilities at twice its speed on a CPU.

The graph is exported once from the merged torch reader (``bot.infra.contradiction``) into a folder of
the ONNX cache, keyed by the weights file's content, the base model's files and the versions of the
libraries that shape the export, and found again on later starts; serving needs only onnxruntime and
tokenizers. The folder is written in a temporary sibling and renamed into place, and it keeps the
probabilities of a few probe pairs: an export that no longer loads or gives them is made again.

Measured on 256 held-out answers on this 2-core machine: 143 pairs a second against torch's 70, the
largest difference in probability 1e-6.

``quantize`` makes the export int8 (dynamic quantization of the MatMuls, one scale per output channel, as
the embedder's int8 export): a single reading of an /ask question with its item took 7.0 ms against
13.2 ms in fp32 with six blocks (2.4 against 4.0 ms with the judge's three blocks and 64 tokens), and
moved the probability by 0.015 on average (at most 0.36) over 339 such pairs (six blocks). Its
activation scales are computed per graph run, so an int8 reader runs one pair at a time: a pair gets the
same probability whatever it is read with. Only /ask's answerability judge serves so (see
``bot.app.courses``); the grader's contradiction reader stays fp32.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # bump when what an export folder holds changes (2: meta.max_tokens, int8 exports)
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PROBES = (
    ("Which model has the longer memory? | the Transformer has the longer memory", "The RNN does."),
    ("Why train on GPUs? | GPUs run many operations in parallel", "Because GPUs compute in parallel."),
)
PROBE_TOLERANCE = 1e-3
INT8_PROBE_TOLERANCE = 0.1  # an int8 graph further than this from torch on a probe pair is a broken export
RUN_BATCH = 16  # pairs per graph run, shortest first (one for an int8 graph: see the module docstring)


class CorruptReaderExport(RuntimeError):
    """The export loads but no longer gives its probe probabilities."""


def export_key(weights: Path, *, quantize: bool = False) -> str:
    """The export's folder name: a hash of the weights' bytes, the base model's files, the format and the
    libraries, after ``reader-`` (fp32) or ``reader-int8-``."""
    from bot.infra.embedding import default_model_path
    from bot.infra.model_export import _library_versions, _weights_fingerprint

    digest = hashlib.sha256(Path(weights).read_bytes())
    identity = {
        "format": FORMAT_VERSION,
        "libraries": _library_versions(),
        "base": _weights_fingerprint(default_model_path()),  # the MiniLM the adapters are merged into
        "int8": "matmul-qint8-per-channel" if quantize else None,  # how quantize_matmuls quantizes
    }
    digest.update(json.dumps(identity, sort_keys=True).encode())
    return f"reader-{'int8-' if quantize else ''}{digest.hexdigest()[:16]}"


def find_or_export(root: Path, weights: Path, *, quantize: bool = False) -> OnnxContradictionReader:
    """The reader from its export under ``root``, made (or made again, when corrupt) if needed."""
    folder = Path(root) / export_key(weights, quantize=quantize)
    if (folder / "meta.json").is_file():
        try:
            return OnnxContradictionReader(folder)
        except Exception as exc:  # a failed probe, a truncated graph (onnxruntime's own errors), bad meta
            log.warning(
                "cross-encoder export corrupt, rebuilding it weights=%s reason=%r",
                Path(weights).name,
                f"{type(exc).__name__}: {exc}",
            )
            shutil.rmtree(folder, ignore_errors=True)
    _export(weights, folder, quantize=quantize)
    return OnnxContradictionReader(folder)


def _export(weights: Path, target: Path, *, quantize: bool = False) -> None:
    import torch

    from bot.infra.contradiction import CrossEncoderContradictionReader
    from bot.infra.embedding import default_model_path
    from bot.infra.model_export import quantize_matmuls

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        reader = CrossEncoderContradictionReader(weights, device="cpu")

        class Graph(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.encoder, self.heads = reader._encoder, reader._heads

            def forward(self, input_ids, attention_mask, token_type_ids):
                hidden = self.encoder(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state
                return torch.sigmoid(self.heads(hidden, attention_mask)[1])

        sample = reader._tokenizer(["a b", "c"], ["d", "e f"], padding=True, return_tensors="pt")
        axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"probability": {0: "batch"}}
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes for developers
            torch.onnx.export(
                Graph().eval(),
                tuple(sample[name] for name in INPUTS),
                str(work / ("fp32.onnx" if quantize else "reader.onnx")),
                input_names=list(INPUTS),
                output_names=["probability"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        shutil.copy(Path(default_model_path()) / "tokenizer.json", work / "tokenizer.json")
        meta = {
            "format": FORMAT_VERSION,
            "quantized": quantize,
            "max_tokens": reader.max_tokens,
            "probe": reader.probabilities(list(PROBES)).tolist(),
        }
        (work / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        if quantize:  # the int8 graph's own probe probabilities, once they are shown to be near torch's
            quantize_matmuls(work / "fp32.onnx", work / "reader.onnx")
            (work / "fp32.onnx").unlink()
            found = OnnxContradictionReader(work, check=False).probabilities(list(PROBES))
            if not np.allclose(found, meta["probe"], atol=INT8_PROBE_TOLERANCE):
                raise CorruptReaderExport(f"int8 export gives {found.tolist()} on its probes, torch {meta['probe']}")
            (work / "meta.json").write_text(json.dumps(meta | {"probe": found.tolist()}), encoding="utf-8")
        try:
            work.rename(target)
        except OSError:  # another process finished the same export first
            if not (target / "meta.json").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("cross-encoder exported to onnx weights=%s folder=%s", Path(weights).name, target)


class OnnxContradictionReader:
    """``ContradictionReader`` over an ONNX Runtime session; ``InferenceSession.run`` is thread-safe."""

    backend = "onnx"

    def __init__(self, folder: Path, *, check: bool = True) -> None:
        """``check``: the session must give the probe probabilities of the folder's meta (not while the
        export is being made)."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        from bot.infra.contradiction import MAX_TOKENS
        from bot.infra.onnx_embedder import cpu_session_options

        # bounded spinning, as the embedder's: a reader's idle threads spinning after each reading slowed
        # the /ask encode that came next
        options = cpu_session_options()
        self._session = ort.InferenceSession(str(folder / "reader.onnx"), options, providers=["CPUExecutionProvider"])
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self.max_tokens = int(meta.get("max_tokens", MAX_TOKENS))
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(self.max_tokens)  # longest first, as the torch reader's tokenizer
        self._tokenizer.no_padding()
        self.device = "cpu"
        self.quantized = bool(meta.get("quantized", False))
        if check and not np.allclose(self.probabilities(list(PROBES)), meta["probe"], atol=PROBE_TOLERANCE):
            raise CorruptReaderExport(f"{folder} no longer gives its probe probabilities")

    def probabilities(self, pairs: Sequence[tuple[str, str]], *, batch_size: int = RUN_BATCH) -> np.ndarray:
        out = np.zeros(len(pairs), dtype=np.float32)
        if self.quantized:
            batch_size = 1
        order = sorted(range(len(pairs)), key=lambda n: len(pairs[n][0]) + len(pairs[n][1]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            encodings = self._tokenizer.encode_batch([(pairs[n][0], pairs[n][1]) for n in rows])
            width = max(len(e.ids) for e in encodings)
            feed = {name: np.zeros((len(rows), width), dtype=np.int64) for name in INPUTS}
            for i, e in enumerate(encodings):
                feed["input_ids"][i, : len(e.ids)] = e.ids
                feed["attention_mask"][i, : len(e.ids)] = e.attention_mask
                feed["token_type_ids"][i, : len(e.ids)] = e.type_ids
            out[rows] = self._session.run(None, feed)[0]
        return out
