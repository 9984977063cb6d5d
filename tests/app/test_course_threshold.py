"""/ask's threshold for a course: the pack's own, else STUDYBOT_ASK_THRESHOLD, else the default."""

from __future__ import annotations

import pytest

from bot.app.core import course_threshold
from bot.app.settings import Settings
from bot.core.pack import CoursePack, QAItem

QUESTIONS = (QAItem(id="1", question="What is a tensor?", answer="An array."),)


@pytest.mark.parametrize(
    ("pack_value", "setting", "expected"),
    [(0.5, None, 0.5), (0.5, 0.3, 0.5), (None, 0.3, 0.3), (None, None, None)],
)
def test_the_packs_threshold_wins_over_the_setting(pack_value, setting, expected):
    pack = CoursePack(id="c", title="C", questions=QUESTIONS, ask_threshold=pack_value)
    settings = Settings(_env_file=None, ask_threshold=setting)
    assert course_threshold(pack, settings) == expected
