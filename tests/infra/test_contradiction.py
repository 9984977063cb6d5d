"""The contradiction reader (bot/infra/contradiction.py): merged adapters read as the model they were
trained as, a foreign weights file is refused, and the shipped reader tells contradicting answers from
the others on held-out answers it was never fitted on."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from bot.core.answerability import VETO_BELOW
from bot.core.contradiction import rubric_text
from bot.infra.contradiction import CrossEncoderContradictionReader, build, trained_state
from bot.infra.embedding import default_model_path

DATA = Path(__file__).resolve().parents[1] / "data"
PAIRS = [
    ("Why train on GPUs? | GPUs run many operations in parallel", "Because GPUs compute in parallel."),
    ("Which has the longer memory? | the Transformer", "The RNN remembers longer than a Transformer."),
]


def test_merged_adapters_read_as_the_adapted_model(tmp_path):
    import torch

    torch.manual_seed(1)
    encoder, heads = build(default_model_path())
    with torch.no_grad():
        for name, p in encoder.named_parameters():
            if name.endswith("lora_b"):
                p.normal_(0, 0.05)  # trained adapters are not zero: the merge must carry them
        heads.contradiction.bias.fill_(0.3)
    from transformers import AutoTokenizer

    tokens = AutoTokenizer.from_pretrained(default_model_path())(
        [p for p, _ in PAIRS], [a for _, a in PAIRS], padding=True, return_tensors="pt"
    )
    with torch.inference_mode():
        _, logits = heads(encoder.eval()(**tokens).last_hidden_state, tokens["attention_mask"])
    np.savez(tmp_path / "w.npz", **trained_state(encoder, heads))
    merged = CrossEncoderContradictionReader(tmp_path / "w.npz", device="cpu").probabilities(PAIRS)
    assert np.allclose(merged, torch.sigmoid(logits).numpy(), atol=1e-4)
    assert not np.allclose(merged, merged[0])  # the pairs read differently


def test_a_weights_file_of_another_model_is_refused(tmp_path):
    np.savez(tmp_path / "w.npz", **{"encoder.something.else": np.zeros(3, np.float32)})
    with pytest.raises((ValueError, KeyError)):
        CrossEncoderContradictionReader(tmp_path / "w.npz", device="cpu")


def test_no_pairs_cost_nothing(contradiction_reader):
    assert contradiction_reader.probabilities([]).shape == (0,)


def _auc(scores: np.ndarray, positive: np.ndarray) -> float:
    pos, neg = scores[positive], scores[~positive]
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


# held-out answers, never fitted on: contradiction AUC floors, a little under what the reader fitted on
# fourteen writers measured on 3 Dec 2026 (in the comments; the reader fitted on eleven before it: git log)
AUC_FLOORS = {
    "holdout_feedback.jsonl": 0.95,  # 0.982
    "holdout_feedback_v2.jsonl": 0.91,  # 0.939
    "holdout_feedback_v3.jsonl": 0.94,  # 0.968
    "holdout_feedback_v4.jsonl": 0.93,  # 0.965
    "holdout_feedback_v5.jsonl": 0.95,  # 0.975
    "holdout_feedback_v6.jsonl": 0.97,  # 0.999
    "holdout_feedback_v7.jsonl": 0.96,  # 0.993
    "holdout_feedback_v8.jsonl": 0.96,  # 0.986
    "holdout_feedback_v9.jsonl": 0.95,  # 0.984
    "holdout_feedback_v14.jsonl": 0.94,  # 0.971 (0.939 with the reader fitted on eleven)
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(AUC_FLOORS))
def test_the_shipped_reader_finds_contradicting_answers(contradiction_reader, course_pack, name):
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    pairs = [(rubric_text(course_pack.get(r["question_id"])), r["answer"]) for r in rows]
    said = np.array([bool(r["contradicts"]) for r in rows])
    auc = _auc(contradiction_reader.probabilities(pairs), said)
    print(f"\ncontradiction AUC on {name}: {auc:.3f} ({said.sum()} of {len(rows)} contradict)")
    assert auc >= AUC_FLOORS[name]


LONG = "the answer goes on and on about GPUs and parallel cores " * 40  # past MAX_TOKENS: truncated alike


def test_the_onnx_reader_gives_the_torch_readers_probabilities(tmp_path):
    from bot.infra.contradiction import DEFAULT_WEIGHTS
    from bot.infra.contradiction_onnx import OnnxContradictionReader, find_or_export

    pairs = [*PAIRS, ("Why train on GPUs? | GPUs run many operations in parallel", LONG), ("a | b", "")]
    onnx = find_or_export(tmp_path, DEFAULT_WEIGHTS)
    assert isinstance(onnx, OnnxContradictionReader)
    torch_reader = CrossEncoderContradictionReader(DEFAULT_WEIGHTS, device="cpu")
    assert np.allclose(onnx.probabilities(pairs), torch_reader.probabilities(pairs), atol=1e-4)
    assert len(list(tmp_path.iterdir())) == 1  # one folder, no temporary leftovers
    again = find_or_export(tmp_path, DEFAULT_WEIGHTS)  # found, not exported again
    assert np.allclose(again.probabilities(pairs[:1]), onnx.probabilities(pairs[:1]))


def test_a_corrupt_export_is_made_again(tmp_path):
    from bot.infra.contradiction import DEFAULT_WEIGHTS
    from bot.infra.contradiction_onnx import find_or_export

    first = find_or_export(tmp_path, DEFAULT_WEIGHTS)
    folder = next(tmp_path.iterdir())
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps(meta | {"probe": [0.5 + p / 3 for p in meta["probe"]]}))
    rebuilt = find_or_export(tmp_path, DEFAULT_WEIGHTS)
    assert np.allclose(rebuilt.probabilities(PAIRS), first.probabilities(PAIRS), atol=1e-6)
    assert json.loads((folder / "meta.json").read_text())["probe"] == meta["probe"]


def test_a_truncated_graph_is_made_again(tmp_path):
    """onnxruntime's own load errors (not OSError) count as a corrupt export too."""
    from bot.infra.contradiction import DEFAULT_WEIGHTS
    from bot.infra.contradiction_onnx import find_or_export

    first = find_or_export(tmp_path, DEFAULT_WEIGHTS)
    graph = next(tmp_path.iterdir()) / "reader.onnx"
    size = graph.stat().st_size
    graph.write_bytes(graph.read_bytes()[:100])
    rebuilt = find_or_export(tmp_path, DEFAULT_WEIGHTS)
    assert graph.stat().st_size == size
    assert np.allclose(rebuilt.probabilities(PAIRS), first.probabilities(PAIRS), atol=1e-6)


