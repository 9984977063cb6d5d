"""Counting a list answer's items: partial credit per item, wrong items named."""

from __future__ import annotations

from bot.core.list_items import ListRubric

TASKS = ListRubric(
    ["translation | machine translation", "summarization", "classification | text classification", "topic modelling"],
    ["image classification", "object detection"],
    count=3,
)


def test_items_are_counted_longest_first_and_wrong_ones_apart():
    count = TASKS.count_in("machine translation, image classification and summarization")
    assert count.right == ("translation", "summarization")
    assert count.wrong == ("image classification",)


def test_a_negated_item_is_not_given():
    assert TASKS.count_in("not translation, but summarization").right == ("summarization",)


def test_nothing_from_the_list():
    assert not TASKS.mentions_any("speech to text and chat")
