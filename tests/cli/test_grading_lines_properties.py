"""``studybot grade`` on any input an operator could pipe in: every non-blank line gets exactly one
result, in order, either graded or with an ``error`` saying what is wrong with it; nothing escapes."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli.grading_lines import grade_lines
from bot.core.grading import MeaningGrader

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
records = st.fixed_dictionaries(
    {},
    optional={
        "question_id": st.one_of(st.sampled_from(["1.1", "1.6", "1.22", "9.9", ""]), json_values),
        "answer": st.one_of(st.text(max_size=200), st.just("x" * 50_000), json_values),
    },
)
lines = st.one_of(
    records.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=80).filter(lambda t: "\n" not in t and "\r" not in t),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(lines, max_size=12), st.integers(1, 5))
def test_any_input_gets_one_result_per_line_in_order(course_pack, fake_embedder, piped, batch):
    grader = MeaningGrader(course_pack.questions, fake_embedder)
    out = list(grade_lines(piped, course_pack, grader, batch=batch))
    expected = [n for n, line in enumerate(piped, start=1) if line.strip()]
    assert [o["line"] for o in out] == expected
    for result in out:
        if "error" in result:
            assert isinstance(result["error"], str) and result["error"]
        else:
            assert result["verdict"] in ("correct", "partial", "incorrect", "review")
            assert 0 <= result["score"] <= 100
        json.dumps(result)  # every result is printable as a JSON line
