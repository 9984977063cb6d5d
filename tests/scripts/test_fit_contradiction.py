"""scripts/fit_contradiction.py: a short run writes weights the reader loads (the real fit: ~11 min)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.infra.contradiction import CrossEncoderContradictionReader

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_short_fit_writes_weights_the_reader_loads(tmp_path):
    out = tmp_path / "reader.npz"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fit_contradiction.py"), "--limit", "16", "--epochs", "1",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "fitting 333316 numbers on 16 answers" in run.stdout
    p = CrossEncoderContradictionReader(out, device="cpu").probabilities([("Why? | Because.", "Because.")])
    assert p.shape == (1,) and 0.0 < float(p[0]) < 1.0
