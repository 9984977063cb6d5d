"""Evaluation of /ask on the shared dev sets, our own sets and the held-out ones.

Sets of clean paraphrases (``dev``, ``own``, ``holdout``) and sets of queries as students type them
(``*_hard``: kinds typo, scenario, terse in scope; near and far out of scope). Prints every figure, by
kind too, and fails below each set's floors (a little under what was measured when they were set).
The held-out sets were written by people who never saw the code or the tuning; nothing was tuned on them.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from bot.app.core import build_course_models
from bot.core.ask import AskService

DATA = Path(__file__).resolve().parents[1] / "data"
_ROOT = Path(__file__).resolve().parents[2]
SHARED_EVAL = next(
    (p / "shared" / "eval" for p in (_ROOT.parent, _ROOT.parent.parent) if (p / "shared" / "eval").is_dir()),
    _ROOT.parent / "shared" / "eval",
)  # the main checkout sits beside shared/, a worktree one level further down

pytestmark = pytest.mark.slow


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(service: AskService, rows: list[dict]) -> dict[str, float]:
    results = service.ask_many([r["query"] for r in rows])
    inscope = [(r, x) for r, x in zip(rows, results, strict=True) if r["expect"] is not None]
    outscope = [(r, x) for r, x in zip(rows, results, strict=True) if r["expect"] is None]
    right = sum(1 for r, x in inscope if not x.abstained and x.item.id == r["expect"])
    top1 = sum(
        1
        for r, x in inscope
        if (x.item or (x.related[0].item if x.related else None)) is not None
        and (x.item.id if x.item else x.related[0].item.id) == r["expect"]
    )
    rejected = sum(1 for _, x in outscope if x.abstained)
    by_kind: dict[str, Counter[bool]] = defaultdict(Counter)
    for r, x in zip(rows, results, strict=True):
        ok = x.abstained if r["expect"] is None else (not x.abstained and x.item.id == r["expect"])
        by_kind[r.get("kind", "-")][ok] += 1
    return {
        "in_scope": len(inscope),
        "out_scope": len(outscope),
        "answered_right": right / max(1, len(inscope)),
        "top1": top1 / max(1, len(inscope)),
        "rejected": rejected / max(1, len(outscope)),
        "by_kind": {k: f"{c[True]}/{c[True] + c[False]}" for k, c in sorted(by_kind.items())},
        "kind_rate": {k: c[True] / (c[True] + c[False]) for k, c in by_kind.items()},
        "misses": [
            (r["query"], r["expect"], None if x.abstained else x.item.id, round(x.score, 3))
            for r, x in zip(rows, results, strict=True)
            if (x.abstained if r["expect"] is not None else not x.abstained)
            or (r["expect"] is not None and x.item is not None and x.item.id != r["expect"])
        ],
    }


@pytest.fixture(scope="module")
def service(real_embedder, course_pack, ask_judge) -> AskService:
    """Built by the composition root exactly as the bot builds it, with the shipped threshold and judge."""
    return build_course_models(course_pack, real_embedder, judge=ask_judge)[0]


SETS = {
    "dev": SHARED_EVAL / "dev_ask.jsonl",
    "dev_hard": SHARED_EVAL / "dev_ask_hard.jsonl",
    "own": DATA / "ask_eval.jsonl",
    "own_hard": DATA / "ask_hard_dev.jsonl",
    # own, own_hard, own_near and own_dev2...4 are what the answerability judge was fitted on
    # (scripts/fit_answerability.py): their figures flatter it since 1 Dec 2026
    # written for the novelty test (bot/core/novelty.py): near-domain topics no anchor names, and
    # typo/scenario/terse queries full of words the course never uses; tuned on, like the sets above
    "own_near": DATA / "ask_near_dev.jsonl",
    # an independent writer, written the way the blind held-out writers write: a development set (read,
    # and used to cross-validate the decline rule against re-tuned constants and a learned model, which
    # both lost), measured with the rule's constants unchanged
    "own_dev2": DATA / "ask_hard_dev2.jsonl",
    # a third independent writer (1 Dec 2026), read: its near-domain misses showed the speller turning
    # "gelu" into "relu" and splitting code names ("requires_grad" into "requires grid")
    "own_dev3": DATA / "ask_hard_dev3.jsonl",
    # a fourth (1 Dec 2026), 200 of its 500 lines near-domain (120 follow-ups on covered topics): with the
    # three above, what the answerability judge was fitted on (scripts/fit_answerability.py)
    "own_dev4": DATA / "ask_hard_dev4.jsonl",
    "holdout": DATA / "holdout_ask.jsonl",  # written by someone who never saw the tuning; never tuned on
    "holdout_hard": DATA / "holdout_ask_hard.jsonl",  # likewise, for queries as students type them
    "holdout_hard_v2": DATA / "holdout_ask_hard_v2.jsonl",  # a second writer, measured once, blind
    # more writers, blind: v3 measured before and after the novelty test, v4 once after it, v5 once after
    # the novelty test's refinements, v6 once after its acronyms, v7 once after the pack's new situations,
    # v8 (half its near-domain lines follow-ups on covered topics) once after the follow-up anchors
    "holdout_hard_v3": DATA / "holdout_ask_hard_v3.jsonl",
    "holdout_hard_v4": DATA / "holdout_ask_hard_v4.jsonl",
    "holdout_hard_v5": DATA / "holdout_ask_hard_v5.jsonl",
    "holdout_hard_v6": DATA / "holdout_ask_hard_v6.jsonl",
    "holdout_hard_v7": DATA / "holdout_ask_hard_v7.jsonl",
    "holdout_hard_v8": DATA / "holdout_ask_hard_v8.jsonl",
    # a ninth writer, measured once, blind, a stop after the last /ask change (100 near, 80 far)
    "holdout_hard_v9": DATA / "holdout_ask_hard_v9.jsonl",
    # a tenth writer (1 Dec 2026), blind: measured once before and once after the speller's first-letter rule
    # and code names as one word
    "holdout_hard_v10": DATA / "holdout_ask_hard_v10.jsonl",
    # an eleventh (1 Dec 2026), blind: measured once before and once after the answerability judge
    "holdout_hard_v11": DATA / "holdout_ask_hard_v11.jsonl",
    # a twelfth (1 Dec 2026, 150 in scope, 80 near, 70 far), blind: measured once, /ask unchanged since v11
    "holdout_hard_v12": DATA / "holdout_ask_hard_v12.jsonl",
    # a thirteenth (2 Dec 2026, 150 in scope, 80 near, 70 far), blind: measured once, /ask unchanged since v11
    "holdout_hard_v13": DATA / "holdout_ask_hard_v13.jsonl",
}
# set -> (answered right, rejected, {kind: share handled right}); in-scope kinds count answered right,
# near/far count declined.
FLOORS: dict[str, tuple[float, float, dict[str, float]]] = {
    "dev": (0.96, 0.90, {}),
    "dev_hard": (0.90, 0.90, {}),  # 20 lines: one miss is 0.07
    "own": (0.96, 0.96, {}),
    "own_hard": (0.97, 0.96, {"typo": 0.96, "scenario": 0.96, "terse": 0.97, "near": 0.97, "far": 0.97}),
    "own_near": (0.88, 0.90, {"typo": 0.9, "terse": 0.9, "near": 0.90}),  # 35 in scope, 55 near; 0.931 / near 0.927
    # 220 in scope, 180 out; measured 0.964 / 0.972, typo 0.988, scenario 0.925, terse 0.983, near 0.955, far 1.0
    # (near 0.845 and far 0.986 before the off-course anchors of deeper follow-ups)
    "own_dev2": (0.94, 0.95, {"typo": 0.97, "scenario": 0.90, "terse": 0.95, "near": 0.93, "far": 0.97}),
    # measured 0.950 / 0.950: typo 39/40, scenario 36/40, terse 39/40, near 91/100 (88 before), far 80/80
    "own_dev3": (0.93, 0.93, {"typo": 0.95, "scenario": 0.87, "terse": 0.95, "near": 0.89, "far": 0.97}),
    # fitted on by the judge, so flattering: 0.970 / 0.983, typo 48/50, scenario 57/60, terse 40/40, paraphrase
    # 49/50, near 195/200, far 100/100 (before the judge: 0.970 / 0.850, near 157/200)
    "own_dev4": (
        0.94,
        0.96,
        {"typo": 0.94, "scenario": 0.92, "terse": 0.97, "paraphrase": 0.92, "near": 0.95, "far": 0.97},
    ),
    "holdout": (0.97, 0.92, {}),
    # held-out sets, measured 1 Dec 2026 with the answerability judge (before it, near-domain declined on
    # v1...v11: 54/60 76/80 78/80 76/80 76/80 78/80 75/80 73/80 96/100 83/100 79/100; after it: in the comments).
    # Measured once more on 2 Dec 2026, the judge cut to three blocks and 64 tokens, served int8, for /ask's
    # latency (bot/infra/contradiction.py): over hard v1...v13 in scope 1850/1940 (1848 before), near
    # 1052/1080 (1052), far 838/840 (838); clean held-out 150/150 (148)
    "holdout_hard": (0.94, 0.93, {"typo": 0.95, "scenario": 0.86, "terse": 0.98, "near": 0.93, "far": 0.95}),  # near 58/60
    "holdout_hard_v2": (0.92, 0.95, {"typo": 0.96, "scenario": 0.84, "terse": 0.94, "near": 0.95, "far": 0.97}),  # 79/80
    "holdout_hard_v3": (0.93, 0.95, {"typo": 0.95, "scenario": 0.90, "terse": 0.92, "near": 0.95, "far": 0.96}),  # 79/80
    "holdout_hard_v4": (0.92, 0.95, {"typo": 0.96, "scenario": 0.86, "terse": 0.92, "near": 0.95, "far": 0.96}),  # 79/80
    "holdout_hard_v5": (0.93, 0.95, {"typo": 0.96, "scenario": 0.86, "terse": 0.92, "near": 0.96, "far": 0.95}),  # 80/80
    "holdout_hard_v6": (0.88, 0.95, {"typo": 0.93, "scenario": 0.72, "terse": 0.94, "near": 0.96, "far": 0.95}),  # 80/80
    "holdout_hard_v7": (0.89, 0.95, {"typo": 0.95, "scenario": 0.80, "terse": 0.88, "near": 0.94, "far": 0.95}),  # 78/80
    # scenario 46/50 before the judge, 43/50 after
    "holdout_hard_v8": (0.90, 0.95, {"typo": 0.93, "scenario": 0.84, "terse": 0.94, "near": 0.95, "far": 0.96}),  # 79/80
    # before: 0.967 / 0.972 (near 96/100); after: 0.958 / 0.994, typo 39/40, scenario 36/40, near 99/100, far 80/80
    "holdout_hard_v9": (0.94, 0.96, {"typo": 0.95, "scenario": 0.87, "terse": 0.97, "near": 0.96, "far": 0.97}),
    # first: 0.958 / 0.889 (near 81/100); after the speller's first-letter rule and code names as one word: 0.958 /
    # 0.900 (near 83/100); with the judge: 0.958 / 0.983, typo 40/40, scenario 36/40, terse 39/40, near 97/100, far 80/80
    "holdout_hard_v10": (0.94, 0.96, {"typo": 0.97, "scenario": 0.87, "terse": 0.95, "near": 0.94, "far": 0.97}),
    # before the judge: 0.933 / 0.878, typo 37/40, scenario 36/40, terse 39/40, near 79/100, far 79/80; with it:
    # 0.933 / 0.967, the same in scope, near 94/100, far 80/80
    "holdout_hard_v11": (0.91, 0.94, {"typo": 0.9, "scenario": 0.87, "terse": 0.95, "near": 0.91, "far": 0.97}),
    # 0.973 / 0.967: typo 48/50, scenario 48/50, terse 50/50, near 76/80 (67/80 without the judge), far 69/70
    "holdout_hard_v12": (0.95, 0.94, {"typo": 0.94, "scenario": 0.94, "terse": 0.97, "near": 0.92, "far": 0.97}),
    # 0.960 / 0.960: typo 50/50, scenario 45/50, terse 49/50, near 74/80, far 70/70
    "holdout_hard_v13": (0.94, 0.94, {"typo": 0.96, "scenario": 0.86, "terse": 0.94, "near": 0.9, "far": 0.97}),
}


@pytest.mark.parametrize("name", list(SETS))
def test_ask_quality(service: AskService, name: str):
    path = SETS[name]
    if not path.exists():
        pytest.skip(f"{path} not present")
    figures = evaluate(service, load(path))
    print(
        f"\n/ask on {name} set ({figures['in_scope']} in scope, {figures['out_scope']} out of scope): "
        f"answered right {figures['answered_right']:.3f}, top-1 {figures['top1']:.3f}, "
        f"rejected {figures['rejected']:.3f}; by kind {figures['by_kind']}"
    )
    if not name.startswith("holdout"):  # held-out lines are never shown: nobody tunes on them
        for miss in figures["misses"]:
            print("  miss:", miss)
    right_floor, rejected_floor, kind_floors = FLOORS[name]
    assert figures["answered_right"] >= right_floor
    assert figures["rejected"] >= rejected_floor
    for kind, floor in kind_floors.items():
        assert figures["kind_rate"][kind] >= floor, kind


def test_own_set_is_large_and_varied():
    rows = load(DATA / "ask_eval.jsonl")
    kinds = Counter(r["kind"] for r in rows)
    assert len(rows) >= 160
    assert sum(1 for r in rows if r["expect"] is None) >= 40
    assert len(kinds) >= 6


def test_own_hard_set_covers_every_item_in_every_kind(course_pack):
    rows = load(DATA / "ask_hard_dev.jsonl")
    for kind in ("typo", "scenario", "terse"):
        assert {r["expect"] for r in rows if r["kind"] == kind} == {q.id for q in course_pack.questions}
    assert sum(1 for r in rows if r["kind"] == "near") >= 40
    assert sum(1 for r in rows if r["kind"] == "far") >= 25
