"""Counting a list answer's items: partial credit per item, wrong items named."""

from __future__ import annotations

from bot.core.list_items import ListRubric

TASKS = ListRubric(
    [
        "translation | machine translation",
        "summarization",
        "classification | text classification",
        "topic modelling",
    ],
    ["image classification", "object detection"],
    count=3,
)


def test_items_are_counted_longest_first_and_wrong_ones_apart():
    count = TASKS.count_in("machine translation, image classification and summarization")
    assert count.right == ("translation", "summarization")
    assert count.wrong == ("image classification",)


def test_a_negated_item_is_not_given():
    assert TASKS.count_in("not translation, but summarization").right == ("summarization",)


def test_a_right_item_said_not_to_belong_is_denied():
    count = TASKS.count_in("translation only. Topic modelling and summarization are not NLP tasks")
    assert count.right == ("translation",) and count.denied == ("summarization", "topic modelling")
    assert TASKS.count_in("not translation, but summarization").denied == ("translation",)
    assert (
        TASKS.count_in("summarization, not image classification").denied == ()
    )  # a wrong item: rightly denied


def test_not_only_and_a_word_said_again_deny_nothing():
    count = TASKS.count_in("not only translation: classification of mails as spam or not spam, summarization")
    assert count.right == ("translation", "summarization", "classification") and count.denied == ()


def test_nothing_from_the_list():
    assert not TASKS.mentions_any("speech to text and chat")


def test_a_long_item_typed_with_one_typo_still_counts():
    count = TASKS.count_in("tranlation, sumarization, clasification and topic modeling")
    assert count.right == ("translation", "summarization", "classification", "topic modelling")


def test_short_words_and_two_typos_are_not_stretched():
    parsing = ListRubric(["parsing", "translation"], [], count=2)
    assert parsing.count_in("passing and transmitting").right == ()  # another word; another family
    assert TASKS.count_in("tarnslatoin").right == ()  # two typos


def test_an_item_named_by_what_is_done_counts():
    """Students list tasks by the verb as often as by the noun: "translating texts, making summaries"."""
    count = TASKS.count_in(
        "translating texts, making summaries of articles, classifying emails, topic modeling"
    )
    assert count.right == ("translation", "summarization", "classification", "topic modelling")
    assert TASKS.count_in("classifying emails").right == ("classification",)
    assert TASKS.count_in("we don't translate, we summarise").right == ("summarization",)


def test_word_families():
    from bot.core.list_items import family

    assert family("translation") == family("translating") == family("translate")
    assert family("summarization") == family("summaries") == family("summarising") == family("summary")
    assert family("classification") == family("classify") == family("classifying")
    assert family("modelling") == family("modeling") == family("model")
    assert family("parsing") != family("passing") and family("class") == "class"


def test_a_two_word_item_turned_round_counts():
    assert TASKS.count_in("we model topics and translate").right == ("translation", "topic modelling")
    assert TASKS.count_in("modelling of topics").right == ("topic modelling",)
    assert TASKS.count_in("classifying images").wrong == ("image classification",)
