"""Fit the contradiction reader's adapters (``bot/infra/contradiction.py``) on our labelled answers.

    python scripts/fit_contradiction.py                  # fit on every training writer, write the weights
    python scripts/fit_contradiction.py --hold C         # fit on the others, report on writer C, write nothing
    python scripts/fit_contradiction.py --also more.jsonl --out x.npz   # more labelled answers, elsewhere

Trains on the same answers as ``scripts/fit_grader.py`` (never the shared dev sets or the held-out
ones): the verdict head on every answer, the contradiction head on the answers whose label says whether
they contradict the course. About 11 minutes for four epochs on two CPU cores (the 3,910 answers of
eleven writers: 68 minutes on a slower, busy two-core machine).

The shipped weights were fitted on all fourteen writers (``grade_eval`` ... ``train_feedback_l``, 4,876
answers: 22 minutes on this two-core machine while it did other work, 3 Dec 2026); the fit on the first
eleven before them was checked on the last three before they joined.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fit_grader import TRAIN, rows  # noqa: E402  (this folder is on the path when run as a script)
from lora_fit import add_arguments, fit  # noqa: E402

VERDICTS = {"correct": 0, "partial": 1, "incorrect": 2}
WRITERS = {path.stem: path for path in TRAIN}  # grade_eval, ..., train_feedback_l


def targets(row: dict) -> tuple[int, float]:
    """(verdict class, contradicts) with NaN where the label does not say."""
    if "verdict" in row:
        return VERDICTS[row["verdict"]], float(bool(row.get("contradicts")))
    return (0 if row["correct"] else 2), float("nan")


def auc(scores, positive) -> float:
    import numpy as np

    scores, positive = np.asarray(scores), np.asarray(positive, bool)
    pos, neg = scores[positive], scores[~positive]
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hold", choices=sorted(WRITERS), help="a writer to leave out and report on")
    add_arguments(parser, epochs=4, what="answers")
    parser.add_argument(
        "--also", type=Path, nargs="*", default=[], help="more labelled answer files to train on (JSON lines)"
    )
    args = parser.parse_args()

    import numpy as np
    import torch
    from torch import nn
    from transformers import AutoTokenizer

    from bot.core.contradiction import rubric_text
    from bot.infra.contradiction import DEFAULT_WEIGHTS, MAX_TOKENS, build, trained_state
    from bot.infra.embedding import default_model_path
    from content.loader import default_pack_path, load_pack

    torch.manual_seed(0)
    random.seed(0)
    pack = load_pack(default_pack_path())
    held = rows(WRITERS[args.hold]) if args.hold else []
    train = [r for name, path in WRITERS.items() if name != args.hold for r in rows(path)]
    train += [r for path in args.also for r in rows(path)]
    if args.limit:
        train = train[: args.limit]
    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    encoder, heads = build(default_model_path())

    def tokens(batch: list[dict]):
        return tokenizer(
            [rubric_text(pack.get(r["question_id"])) for r in batch],
            [r["answer"] for r in batch],
            truncation=True, max_length=MAX_TOKENS, padding=True, return_tensors="pt",
        )

    def loss(batch: list[dict]):
        x = tokens(batch)
        verdict, contradiction = heads(encoder(**x).last_hidden_state, x["attention_mask"])
        wanted = [targets(r) for r in batch]
        value = nn.functional.cross_entropy(verdict, torch.tensor([v for v, _ in wanted]))
        said = torch.tensor([c for _, c in wanted])
        known = ~torch.isnan(said)
        if known.any():  # contradictions are the rarer class: weigh them double
            value = value + nn.functional.binary_cross_entropy_with_logits(
                contradiction[known], said[known], pos_weight=torch.tensor(2.0)
            )
        return value

    fit(encoder, heads, train, loss, args)

    state = trained_state(encoder, heads)
    if held:
        from bot.infra.contradiction import CrossEncoderContradictionReader

        scratch = ROOT / ".studybot" / "contradiction-held.npz"
        scratch.parent.mkdir(exist_ok=True)
        np.savez(scratch, **state)
        reader = CrossEncoderContradictionReader(scratch)
        p = reader.probabilities([(rubric_text(pack.get(r["question_id"])), r["answer"]) for r in held])
        said = [bool(r.get("contradicts")) for r in held]
        print(f"writer {args.hold}: contradiction AUC {auc(p, said):.3f} on {len(held)} answers ({sum(said)} contradict)")
        return
    out = args.out or DEFAULT_WEIGHTS
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, **{k: v.astype(np.float32) for k, v in state.items()})
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
