"""The training loop both LoRA cross-encoders share (``fit_contradiction.py``, ``fit_answerability.py``):
AdamW on the adapters and heads only, a one-cycle learning rate, shuffled batches, a line per epoch."""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser, *, epochs: int, what: str) -> None:
    """The options every fit takes; ``what`` names a training example ("answers", "pairs")."""
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--limit", type=int, default=0, help=f"train on this many {what} only (a smoke run)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the weights")
    parser.set_defaults(examples=what)


def fit(encoder, heads, train: list, loss: Callable[[Sequence], object], args: argparse.Namespace) -> None:
    """Fit the trainable numbers of ``encoder`` and ``heads`` on ``train``; ``loss(batch)`` runs the model
    on a batch and returns its loss tensor."""
    import torch

    params = [p for p in [*encoder.parameters(), *heads.parameters()] if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * math.ceil(len(train) / args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=args.lr, total_steps=steps, pct_start=0.1)
    print(f"fitting {sum(p.numel() for p in params)} numbers on {len(train)} {args.examples}, {steps} steps", flush=True)
    started = time.monotonic()
    encoder.train()
    for epoch in range(args.epochs):
        random.shuffle(train)
        total = 0.0
        for start in range(0, len(train), args.batch):
            value = loss(train[start : start + args.batch])
            optimiser.zero_grad()
            value.backward()
            optimiser.step()
            schedule.step()
            total += value.item()
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total:.1f}, {time.monotonic() - started:.0f} s", flush=True)
