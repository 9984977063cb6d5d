"""The grader learns from the staff's corrections: a refit on them fixes a kind of mistake it makes.

The mistake: a padded answer, several sentences that talk about the question (it is important, it
is popular, it depends) and state none of its key points, is graded correct. The model scores it
high because every long answer in our training data is right (the ``log_words`` feature), and a
padded answer stays on topic, so its similarities look respectable. The staff correct 16 such
answers (``tests/data/corrections_padded.jsonl``, 14 of them left to the model); a refit on them
beside our training data rejects about half of the padded answers it has never seen, on the
corrected questions and on others, while right answers, long or short, keep their grades.

What the refit cannot fix: a padded answer that echoes the words of a key point ("if the batch size
is too small, this has an effect on the optimization") is as close to that key point as a real
answer, and similarity features cannot tell mentioning a point from stating it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.grade import Verdict
from bot.core.grading import MeaningGrader
from bot.core.grading_eval import figures
from bot.core.grading_fit import fit as fit_models
from bot.core.grading_fit import training_set
from bot.core.grading_labels import parse_labels

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parents[1] / "data"
TRAIN = [
    "grade_eval.jsonl",
    "grade_train_extra.jsonl",
    "train_feedback.jsonl",
    "train_feedback_a.jsonl",
    "train_feedback_c.jsonl",
]  # as scripts/fit_grader.py
CORRECTIONS = DATA / "corrections_padded.jsonl"

# Padded answers that are not among the corrections: new ones to corrected questions, then to others.
UNSEEN_PADDED = [
    (
        "1.2",
        "Econometrics and statistics on one side and supervised machine learning on the other side differ in a fundamental way, and this difference is important to understand for anyone who studies data science. Many students confuse them, but once you see the difference clearly, a lot of things in both fields start to make much more sense.",
    ),
    (
        "1.3",
        "Using stochastic gradient descent to tune the hyperparameters of a random forest is an interesting idea, because both SGD and random forests are popular methods. Hyperparameter tuning is always an important and time-consuming part of building a good model, and there are many possible methods to do it, each with advantages and disadvantages.",
    ),
    (
        "1.5",
        "We split the samples into training and test data because machine learning requires it, and it is one of the basic rules of the field. The training part and the test part are both needed for a complete machine learning project, and every good data scientist makes sure to do the split before doing anything else with the data.",
    ),
    (
        "1.8",
        "Compared to fine-tuning, feature extraction has some clear advantages that make it attractive in many situations. It is a technique that is taught in most deep learning courses, and many practitioners use it in their daily work with pretrained models. Knowing these advantages helps you to choose the right transfer learning approach for your project.",
    ),
    (
        "1.9",
        "The reason why neural networks are trained on GPUs or other specialized hardware is that this is the hardware that was built for this purpose. Deep learning has become very popular, and the hardware industry has reacted to that by creating special products for it. Today almost nobody trains a serious neural network without such hardware anymore.",
    ),
    (
        "1.12",
        "Neural networks use nonlinearities because they play an essential role in how neural networks work. Every modern architecture contains nonlinearities in many places, and the choice of nonlinearity can have a big influence on the results. There are several nonlinearities that are popular today, and each of them has been used in many successful models.",
    ),
    (
        "1.14",
        "In PyTorch, DataLoaders have the purpose of making the work with datasets easier for the programmer. They are one of the core utilities that PyTorch offers, and the official documentation explains them in detail with many examples. Most tutorials use a DataLoader, so it is good to get familiar with it early when learning PyTorch.",
    ),
    (
        "1.16",
        "If the batch size during the optimization is too small, this has an effect on the optimization that you should be aware of. The batch size is a key hyperparameter in deep learning, and its value influences the training in several ways. It is therefore recommended to think carefully about the batch size and to choose a value that fits your problem.",
    ),
    (
        "1.23",
        "The vanishing gradient problem is a very important problem in deep learning that occurs during the training of neural networks. Every deep learning practitioner should know about it, since training deep networks is hard and many problems can occur. It affects training in many ways, so it is important to choose the right architecture, the right optimizer and the right learning rate so that the network trains well.",
    ),
    (
        "1.18",
        "The feed-forward neural network we implemented for image classification was designed for images, and language modelling is a different task than image classification. Images and language are different kinds of data, and a model that works well on one kind of data does not necessarily work well on the other kind. That is why we cannot simply reuse the network we built for image classification for language modelling.",
    ),
    (
        "1.17",
        "When the batch size during the optimization is set too large, the training behaves differently than with a normal batch size, which is something to keep in mind. The batch size is an important setting, and experienced practitioners know from experience which values work. It is always worth experimenting with the batch size and looking at the results carefully before drawing conclusions.",
    ),
    (
        "1.19",
        "An encoder-decoder architecture is used for machine translation because machine translation is a very important application of deep learning. Google Translate and many other tools use it, and it has been studied in a lot of research papers over the years. The encoder-decoder architecture is a well known architecture, and that is why it is the one that is used for translation.",
    ),
    (
        "1.25",
        "The fundamental component of the transformer architecture is the most important part of the transformer, which everything else is built around. Transformers are used in most modern language models, and understanding their fundamental component is essential for understanding modern NLP. This component is explained in the original paper and in many tutorials and blog posts about transformers.",
    ),
]

# Answers whose grades must not move: right ones (long and short) stay correct, wrong ones stay wrong.
RIGHT = [
    (
        "1.17",
        "With a very large batch each epoch has fewer, quicker update steps, so training runs faster, but the model tends to reach lower accuracy and generalizes worse to new data, and it can overfit.",
    ),
    (
        "1.18",
        "Language is sequential and the meaning of a word depends on the words before it. Our feed-forward network takes a fixed-size input and has no memory of earlier inputs, so it cannot handle variable-length sequences and context; language models use RNNs or transformers instead.",
    ),
    (
        "1.19",
        "In translation the input and the output are both sequences, and they usually have different, variable lengths, so it is a sequence-to-sequence problem: the encoder turns the source sentence into a fixed-shape state and the decoder generates the target sentence from that state.",
    ),
    (
        "1.23",
        "During backpropagation the gradients get multiplied layer by layer and become extremely small by the time they reach the earlier layers, so those first layers barely update and learn very slowly or not at all, and training stalls.",
    ),
    (
        "1.25",
        "Self-attention: every position in the sequence attends to every other position, so the model captures the relationships between different positions directly, which is the core of the transformer.",
    ),
]
WRONG = [
    ("1.23", "the gradients get too big and explode"),
    ("1.18", "because images and text are different"),
    ("1.17", "training takes longer"),
]


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def graders(real_embedder, course_pack) -> tuple[MeaningGrader, MeaningGrader, list[dict]]:
    """The shipped grader, the grader refitted on our data plus the corrections, and our data."""
    grader = MeaningGrader(course_pack.questions, real_embedder)
    labels = parse_labels(
        CORRECTIONS.read_text(encoding="utf-8").splitlines(),
        course=course_pack.id,
        questions={q.id for q in course_pack.answered},
        source=CORRECTIONS.name,
    )
    assert len(labels.rows) == 16 and labels.other_course == labels.unknown_question == 0
    train = [row for name in TRAIN for row in load(DATA / name)]
    corrections = training_set(grader, labels.rows)
    assert len(corrections) >= 10  # the model, not a rule or guard, decides these answers
    # 16 corrections against some 1,100 of our answers: counted three times, as a course's staff would
    # weigh their own corrections above a writer's answers
    refitted = grader.with_weights(fit_models(training_set(grader, train) + corrections + corrections + corrections))
    return grader, refitted, train


def verdicts(grader: MeaningGrader, course_pack, answers: list[tuple[str, str]]) -> list[Verdict]:
    return [g.verdict for g in grader.grade_many([(course_pack.get(qid), text) for qid, text in answers])]


def test_padded_answers_are_rejected_after_the_refit(graders, course_pack):
    shipped, refitted, _ = graders
    before = verdicts(shipped, course_pack, UNSEEN_PADDED)
    after = verdicts(refitted, course_pack, UNSEEN_PADDED)
    report = "\n".join(
        f"{q} {b.value:9s} -> {a.value}" for (q, _), b, a in zip(UNSEEN_PADDED, before, after, strict=True)
    )
    # the mistake: hardly any rejected, most graded fully correct
    assert before.count(Verdict.INCORRECT) <= 1, report
    assert before.count(Verdict.CORRECT) >= 9, report
    # after the refit: about half rejected, and fewer graded correct than before
    assert after.count(Verdict.INCORRECT) >= before.count(Verdict.INCORRECT) + 4, report
    assert after.count(Verdict.CORRECT) <= before.count(Verdict.CORRECT) - 4, report
    assert all(
        a is Verdict.INCORRECT for (q, _), a in zip(UNSEEN_PADDED, after, strict=True) if q in {"1.2", "1.14"}
    )


def test_right_and_wrong_answers_keep_their_grades(graders, course_pack):
    shipped, refitted, _ = graders
    assert verdicts(shipped, course_pack, RIGHT) == [Verdict.CORRECT] * len(RIGHT)
    assert verdicts(refitted, course_pack, RIGHT) == [Verdict.CORRECT] * len(RIGHT)
    assert verdicts(shipped, course_pack, WRONG) == [Verdict.INCORRECT] * len(WRONG)
    assert Verdict.CORRECT not in verdicts(refitted, course_pack, WRONG)


def test_the_refit_costs_little_on_the_training_answers(graders, course_pack):
    shipped, refitted, train = graders
    items = [(course_pack.get(r["question_id"]), r["answer"]) for r in train]
    before, after = figures(train, shipped.grade_many(items)), figures(train, refitted.grade_many(items))
    print(f"\nshipped: {before.line()}\nrefit:   {after.line()}")
    assert after.accuracy >= before.accuracy - 0.03
    assert after.wrong_accepted <= before.wrong_accepted + 0.01
