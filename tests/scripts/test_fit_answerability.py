"""scripts/fit_answerability.py: a short run writes weights the judge loads, marked with the course it was
fitted on, the blocks it keeps and where it cuts a pair (the real fit: ~6 min on two CPU cores)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.infra.contradiction import (
    ANSWERABILITY_LAYERS,
    ANSWERABILITY_MAX_TOKENS,
    CrossEncoderContradictionReader,
    fitted_courses,
    saved_layers,
)
from tests.support.process import short_fit


@pytest.mark.slow
def test_a_short_fit_writes_weights_the_judge_loads(tmp_path, course_pack):
    out = tmp_path / "judge.npz"
    run = short_fit("fit_answerability.py", out)
    assert "fitting 167428 numbers on 16 pairs" in run.stdout  # adapters and head of three blocks
    assert fitted_courses(out) == {course_pack.id}
    with np.load(out) as saved:
        assert saved_layers(saved) == ANSWERABILITY_LAYERS == 3
        assert int(saved["meta.max_tokens"]) == ANSWERABILITY_MAX_TOKENS
    pair = ("why train on gpus", "Why are GPUs used? | They compute in parallel.")
    reader = CrossEncoderContradictionReader(out, device="cpu")
    assert reader.max_tokens == ANSWERABILITY_MAX_TOKENS
    assert len(reader._encoder.encoder.layer) == ANSWERABILITY_LAYERS
    p = reader.probabilities([pair])
    assert p.shape == (1,) and 0.0 < float(p[0]) < 1.0


@pytest.mark.parametrize("args", [["--layers", "9"], ["--layers", "0"], ["--max-tokens", "4"]])
def test_a_shape_the_base_model_cannot_have_is_refused_before_fitting(args):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "fit_answerability.py"
    run = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and args[0] in run.stderr and args[1] in run.stderr
