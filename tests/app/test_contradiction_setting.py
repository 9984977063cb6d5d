"""STUDYBOT_CONTRADICTION_READER: the shipped reader by default, none when off, a clear error for a
weights file that is not there, and the veto wired into the grader the bot builds."""

from __future__ import annotations

import pytest

from bot.app.courses import build_course_models, build_reader
from bot.app.settings import Settings, StartupError
from bot.infra.contradiction import CrossEncoderContradictionReader
from bot.infra.contradiction_onnx import OnnxContradictionReader


def test_off_means_no_reader():
    assert build_reader(Settings(_env_file=None, contradiction_reader="off")) is None
    assert build_reader(Settings(_env_file=None, contradiction_reader=" OFF ")) is None


def test_a_missing_weights_file_stops_the_start_with_the_setting_named(tmp_path):
    with pytest.raises(StartupError, match="STUDYBOT_CONTRADICTION_READER: no weights file at"):
        build_reader(Settings(_env_file=None, contradiction_reader=str(tmp_path / "nope.npz")))


@pytest.mark.slow
def test_by_default_the_shipped_reader_is_loaded_once_and_graded_with(fake_embedder, course_pack):
    settings = Settings(_env_file=None, contradiction_reader="", device="cpu")
    reader = build_reader(settings)
    assert isinstance(reader, OnnxContradictionReader)  # on the CPU, as the embedder: ONNX Runtime
    assert build_reader(settings) is reader  # one per process, whatever the number of courses
    _, grader = build_course_models(course_pack, fake_embedder, reader=reader)
    assert grader.reader is reader


@pytest.mark.slow
def test_the_torch_backend_reads_with_torch():
    settings = Settings(_env_file=None, contradiction_reader="", device="cpu", backend="torch")
    assert isinstance(build_reader(settings), CrossEncoderContradictionReader)


@pytest.mark.slow
def test_doctor_reads_one_contradiction_with_the_shipped_reader():
    from bot.app.checks import Status, _reader_check

    check = _reader_check(Settings(_env_file=None, contradiction_reader="", device="cpu"))
    assert check.status is Status.OK, check
    assert "contradiction reader on cpu (onnx)" in check.detail
    assert "a reading takes" in check.detail
    broken = _reader_check(Settings(_env_file=None, contradiction_reader="/nope.npz"))
    assert broken.status is Status.FAIL and "STUDYBOT_CONTRADICTION_READER" in broken.detail
