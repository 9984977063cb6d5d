"""Property tests of the two ways a course reaches the bot: a Markdown Q&A document and a pack's YAML.
Whatever an author (or a later upload from chat) hands in, the result is a pack or a located
``PackError``/problem list: never a crash, never half a pack."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.errors import PackError
from content.importer import dump_pack_yaml, import_markdown
from content.schema import parse_pack_text

# Lines that look like a Q&A document: numbered headings, bullets, fences, prose; and arbitrary text.
doc_line = st.one_of(
    st.from_regex(r"#{0,3} ?\d{1,2}\.\d{1,2} [A-Za-z ?]{0,40}", fullmatch=True),
    st.from_regex(r"- \d\.\d{1,2} [A-Za-z ,?]{0,30}", fullmatch=True),
    st.sampled_from(["", "```", "import torch", "### Questions", "* bullet", "1.1", "1.1 ?", "   "]),
    st.text(max_size=80),
)
documents = st.lists(doc_line, max_size=30).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_markdown_imports_to_a_valid_pack_or_a_located_error(text):
    try:
        data = import_markdown(text, pack_id="fuzz")
    except PackError as exc:
        assert exc.file and exc.message  # located and worded for the author
        return
    assert data["questions"], "a pack without questions is an error, not an empty pack"
    parsed = parse_pack_text(dump_pack_yaml(data), file="fuzz.yaml", default_id="fuzz")
    # what the importer writes, the loader reads back with the same items (or names each problem)
    if not parsed.errors:
        assert [q.id for q in parsed.pack.questions] == [q["id"] for q in data["questions"]]
    else:
        assert all(p.message for p in parsed.errors)


yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
pack_like = st.fixed_dictionaries(
    {},
    optional={
        "id": yaml_values,
        "title": yaml_values,
        "description": yaml_values,
        "ask_threshold": st.one_of(st.floats(), yaml_values),
        "questions": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": st.one_of(st.from_regex(r"\d\.\d{1,2}", fullmatch=True), yaml_values),
                    "question": yaml_values,
                    "answer": yaml_values,
                    "key_points": yaml_values,
                    "misconceptions": yaml_values,
                    "accept": yaml_values,
                },
            )
            | yaml_values,
            max_size=5,
        ),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(pack_like.map(lambda d: yaml.safe_dump(d, allow_unicode=True)), st.text(max_size=200)))
def test_any_yaml_parses_to_a_pack_or_to_located_problems(text):
    parsed = parse_pack_text(text, file="upload.yaml", default_id="upload")
    if parsed.errors:
        assert parsed.pack is None  # nothing half-built is served
        for problem in parsed.errors:
            assert problem.file == "upload.yaml" and problem.message
    else:
        assert parsed.pack is not None
        assert all(q.id and q.question for q in parsed.pack.questions)
        threshold = parsed.pack.ask_threshold
        assert threshold is None or 0.0 < threshold < 1.0
