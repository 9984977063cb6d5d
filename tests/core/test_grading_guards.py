"""Each guard of the grader, on the real model: what a string-matching quiz bot gets wrong."""

from __future__ import annotations

import pytest

from bot.core.grade import Verdict
from bot.core.grading import MeaningGrader, clauses

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def grader(real_embedder, course_pack) -> MeaningGrader:
    return MeaningGrader(course_pack.questions, real_embedder)


def grade(grader, pack, item_id, answer):
    return grader.grade(pack.get(item_id), answer)


@pytest.mark.parametrize("answer", ["", "   ", "idk", "?", "no idea", "pass", "...", "🤷"])
def test_non_answers_score_zero(grader, course_pack, answer):
    g = grade(grader, course_pack, "1.9", answer)
    assert g.verdict is Verdict.INCORRECT and g.score == 0


@pytest.mark.parametrize("answer", ["asdkjh qwpoeiru zxmcnv", "jjjjjjj kkkkkk", "sdfghjkl wertyuio"])
def test_gibberish_is_rejected(grader, course_pack, answer):
    assert grade(grader, course_pack, "1.4", answer).verdict is Verdict.INCORRECT


def test_copy_of_the_question_is_rejected(grader, course_pack):
    item = course_pack.get("1.9")
    assert grade(grader, course_pack, "1.9", item.question).verdict is Verdict.INCORRECT
    assert (
        grade(
            grader, course_pack, "1.9", "neural networks are trained on GPUs or other specialized hardware"
        ).verdict
        is not Verdict.CORRECT
    )


def test_keyword_stuffing_is_rejected(grader, course_pack):
    g = grade(grader, course_pack, "1.9", "GPU parallel matrix CUDA neural network cores hardware")
    assert g.verdict is Verdict.INCORRECT and "keywords" in g.feedback


def test_a_numbered_list_of_phrases_is_graded_not_called_keywords(grader, course_pack):
    g = grade(
        grader,
        course_pack,
        "1.8",
        "1. reduced computational cost 2. reduced data requirement 3. reduced overfitting risk",
    )
    assert "keywords" not in g.feedback and g.verdict is not Verdict.INCORRECT


@pytest.mark.parametrize(
    ("item_id", "answer"),
    [
        ("1.24", "The RNN"),
        ("1.24", "RNN, not the transformer"),
        ("1.3", "Yes"),
        ("1.3", "Yes, SGD works fine for tuning the number of trees and the depth."),
        ("1.16", "Training gets much faster, because small batches are cheap to compute."),
    ],
)
def test_opposites_are_rejected(grader, course_pack, item_id, answer):
    assert grade(grader, course_pack, item_id, answer).verdict is Verdict.INCORRECT


def test_misconception_is_rejected(grader, course_pack):
    g = grade(grader, course_pack, "1.23", "The gradients get extremely large and explode during training.")
    assert g.verdict is Verdict.INCORRECT


def test_another_questions_answer_is_rejected(grader, course_pack):
    other = course_pack.get("1.25").answer
    g = grade(grader, course_pack, "1.9", other)
    assert g.verdict is Verdict.INCORRECT and "different question" in g.feedback


@pytest.mark.parametrize("answer", ["BERT", "bert", "RoBERTa", "I think it's DistilBERT."])
def test_short_answer_accepts_the_list(grader, course_pack, answer):
    assert grade(grader, course_pack, "1.22", answer).verdict is Verdict.CORRECT


@pytest.mark.parametrize("answer", ["GPT-2", "not BERT", "T5", "an encoder-only model"])
def test_short_answer_rejects_others(grader, course_pack, answer):
    assert grade(grader, course_pack, "1.22", answer).verdict is Verdict.INCORRECT


def test_correct_paraphrase_is_accepted_with_feedback(grader, course_pack):
    g = grade(
        grader,
        course_pack,
        "1.23",
        "When backpropagating through many layers the gradients shrink towards zero, so the early layers "
        "barely get updated and learn very slowly.",
    )
    assert g.verdict is Verdict.CORRECT and g.score >= 60
    assert g.covered and g.feedback.endswith(course_pack.get("1.23").answer)


