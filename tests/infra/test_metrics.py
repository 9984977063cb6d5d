"""The bot's instruments on prometheus_client (a registry per backend), and what the core counts."""

from __future__ import annotations

import logging
import threading

import pytest

from bot.core.ask import AskService
from bot.core.grade import Grade, Verdict
from bot.core.instrumentation import CountingPlatform, TimedGrader
from bot.core.metrics import ErrorCounter, Metrics
from bot.core.pack import QAItem
from bot.core.search import SemanticIndex
from bot.core.studybot import StudyBot
from bot.core.types import Command, Place, PostedMessage, Reply, User
from bot.infra.metrics import prometheus_metrics
from tests.support.quiz import one_course

ITEMS = (
    QAItem("1.9", "Why are neural networks trained on GPUs?", "GPUs run multiply-adds in parallel."),
    QAItem("1.13", "What would be a better name for softmax?", "softargmax"),
)
ANA = User("slack", "U1", "ana")
HERE = Place("slack", "T1", "C1")


def sample(text: str, line_start: str) -> float:
    (line,) = [line for line in text.splitlines() if line.startswith(line_start + " ")]
    return float(line.rsplit(" ", 1)[1])


def test_counter_and_histogram_in_prometheus_text():
    m = prometheus_metrics()
    m.asks.inc()
    m.asks.inc(2)
    m.answers.inc(verdict="correct")
    m.posts.inc(platform="slack", kind='quiz "daily"\n')
    for seconds in (0.003, 0.2, 0.2, 50.0):
        m.grading_seconds.observe(seconds)
    text = m.render().decode()
    assert "# TYPE studybot_asks_total counter" in text
    assert sample(text, "studybot_asks_total") == 3
    assert sample(text, 'studybot_answers_graded_total{verdict="correct"}') == 1
    assert 'kind="quiz \\"daily\\"\\n"' in text  # label values escaped
    assert "# TYPE studybot_grading_seconds histogram" in text
    assert sample(text, 'studybot_grading_seconds_bucket{le="0.005"}') == 1
    assert sample(text, 'studybot_grading_seconds_bucket{le="0.25"}') == 3  # cumulative
    assert sample(text, 'studybot_grading_seconds_bucket{le="30.0"}') == 3
    assert sample(text, 'studybot_grading_seconds_bucket{le="+Inf"}') == 4
    assert sample(text, "studybot_grading_seconds_count") == 4
    assert sample(text, "studybot_grading_seconds_sum") == pytest.approx(50.403)
    assert text.endswith("\n")


def test_the_text_parses_as_prometheus_exposition():
    parser = pytest.importorskip("prometheus_client.parser")
    m = prometheus_metrics()
    m.commands.inc(command="ask")
    m.search_seconds.observe(0.02)
    m.errors.inc(source="bot")
    families = {f.name: f for f in parser.text_string_to_metric_families(m.render().decode())}
    assert families["studybot_search_seconds"].type == "histogram"
    assert families["studybot_commands"].type == "counter"  # the parser drops _total
    assert {s.labels["command"] for s in families["studybot_commands"].samples if "command" in s.labels} == {
        "ask"
    }


def test_each_backend_has_its_own_registry():
    first, second = prometheus_metrics(), prometheus_metrics()  # a second process-wide registry would fail here
    first.asks.inc()
    assert first.asks.value() == 1 and second.asks.value() == 0


def test_without_a_backend_nothing_is_counted():
    m = Metrics()
    m.asks.inc()
    with m.search_seconds.time():
        pass
    assert m.asks.value() == 0 and m.render() == b""


def test_labels_must_match_and_counters_only_go_up():
    m = prometheus_metrics()
    with pytest.raises(ValueError):
        m.answers.inc()  # verdict missing
    with pytest.raises(ValueError):
        m.asks.inc(-1)
    with pytest.raises(ValueError):
        m.counter("studybot_asks_total", "again")


def test_counting_is_thread_safe():
    m = prometheus_metrics()

    def work():
        for _ in range(2000):
            m.asks.inc()
            m.grading_seconds.observe(0.01)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert m.asks.value() == 16000 and m.grading_seconds.count() == 16000


async def test_studybot_counts_asks_abstentions_commands_and_search_latency(fake_embedder):
    m = prometheus_metrics()
    bot = StudyBot(
        courses=one_course("DL", AskService(SemanticIndex.build(ITEMS, fake_embedder), fake_embedder)), metrics=m
    )
    await bot.handle(ANA, HERE, Command("ask", "Why are neural networks trained on GPUs?"))
    await bot.handle(ANA, HERE, Command("ask", "best lasagna recipe with spinach"))
    await bot.handle(ANA, HERE, Command("help"))
    await bot.handle(ANA, HERE, Command("no-such-command-" + "x" * 50))
    assert m.asks.value() == 2
    assert m.abstentions.value() == 1
    assert m.search_seconds.count() == 2
    assert m.commands.value(command="ask") == 2 and m.commands.value(command="help") == 1
    assert m.commands.value(command="other") == 1  # user-typed names never become labels


def test_timed_grader_counts_verdicts_and_times_each_call():
    class Grader:
        threshold = 0.6

        def grade_many(self, items):
            return [
                Grade(Verdict.CORRECT if "gpu" in t else Verdict.INCORRECT, 0, (), (), "") for _, t in items
            ]

    m = prometheus_metrics()
    grader = TimedGrader(Grader(), m)
    grades = grader.grade_many([(ITEMS[0], "gpu math"), (ITEMS[0], "no"), (ITEMS[0], "gpu")])
    assert [g.verdict for g in grades] == [Verdict.CORRECT, Verdict.INCORRECT, Verdict.CORRECT]
    assert m.answers.value(verdict="correct") == 2 and m.answers.value(verdict="incorrect") == 1
    assert m.grading_seconds.count() == 1  # one batch, one observation
    assert grader.threshold == 0.6  # the rest of the grader shows through


async def test_counting_platform_counts_posts_by_kind_and_passes_the_rest_through():
    class Platform:
        name = "slack"
        bound_port = 1234

        async def post(self, place, reply):
            return PostedMessage(place, "m1")

        async def reply_to(self, message, reply):
            return PostedMessage(message.place, "m2")

    m = prometheus_metrics()
    tracked = []
    platform = CountingPlatform(Platform(), m, track=lambda: tracked.append(1))
    posted = await platform.post(HERE, Reply(body="q", kind="quiz"))
    await platform.reply_to(posted, Reply(body="a", kind="reveal"))
    assert m.posts.value(platform="slack", kind="quiz") == 1
    assert m.posts.value(platform="slack", kind="reveal") == 1
    assert platform.name == "slack" and platform.bound_port == 1234 and len(tracked) == 2


def test_error_counter_counts_error_records_by_top_level_logger():
    m = prometheus_metrics()
    logger = logging.getLogger("bot.test_metrics")
    handler = ErrorCounter(m)
    logger.addHandler(handler)
    try:
        logger.error("boom")
        logger.warning("not an error")
        try:
            raise RuntimeError("x")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert m.errors.value(source="bot") == 2
