"""STUDYBOT_ASK_JUDGE: the shipped judge by default for the course it was fitted on, none when off or for
another course, a clear error for a weights file that is not there, and the judge wired into /ask."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

import numpy as np
import pytest

from bot.app.courses import build_course_models, build_judge
from bot.app.settings import Settings, StartupError
from bot.infra.contradiction import ANSWERABILITY_WEIGHTS, fitted_courses
from bot.infra.contradiction_onnx import OnnxContradictionReader


def test_off_means_no_judge(course_pack):
    assert build_judge(Settings(_env_file=None, ask_judge="off"), course_pack) is None
    assert build_judge(Settings(_env_file=None, ask_judge=" Off "), course_pack) is None


def test_a_missing_weights_file_stops_the_start_with_the_setting_named(tmp_path, course_pack):
    with pytest.raises(StartupError, match="STUDYBOT_ASK_JUDGE: no weights file at"):
        build_judge(Settings(_env_file=None, ask_judge=str(tmp_path / "nope.npz")), course_pack)


def test_the_shipped_weights_say_which_course_they_were_fitted_on(course_pack, tmp_path):
    assert fitted_courses(ANSWERABILITY_WEIGHTS) == {course_pack.id}
    bare = tmp_path / "bare.npz"
    np.savez(bare, w=np.zeros(2, np.float32))
    assert fitted_courses(bare) == frozenset()


@pytest.mark.slow
def test_by_default_the_shipped_judge_serves_its_own_course_on_onnx(fake_embedder, course_pack):
    settings = Settings(_env_file=None, ask_judge="", device="cpu")
    judge = build_judge(settings, course_pack)
    assert isinstance(judge, OnnxContradictionReader)  # on the CPU, as the embedder: ONNX Runtime
    assert build_judge(settings, course_pack) is judge  # one per process
    ask, _ = build_course_models(course_pack, fake_embedder, judge=judge)
    assert ask.judge is judge


@pytest.mark.slow
def test_the_bot_the_composition_root_builds_asks_with_the_judge(tmp_path):
    """The bot (every course through ``model_builder``) and `studybot ask` (``build_course``)."""
    from bot.app.core import build_core, build_course

    def bot_judge(setting: str):
        core = build_core(Settings(_env_file=None, ask_judge=setting, device="cpu", data_dir=tmp_path / setting))
        try:
            return core.courses.prepare(core.courses.default_id).ask.judge
        finally:
            asyncio.run(core.aclose())

    assert bot_judge("off") is None
    assert isinstance(bot_judge(""), OnnxContradictionReader)
    cli = build_course(Settings(_env_file=None, ask_judge="", device="cpu", data_dir=tmp_path / "cli"))
    assert isinstance(cli.ask.judge, OnnxContradictionReader)


def test_a_weights_file_without_its_courses_turns_the_judge_off_with_a_warning(tmp_path, course_pack, caplog):
    bare = tmp_path / "bare.npz"
    np.savez(bare, w=np.zeros(2, np.float32))
    with caplog.at_level(logging.WARNING, logger="studybot"):
        assert build_judge(Settings(_env_file=None, ask_judge=str(bare)), course_pack) is None
    assert "names no course it was fitted on" in caplog.text and "bare.npz" in caplog.text


def test_another_course_asks_by_the_score_alone_and_loads_nothing(course_pack, caplog, monkeypatch):
    import bot.infra.reader_factory as factory

    monkeypatch.setattr(factory, "load_reader", lambda *a, **k: pytest.fail("loaded a judge it will not use"))
    other = replace(course_pack, id="another-course")
    with caplog.at_level(logging.INFO, logger="studybot"):
        assert build_judge(Settings(_env_file=None, ask_judge="", device="cpu"), other) is None
    assert "ask judge off for this course" in caplog.text and "another-course" in caplog.text


@pytest.mark.slow
def test_doctor_reads_one_question_with_the_shipped_judge():
    from bot.app.checks import Status, _judge_check

    check = _judge_check(Settings(_env_file=None, ask_judge="", device="cpu"))
    assert check.status is Status.OK, check
    assert "answerability judge on cpu (onnx int8)" in check.detail and "a reading takes" in check.detail
    off = _judge_check(Settings(_env_file=None, ask_judge="off"))
    assert off.status is Status.SKIP and "STUDYBOT_ASK_JUDGE=off" in off.detail
    broken = _judge_check(Settings(_env_file=None, ask_judge="/nope.npz"))
    assert broken.status is Status.FAIL and "STUDYBOT_ASK_JUDGE" in broken.detail
