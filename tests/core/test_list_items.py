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


def test_a_long_item_typed_with_one_typo_still_counts():
    count = TASKS.count_in("tranlation, sumarization, clasification and topic modeling")
    assert count.right == ("translation", "summarization", "classification", "topic modelling")


def test_short_words_and_two_typos_are_not_stretched():
    parsing = ListRubric(["parsing", "translation"], [], count=2)
    assert parsing.count_in("passing and translating").right == ()  # another word; two letters off
    assert TASKS.count_in("tarnslatoin").right == ()  # two typos
