"""The ``studybot`` command as a user runs it: real processes, the real model, a temporary data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
EXE = str(Path(sys.executable).with_name("studybot"))


def run(args: list[str], tmp_path: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(STUDYBOT_DATA_DIR=str(tmp_path / "data"), HF_HUB_OFFLINE="1", **env)
    return subprocess.run(
        [EXE, *args], input=stdin, capture_output=True, text=True, env=environment, timeout=240
    )


def test_ask_json_many_queries_in_order(tmp_path):
    queries = [
        "why do we train neural networks on GPUs?",
        "what's a good lasagna recipe?",
        "encoder only model example",
    ]
    result = run(["ask", "--json", *queries], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == queries
    assert lines[0]["id"] == "1.9" and lines[0]["abstained"] is False
    assert lines[1]["abstained"] is True and lines[1]["id"] is None
    assert lines[2]["id"] == "1.22"
    for line in lines:
        assert isinstance(line["score"], float) and isinstance(line["related"], list)
    assert (Path(os.environ["STUDYBOT_CACHE_DIR"]) / "embeddings.sqlite3").exists()  # the course went in the cache


def test_ask_bad_usage(tmp_path):
    assert "usage" in run(["ask"], tmp_path).stderr
    assert "usage" in run(["ask", "   "], tmp_path).stderr
    too_long = run(["ask", "x" * 1001], tmp_path)
    assert too_long.returncode == 2 and "over 1000 characters" in too_long.stderr


def test_grade_reads_json_lines(tmp_path):
    stdin = "\n".join(
        [
            json.dumps({"question_id": "1.24", "answer": "The Transformer"}),
            json.dumps({"question_id": "1.24", "answer": "The RNN"}),
            json.dumps({"question_id": "1.99", "answer": "?"}),
        ]
    )
    result = run(["grade", "--json"], tmp_path, stdin=stdin)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("correct") for o in out[:2]] == [True, False]
    assert "error" in out[2]


def test_grade_sends_a_right_looking_contradiction_to_the_staff(tmp_path):
    """The shipped contradiction reader, as `studybot grade` loads it by default (ONNX on the CPU)."""
    stdin = "\n".join(
        json.dumps({"question_id": "1.14", "answer": answer})
        for answer in (
            "The DataLoader loads the data in mini-batches and shuffles it, and it also updates the model's "
            "weights on each batch.",  # the course: it feeds the data; training is the model's
            "It feeds the data to the model in mini-batches, shuffling it every epoch, and can load in "
            "parallel worker processes.",
            "The DataLoader loads the data in batches and shuffles it, and it also runs the backward pass "
            "to compute the gradients.",  # close to answers marked wrong: never full points
            # this one fooled similarity alone until the marked answers came: now, even without the reader,
            # it goes to the staff; with it, it is wrong
            "The DataLoader loads the data in batches and shuffles it, and it also trains the model on each "
            "batch.",
        )
    )
    graded = {
        mode: [json.loads(line) for line in run(["grade", "--json"], tmp_path, stdin=stdin,
                                                STUDYBOT_CONTRADICTION_READER=mode).stdout.splitlines()]
        for mode in ("off", "")
    }
    assert [g["verdict"] for g in graded["off"]][:2] == ["correct", "correct"]  # similarity alone is fooled
    vetoed, right, backward, trains = graded[""]
    assert not backward["correct"] and not graded["off"][2]["correct"]
    assert not trains["correct"] and not graded["off"][3]["correct"]
    assert vetoed["verdict"] == "review" and vetoed["covered"] == [] and "course staff" in vetoed["feedback"]
    assert right["verdict"] == "correct"


def test_chat_piped_keeps_going_after_bad_lines(tmp_path):
    stdin = "/ask\n/nonsense\n/ask what is BERT an example of?\n"
    result = run(["chat", "--user", "ada"], tmp_path, stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert "Usage: `/ask QUESTION`" in result.stdout
    assert "Unknown command" in result.stdout
    assert "1.22" in result.stdout


def test_broken_pack_is_a_located_error(tmp_path):
    pack = tmp_path / "broken.yaml"
    pack.write_text("title: x\nquestions:\n  - id: '1'\n    question: what: is this\n    answer: x\n")
    result = run(["ask", "hello"], tmp_path, STUDYBOT_PACK=str(pack))
    assert result.returncode == 2
    assert "broken.yaml:4" in result.stderr


def test_content_check_shipped_packs(tmp_path):
    result = run(["content", "check", "--no-model"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 error(s)" in result.stdout
    assert "separation:" not in result.stdout  # the report needs the model


VAGUE_PACK = """\
title: Vague course
ask_threshold: 0.1
questions:
  - id: "1"
    question: How do I get things done on campus, like printing, email passwords, registering or the gym?
    answer: Ask the student office; they help with printing, email, registration, the gym and rooms.
  - id: "2"
    question: What should I cook or eat, and what sports or travel can I do in my free time?
    answer: Cook pasta, rice or eggs, play football or basketball, run, and travel by train or plane.
  - id: "3"
    question: Why does this happen?
    answer: Because.
"""  # about everything and nothing: it answers questions the probes expect a course to decline


def test_content_check_prints_each_packs_separation_report(tmp_path):
    from content.loader import default_pack_path, load_pack

    vague = tmp_path / "vague.yaml"
    vague.write_text(VAGUE_PACK, encoding="utf-8")
    result = run(["content", "check", str(default_pack_path()), str(vague)], tmp_path)
    assert result.returncode == 0, result.stderr  # warnings only
    lines = result.stdout.splitlines()

    def report(name: str) -> list[str]:
        return [line.split(": separation: ", 1)[1] for line in lines if name in line and ": separation: " in line]

    shipped = report(default_pack_path().name)
    assert len(shipped) == 2
    assert shipped[0].startswith(f"{len(load_pack(default_pack_path()).questions)} questions; gap")
    assert shipped[1].startswith("off-course probes: ")
    assert len(report("vague.yaml")) == 2
    warnings = [line for line in lines if "warning: " in line]
    off_topic = [line for line in warnings if "likely to answer off-topic questions" in line]
    assert len(off_topic) == 1 and "vague.yaml" in off_topic[0]
    assert lines.index(off_topic[0]) > lines.index(next(x for x in lines if "vague.yaml: separation:" in x))
    assert lines[-1].endswith(f"0 error(s), {len(warnings)} warning(s)")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:9/nowhere"}, "check DATABASE_URL"),
        ({"STUDYBOT_TIMEZONE": "Mars/Base"}, "STUDYBOT_TIMEZONE: `Mars/Base` is not a timezone"),
    ],
)
def test_unusable_settings_are_one_clear_line(tmp_path, env, message):
    result = run(["chat"], tmp_path, stdin="/ask hello\n", **env)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
