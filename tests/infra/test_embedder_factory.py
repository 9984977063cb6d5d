"""STUDYBOT_BACKEND and STUDYBOT_DEVICE: which embedder serves, decided without importing torch on CPU."""

from __future__ import annotations

import pytest

from bot.app.settings import Settings
from bot.infra.embedder_factory import choose_backend, may_have_accelerator, resolve_device
from bot.infra.model_export import export_key


@pytest.mark.parametrize(
    ("backend", "device", "chosen"),
    [
        ("auto", "cpu", "onnx"),
        ("auto", "cuda", "torch"),
        ("auto", "cuda:1", "torch"),
        ("auto", "mps", "torch"),
        ("onnx", "cuda", "onnx"),
        ("torch", "cpu", "torch"),
    ],
)
def test_auto_serves_onnx_on_cpu_and_torch_on_accelerators(backend, device, chosen):
    assert choose_backend(backend, device) == chosen


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="auto, onnx, torch"):
        choose_backend("tensorflow", "cpu")


def test_backend_setting_reads_the_environment(monkeypatch):
    monkeypatch.setenv("STUDYBOT_BACKEND", "torch")
    assert Settings().backend == "torch"
    monkeypatch.delenv("STUDYBOT_BACKEND")
    assert Settings().backend == "auto"


def test_device_setting_keeps_its_meaning(monkeypatch):
    assert resolve_device("cuda:1") == "cuda:1"
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # GPUs hidden: cpu, and torch never asked
    assert not may_have_accelerator()
    assert resolve_device("auto") == "cpu"


def test_export_key_changes_with_library_versions_and_precision(monkeypatch):
    from bot.infra import model_export

    fp32, int8 = export_key("", quantize=False), export_key("", quantize=True)
    assert fp32 != int8 and fp32.startswith("fp32-") and int8.startswith("int8-")
    monkeypatch.setattr(model_export, "_library_versions", lambda: {"onnxruntime": "99.0"})
    assert export_key("", quantize=False) != fp32
