"""scripts/fit_contradiction.py: a short run writes weights the reader loads (the real fit: ~11 min)."""

from __future__ import annotations

import pytest

from bot.infra.contradiction import CrossEncoderContradictionReader
from tests.support.process import short_fit


@pytest.mark.slow
def test_a_short_fit_writes_weights_the_reader_loads(tmp_path):
    out = tmp_path / "reader.npz"
    run = short_fit("fit_contradiction.py", out)
    assert "fitting 333316 numbers on 16 answers" in run.stdout
    p = CrossEncoderContradictionReader(out, device="cpu").probabilities([("Why? | Because.", "Because.")])
    assert p.shape == (1,) and 0.0 < float(p[0]) < 1.0