def test_feedback_names_what_was_missed(grader, course_pack):
    g = grade(grader, course_pack, "1.12", "ReLU.")
    assert g.verdict is not Verdict.CORRECT
    assert g.missed and "Missing:" in g.feedback
    assert g.feedback.endswith(course_pack.get("1.12").answer)


def test_batch_grades_like_one_by_one(grader, course_pack):
    answers = [
        ("1.9", "GPUs run the matrix operations in parallel."),
        ("1.24", "The transformer"),
        ("1.3", "idk"),
    ]
    batch = grader.grade_many([(course_pack.get(i), a) for i, a in answers])
    single = [grade(grader, course_pack, i, a) for i, a in answers]
    assert [(g.verdict, g.score) for g in batch] == [(g.verdict, g.score) for g in single]


def test_unanswered_question_cannot_be_graded(grader, course_pack):
    with pytest.raises(KeyError):
        grade(grader, course_pack, "1.6", "Words keep meaning, characters avoid unknown words.")


def test_every_reference_answer_is_graded_correct(grader, course_pack):
    items = course_pack.answered
    grades = grader.grade_many([(item, item.answer) for item in items])
    assert [item.id for item, g in zip(items, grades, strict=True) if not g.correct] == []


@pytest.mark.parametrize(
    ("item_id", "answer"),
    [
        ("1.22", "BERT or GPT, one of these"),
        ("1.22", "GPT or BERT"),
        ("1.24", "the transformer or maybe the rnn"),
        ("1.25", "attention?? or embeddings"),
    ],
)
def test_a_right_pick_hedged_with_another_option_is_partial(grader, course_pack, item_id, answer):
    g = grade(grader, course_pack, item_id, answer)
    assert g.verdict is Verdict.PARTIAL and not g.covered
    assert "pick one" in g.feedback


@pytest.mark.parametrize(
    ("item_id", "answer"),
    [
        ("1.22", "bert (or roberta)"),
        ("1.22", "BERT, or DistilBERT: only the encoder"),
        ("1.22", "BERT-base or RoBERTa"),
        ("1.22", "BERT, it reads left or right context at once"),
        ("1.24", "Transformer, not RNN or LSTM"),
    ],
)
def test_two_right_picks_or_a_pick_ruling_out_the_others_is_right(grader, course_pack, item_id, answer):
    assert grade(grader, course_pack, item_id, answer).verdict is Verdict.CORRECT


def test_a_pick_without_the_reason_asked_for_is_partial(grader, course_pack):
    g = grade(grader, course_pack, "1.13", "softargmax")
    assert g.verdict is Verdict.PARTIAL and "asks why" in g.feedback
    assert len(g.covered) == 1 and "softargmax" in g.covered[0] and g.missed


def test_a_list_item_the_answer_denies_is_named_and_the_answer_is_wrong(grader, course_pack):
    """Saying one of the course's items is not among them contradicts the course: never counted, never
    praised, and the answer is wrong until the list is complete."""
    g = grade(
        grader,
        course_pack,
        "1.1",
        "translation, summarization, classification. topic modelling isnt really NLP tho",
    )
    assert g.verdict is Verdict.INCORRECT
    assert g.feedback.startswith("You said topic modelling is not among them; the course counts it.")
    assert not any("topic" in point for point in g.covered)


def test_a_complete_list_that_denies_one_of_the_courses_items_is_partial_and_names_it(grader, course_pack):
    answer = (
        "translation, summarization, text classification, sentiment analysis, NER. topic modelling isnt NLP"
    )
    g = grade(grader, course_pack, "1.1", answer)
    assert g.verdict is Verdict.PARTIAL
    assert "You said topic modelling is not among them; the course counts it." in g.feedback
    assert not any("topic" in point for point in g.covered)


def test_a_list_with_no_item_denied_keeps_its_partial_credit(grader, course_pack):
    g = grade(grader, course_pack, "1.1", "translating texts, making summaries, classifying spam or not spam")
    assert g.verdict is Verdict.PARTIAL and "You named 3 of the 5" in g.feedback


