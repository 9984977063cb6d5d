"""The ONNX Runtime embedder against the torch one, its export cache, and the CPU serving path's imports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.core.grading import MeaningGrader
from bot.core.search import item_views
from bot.infra import model_export
from bot.infra.embedder_factory import build_embedder, onnx_embedder
from bot.infra.onnx_embedder import OnnxEmbedder
from content.topics import load_off_course_topics

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def course_texts(pack) -> list[str]:
    """Every text the bot embeds for the course: index views, rubric texts, off-course anchors."""
    texts = [view for item in pack.questions for view in item_views(item)]
    for item in pack.questions:
        if item.answered:
            texts += [item.answer or "", *MeaningGrader._key_points(item), *item.misconceptions]
    return list(dict.fromkeys([*texts, *load_off_course_topics()]))


@pytest.fixture(scope="module")
def onnx_fp32(onnx_export_root) -> OnnxEmbedder:
    return onnx_embedder("", "cpu", export_root=onnx_export_root, quantize=False)


def test_fp32_gives_torchs_embeddings_on_the_course(onnx_fp32, torch_embedder, course_pack):
    texts = course_texts(course_pack)
    assert len(texts) > 300
    got, expected = onnx_fp32.encode(texts), torch_embedder.encode(texts)
    assert got.shape == expected.shape and got.dtype == np.float32
    cosines = (got * expected).sum(axis=1)
    assert cosines.min() >= 0.999, texts[int(cosines.argmin())]
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)


def test_order_batching_and_truncation_do_not_change_a_vector(onnx_fp32):
    texts = ["short", "a much longer sentence about gradient descent and learning rates " * 40, "mid one"]
    together = onnx_fp32.encode(texts, batch_size=2)
    alone = np.vstack([onnx_fp32.encode([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert onnx_fp32.encode([]).shape == (0, onnx_fp32.dimension)


def test_a_second_start_loads_the_export_without_preparing(onnx_fp32, onnx_export_root):
    said: list[str] = []
    again = onnx_embedder("", "cpu", export_root=onnx_export_root, quantize=False, notify=said.append)
    assert said == []
    assert again.model_name == onnx_fp32.model_name == "sentence-transformers/all-MiniLM-L6-v2"


def test_missing_and_corrupt_exports_are_rebuilt(onnx_export_root, onnx_fp32, tmp_path):
    export = model_export.find_export(onnx_export_root, "", quantize=False)
    assert export is not None
    root = tmp_path / "onnx"
    shutil.copytree(export.folder, root / export.folder.name)
    graph = root / export.folder.name / "model.onnx"
    data = bytearray(graph.read_bytes())
    start = len(data) // 4  # a quarter of the weights zeroed: same size, other vectors (or no load)
    data[start : 2 * start] = bytes(start)
    graph.write_bytes(bytes(data))

    said: list[str] = []
    rebuilt = onnx_embedder("", "cpu", export_root=root, quantize=False, notify=said.append)
    assert any("Preparing the model" in line for line in said)
    assert any("[3/3]" in line for line in said)  # progress, step by step
    text = ["why do we train on GPUs?"]
    assert float(rebuilt.encode(text)[0] @ onnx_fp32.encode(text)[0]) > 0.9999

    (root / export.folder.name / "meta.json").unlink()  # an export cut short before its last file
    said.clear()
    onnx_embedder("", "cpu", export_root=root, quantize=False, notify=said.append)
    assert said and (root / export.folder.name / "meta.json").exists()


def test_the_export_runs_onnx_runtimes_fused_attention(onnx_export_root, onnx_fp32):
    import onnx

    export = model_export.find_export(onnx_export_root, "", quantize=False)
    ops = [node.op_type for node in onnx.load(str(export.model_path)).graph.node]
    assert ops.count("Attention") == 6  # one per layer of MiniLM-L6, instead of ~90 nodes each
    assert "EmbedLayerNormalization" in ops and "SkipLayerNormalization" in ops


def test_a_fusion_that_fails_keeps_the_traced_graph(tmp_path, monkeypatch, onnx_fp32):
    from onnxruntime.transformers import optimizer

    def broken(*args, **kwargs):
        raise RuntimeError("unsupported pattern")

    monkeypatch.setattr(optimizer, "optimize_model", broken)
    plain = onnx_embedder("", "cpu", export_root=tmp_path / "onnx", quantize=False)
    texts = ["why do we train on GPUs?", "what is a DataLoader for?"]
    assert np.allclose(plain.encode(texts), onnx_fp32.encode(texts), atol=1e-5)


def test_export_failure_serves_with_torch_and_logs_one_line(tmp_path, monkeypatch, caplog):
    def fail(*args, **kwargs):
        raise model_export.ExportError("no exporter for this architecture")

    monkeypatch.setattr(model_export, "export_model", fail)
    with caplog.at_level("WARNING"):
        embedder = build_embedder(device="cpu", backend="onnx", export_root=tmp_path / "onnx")
    assert type(embedder).__name__ == "SentenceTransformerEmbedder"
    lines = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(lines) == 1 and "no exporter for this architecture" in lines[0].getMessage()
    assert embedder.encode(["hello"]).shape == (1, 384)


CHECK_IMPORTS = """
import json, sys
from bot.cli.commands import app
try:
    app(["ask", "--json", "why do we train neural networks on GPUs?"], standalone_mode=False)
finally:
    # (sqlalchemy loads: every command checks DATABASE_URL before the model, ~0.1 s)
    heavy = ("torch", "sentence_transformers", "transformers", "discord", "slack_bolt", "apscheduler")
    print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def test_cpu_serving_path_imports_neither_torch_nor_sentence_transformers(
    onnx_fp32, onnx_export_root, tmp_path
):
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        STUDYBOT_DATA_DIR=str(tmp_path / "data"),
        STUDYBOT_CACHE_DIR=str(onnx_export_root.parent),
        STUDYBOT_DEVICE="auto",
        STUDYBOT_BACKEND="auto",
    )
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", CHECK_IMPORTS],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[0])["id"] == "1.9"
    assert json.loads(result.stderr.strip().splitlines()[-1]) == []
