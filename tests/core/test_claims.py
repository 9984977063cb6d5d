"""The contrast check on its own (no model): which side of the course's contrasts a claim takes."""

from __future__ import annotations

import pytest

from bot.core.claims import ClaimChecker, split_clauses, stem

MEMORY = ClaimChecker(
    ["Transformer | transformers vs RNN | recurrent network | LSTM"],
    [
        "the Transformer has the longer memory",
        "the Transformer captures long-term dependencies better than an RNN, which forgets distant information",
    ],
    picks=True,
)
ENCODERS = ClaimChecker(
    [
        "BERT | RoBERTa vs GPT | GPT-2 | T5",
        "encoder-only | encoder vs decoder-only | decoder | encoder-decoder",
    ],
    ["BERT is an encoder-only model"],
    picks=True,
)


@pytest.mark.parametrize(
    "answer",
    [
        "Transformers forget distant tokens quickly, while an RNN keeps them in its hidden state, so the RNN "
        "remembers longer.",
        "The RNN has a longer memory because it has a hidden state that carries information.",
        "The RNN, because its hidden state carries information forever.",
        "RNNs remember long-range context better than transformers.",
    ],
)
def test_a_swapped_claim_contradicts_the_point(answer):
    assert MEMORY.contradictions(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "The Transformer: attention looks at every position directly, so long-range dependencies are kept.",
        "The Transformer, because attention sees every token directly while an RNN forgets distant tokens.",
        "Not the RNN - the transformer remembers longer.",
        "transformers have longer memory, RNNs forget stuff over long sequences",
    ],
)
def test_the_right_side_in_other_words_is_no_contradiction(answer):
    assert MEMORY.contradictions(answer) == []


def test_two_swaps_make_a_true_statement_about_something_else():
    assert ENCODERS.contradictions("GPT-2 is encoder-only; BERT is a decoder model.")
    assert ENCODERS.contradictions("BERT, since GPT is decoder-only") == []
    assert ENCODERS.contradictions("BERT is one, it only uses the encoder stack of the transformer.") == []


def test_a_reversed_order_is_caught_when_the_point_names_both_sides():
    device = ClaimChecker(
        ["cuda | gpu vs cpu"], ["choose torch.device('cuda' if torch.cuda.is_available() else 'cpu')"]
    )
    assert device.contradictions("device = torch.device('cpu' if torch.cuda.is_available() else 'cuda')")
    assert device.contradictions("torch.device('cuda' if torch.cuda.is_available() else 'cpu')") == []


def test_a_bare_term_counts_only_for_a_which_one_question():
    checker = ClaimChecker(
        ["econometrics vs machine learning"], ["machine learning learns from its mistakes"]
    )
    assert checker.contradictions("Econometrics: describing phenomena with models.") == []


def test_clauses_and_stems():
    assert split_clauses("A is fast, while B is slow; so C") == ["A is fast", "B is slow", "C"]
    assert [stem(w) for w in ("transformers", "gpus", "batches", "corpus")] == [
        "transformer",
        "gpu",
        "batch",
        "corpus",
    ]


def test_a_negation_reaches_over_the_alternatives_after_it():
    checker = ClaimChecker(["Transformer vs RNN | LSTM"], ["the Transformer has the longer memory"], picks=True)
    assert checker.contradictions("Transformer, not RNN or LSTM") == []
    assert checker.contradictions("not the Transformer, the RNN")