def test_a_point_the_answer_negates_is_not_praised(grader, course_pack):
    """The answer restates the point closely enough to count as covered, but denies it: not under "You got"."""
    item = course_pack.get("1.2")
    answer = "econometrics isnt probabilistic, its deterministic equations; ml is the probabilistic one"
    r = grader.rubric(item.id)
    vectors = grader.embedder.encode([answer, *clauses(answer)])
    features = grader.features(r, answer, vectors)
    close = [i for i, sim in enumerate(features["kp_sims"]) if sim >= grader.t.cover]
    denied = [i for i in close if features["signs"].negation[i]]
    assert denied  # without the check this point would be listed as covered
    g = grader.grade(item, answer)
    assert g.verdict is not Verdict.CORRECT
    assert not {r.key_points[i] for i in denied} & set(g.covered)


def test_a_wrong_answer_is_told_which_misconception_it_reads_like(grader, course_pack):
    g = grade(grader, course_pack, "1.14", "the dataloader trains the model")
    assert g.verdict is Verdict.INCORRECT and not g.covered
    assert "misconception: “the DataLoader trains the model”" in g.feedback.splitlines()[0]


@pytest.mark.parametrize(
    "answer",
    [
        'device = torch.device("cuda" if torch.cuda.is_available() else "cpu")',
        "torch.device('cuda' if torch.cuda.is_available() else 'cpu')",
    ],
)
def test_the_courses_line_of_code_is_right_in_either_quote_style(grader, course_pack, answer):
    assert grade(grader, course_pack, "1.10", answer).verdict is Verdict.CORRECT


@pytest.mark.parametrize(
    "answer",
    [
        "torch.device('gpu' if torch.cpu.is_available() else 'cuda')",
        "device = torch.device('cuda') if torch.cuda.is_available() is False else torch.device('cpu')",
    ],
)
def test_code_that_only_looks_like_the_courses_is_never_called_its_answer(grader, course_pack, answer):
    g = grade(grader, course_pack, "1.10", answer)
    assert g.verdict is not Verdict.CORRECT
    assert "that is the course's answer" not in g.feedback


def test_a_negation_in_the_prose_around_the_courses_line_flips_nothing(grader, course_pack):
    answer = "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu'), so it does not crash on a laptop"
    assert grade(grader, course_pack, "1.10", answer).verdict is Verdict.CORRECT


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("I agree, training from scratch always gives the best results.", "I agree"),
        ("Honestly I agree, full control is what matters.", "Honestly I agree"),
    ],
)
def test_the_wrong_side_of_an_agree_question_is_quoted_back(grader, course_pack, answer, said):
    g = grade(grader, course_pack, "1.21", answer)
    assert g.verdict is Verdict.INCORRECT and g.feedback.startswith(f"You said “{said}”; the course says: no")


def test_the_right_side_in_a_students_words_without_the_reason_is_partial(grader, course_pack):
    g = grade(grader, course_pack, "1.21", "I don't agree.")
    assert g.verdict is Verdict.PARTIAL and "say why" in g.feedback


@pytest.mark.parametrize(("item_id", "answer"), [("1.3", "no bc discrete hyperparameter"), ("1.20", "no, outdated")])
def test_a_right_side_with_a_short_reason_of_the_course_is_not_told_to_say_why(grader, course_pack, item_id, answer):
    assert "say why" not in grade(grader, course_pack, item_id, answer).feedback
    assert "say why" in grade(grader, course_pack, item_id, "no, no idea").feedback


def test_the_wrong_side_is_quoted_up_to_the_yes_not_the_lead_in(grader, course_pack):
    g = grade(grader, course_pack, "1.3", "Well, yes. SGD can tune the depth of the trees.")
    assert g.verdict is Verdict.INCORRECT and g.feedback.startswith(
        "You said “Well, yes”; the course says: no"
    )


def test_a_long_accepted_term_typed_with_one_typo_is_accepted(grader, course_pack):
    assert grade(grader, course_pack, "1.24", "trnasformer").verdict is Verdict.CORRECT
    assert grade(grader, course_pack, "1.24", "not the trnasformer").verdict is Verdict.INCORRECT
    assert grade(grader, course_pack, "1.24", "transistor").verdict is Verdict.INCORRECT  # two edits or more