JUDGE_PAIRS = [
    ("what is an example of a decoder only model", "Which model is encoder-only? | BERT is encoder-only; GPT-2 decodes."),
    ("why do we train on gpus", "Why are GPUs used to train networks? | They run many operations in parallel."),
    ("wats a dataloader 4", "What is a DataLoader for? | It batches and shuffles the dataset for training."),
]


def test_an_int8_export_reads_near_torch_and_each_pair_as_if_alone(tmp_path, caplog):
    """/ask's judge serves int8: near the torch reader, in a folder of its own beside the fp32 export, and a
    pair's probability does not depend on what it is read with (activation scales are per graph run)."""
    from bot.infra.contradiction import ANSWERABILITY_WEIGHTS
    from bot.infra.contradiction_onnx import find_or_export

    with caplog.at_level(logging.INFO):
        int8 = find_or_export(tmp_path, ANSWERABILITY_WEIGHTS, quantize=True)
    quantizer_chatter = [r.getMessage() for r in caplog.records if r.name == "root" and r.levelno < logging.WARNING]
    assert quantizer_chatter == []  # onnxruntime's per-tensor INFO lines stay out of the bot's log
    fp32 = find_or_export(tmp_path, ANSWERABILITY_WEIGHTS)
    assert int8.quantized and not fp32.quantized
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and sum(name.startswith("reader-int8-") for name in names) == 1
    together = int8.probabilities(JUDGE_PAIRS)
    alone = np.array([int8.probabilities([pair])[0] for pair in JUDGE_PAIRS])
    assert np.array_equal(together, alone)
    exact = CrossEncoderContradictionReader(ANSWERABILITY_WEIGHTS, device="cpu").probabilities(JUDGE_PAIRS)
    assert np.allclose(together, exact, atol=0.2)  # int8 moves a probability by 0.015 on average
    assert np.array_equal(together < VETO_BELOW, exact < VETO_BELOW)  # and /ask decides as with fp32
    again = find_or_export(tmp_path, ANSWERABILITY_WEIGHTS, quantize=True)  # found, not made again
    assert np.allclose(again.probabilities(JUDGE_PAIRS), together)


def test_an_int8_export_far_from_torch_is_refused(tmp_path, monkeypatch):
    """The int8 graph's probe probabilities are checked against torch's before the export is kept."""
    import bot.infra.contradiction_onnx as onnx_reader
    from bot.infra.contradiction import ANSWERABILITY_WEIGHTS

    monkeypatch.setattr(onnx_reader, "INT8_PROBE_TOLERANCE", -1.0)  # any difference is too far
    with pytest.raises(onnx_reader.CorruptReaderExport, match="int8 export gives"):
        onnx_reader.find_or_export(tmp_path, ANSWERABILITY_WEIGHTS, quantize=True)
    assert not list(tmp_path.iterdir())  # no half-made folder left


def test_the_judge_reads_a_pair_only_as_far_as_it_was_fitted(tmp_path):
    """The judge's weights keep where fitting cut a pair (64 tokens); torch and the ONNX export both cut
    there, so two items that differ only past it read the same, while the grader's reader reads them whole."""
    from bot.infra.contradiction import ANSWERABILITY_MAX_TOKENS, ANSWERABILITY_WEIGHTS, MAX_TOKENS
    from bot.infra.contradiction_onnx import find_or_export

    stem = "Why are GPUs used to train networks? | " + "They run many small operations in parallel, " * 8
    pairs = [("why gpus", stem + "so training is fast."), ("why gpus", stem + "but BERT is a decoder model.")]
    torch_judge = CrossEncoderContradictionReader(ANSWERABILITY_WEIGHTS, device="cpu")
    for judge in (torch_judge, find_or_export(tmp_path, ANSWERABILITY_WEIGHTS)):
        assert judge.max_tokens == ANSWERABILITY_MAX_TOKENS
        first, second = judge.probabilities(pairs)
        assert first == pytest.approx(second, abs=1e-6)
    grader = CrossEncoderContradictionReader(device="cpu")
    assert grader.max_tokens == MAX_TOKENS
    first, second = grader.probabilities(pairs)
    assert abs(first - second) > 1e-4
