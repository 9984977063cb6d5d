"""Fit ``/ask``'s answerability judge (``bot/core/answerability.py``) on our own query sets.

    python scripts/fit_answerability.py                     # fit on every training set, write the weights
    python scripts/fit_answerability.py --hold ask_hard_dev4  # fit on the others, report on that one
    python scripts/fit_answerability.py --out x.npz --epochs 2
    python scripts/fit_answerability.py --pack my-course.yaml --sets my-queries.jsonl --out my-judge.npz

The judge is the contradiction reader's model (``bot/infra/contradiction.py``: MiniLM with LoRA adapters)
with a weights file of its own; its one-logit head says "this item answers this question". It learns from
the items ``/ask`` itself puts first for each query of our sets: the expected item is a positive pair,
every other candidate a negative one, and every candidate of a query the course does not answer (near
and far) a negative one. The shared dev sets and the held-out sets are never fitted on. Another course
needs query sets of its own, in the same format (``query``, ``expect``: an item id or null, ``kind``), a
few hundred lines with many questions it does not answer; the weights say which course they serve.

It fits the base's first ``--layers`` blocks (three) on pairs cut at ``--max-tokens`` (64), both kept in
the weights file so that serving reads as fitting did: a cheaper judge for /ask (see
``bot/infra/contradiction.py``). Ten epochs take about 6 minutes on two CPU cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lora_fit import add_arguments, fit  # noqa: E402  (this folder is on the path when run as a script)

DATA = ROOT / "tests" / "data"
TRAIN = {
    path.stem: path
    for path in (
        DATA / "ask_eval.jsonl",
        DATA / "ask_hard_dev.jsonl",
        DATA / "ask_hard_dev2.jsonl",
        DATA / "ask_hard_dev3.jsonl",
        DATA / "ask_hard_dev4.jsonl",
        DATA / "ask_near_dev.jsonl",
    )
}
CANDIDATES = 2  # the items /ask ranks first for a query, each read as a pair


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pairs_for(service, pack, rows: list[dict]) -> list[tuple[str, str, float]]:
    """(query as the judge reads it, item text, 1 when that item answers the query)."""
    from bot.core.answerability import item_text

    texts = [service.speller.normalise(r["query"]) if service.speller else r["query"] for r in rows]
    out = []
    for row, text, result in zip(rows, texts, service.ask_many([r["query"] for r in rows]), strict=True):
        ranked = ([result.item] if result.item else []) + [hit.item for hit in result.related]
        ids = [item.id for item in ranked[:CANDIDATES]]
        if row["expect"] and row["expect"] not in ids:
            ids.append(row["expect"])
        out += [(text, item_text(pack.get(i)), float(i == row["expect"])) for i in ids]
    return out


def main() -> None:
    from bot.infra.contradiction import ANSWERABILITY_LAYERS, ANSWERABILITY_MAX_TOKENS

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pack", type=Path, default=None, help="the course pack (default: the shipped one)")
    parser.add_argument("--sets", type=Path, nargs="+", default=None, help="query sets (default: ours)")
    parser.add_argument("--hold", help="a set (its file name without .jsonl) to leave out and report on")
    parser.add_argument(
        "--layers", type=int, default=ANSWERABILITY_LAYERS, help="the base's first blocks the judge keeps"
    )
    parser.add_argument(
        "--max-tokens", type=int, default=ANSWERABILITY_MAX_TOKENS,
        help="question and item together are cut there, in fitting and in serving (the weights keep it)",
    )
    add_arguments(parser, epochs=10, what="pairs")
    args = parser.parse_args()
    if not 1 <= args.layers <= 6:
        parser.error(f"--layers: 1 to 6, the blocks of the base model (not {args.layers})")
    if args.max_tokens < 16:
        parser.error(f"--max-tokens: at least 16, to hold a question and an item (not {args.max_tokens})")

    import numpy as np
    import torch
    from torch import nn
    from transformers import AutoTokenizer

    from bot.app.courses import build_course_models
    from bot.infra.contradiction import ANSWERABILITY_WEIGHTS, build, trained_state
    from bot.infra.embedder_factory import build_embedder
    from bot.infra.embedding import default_model_path
    from content.loader import default_pack_path, load_pack

    torch.manual_seed(0)
    random.seed(0)
    pack = load_pack(args.pack or default_pack_path())
    sets = {path.stem: path for path in args.sets} if args.sets else TRAIN
    if args.hold and args.hold not in sets:
        parser.error(f"--hold: no set {args.hold!r} (sets: {', '.join(sorted(sets))})")
    cache = Path(os.environ.get("STUDYBOT_CACHE_DIR") or ROOT / ".studybot" / "cache")
    service = build_course_models(pack, build_embedder(device="cpu", export_root=cache / "onnx"))[0]
    train = [p for name, path in sets.items() if name != args.hold for p in pairs_for(service, pack, load(path))]
    if args.limit:
        train = train[: args.limit]
    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    encoder, heads = build(default_model_path(), layers=args.layers)
    print(f"{sum(1 for *_, y in train if y)} of the {len(train)} pairs answer their question", flush=True)

    def loss(batch: list[tuple[str, str, float]]):
        x = tokenizer(
            [q for q, _, _ in batch], [t for _, t, _ in batch],
            truncation=True, max_length=args.max_tokens, padding=True, return_tensors="pt",
        )
        _, logit = heads(encoder(**x).last_hidden_state, x["attention_mask"])
        return nn.functional.binary_cross_entropy_with_logits(logit, torch.tensor([y for *_, y in batch]))

    fit(encoder, heads, train, loss, args)

    state: dict = {k: v.astype(np.float32) for k, v in trained_state(encoder, heads).items()}
    state["meta.courses"] = np.array([pack.id])  # bot/app/courses.py uses it for this course only
    state["meta.max_tokens"] = np.array(args.max_tokens)  # the readers cut pairs where fitting did
    if args.hold:  # never where it could be served: the scratch folder, whatever --out says
        from bot.infra.contradiction import CrossEncoderContradictionReader

        out = ROOT / ".studybot" / "answerability-held.npz"
        out.parent.mkdir(parents=True, exist_ok=True)
        np.savez(out, **state)
        held = pairs_for(service, pack, load(sets[args.hold]))
        p = CrossEncoderContradictionReader(out).probabilities([(q, t) for q, t, _ in held])
        said = np.array([y for *_, y in held], bool)
        auc = float((p[said][:, None] > p[~said][None, :]).mean())
        print(f"{args.hold}: answering pairs ranked above the others, AUC {auc:.3f} on {len(held)} pairs")
        return
    out = args.out or ANSWERABILITY_WEIGHTS
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, **state)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
