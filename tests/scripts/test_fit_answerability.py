"""scripts/fit_answerability.py: a short run writes weights the judge loads, marked with the course it was
fitted on (the real fit: ~21 min)."""

from __future__ import annotations

import pytest

from bot.infra.contradiction import CrossEncoderContradictionReader, fitted_courses
from tests.support.process import short_fit


@pytest.mark.slow
def test_a_short_fit_writes_weights_the_judge_loads(tmp_path, course_pack):
    out = tmp_path / "judge.npz"
    run = short_fit("fit_answerability.py", out)
    assert "fitting 333316 numbers on 16 pairs" in run.stdout
    assert fitted_courses(out) == {course_pack.id}
    pair = ("why train on gpus", "Why are GPUs used? | They compute in parallel.")
    p = CrossEncoderContradictionReader(out, device="cpu").probabilities([pair])
    assert p.shape == (1,) and 0.0 < float(p[0]) < 1.0
