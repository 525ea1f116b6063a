"""Each question type is marked as a marker would mark it, from the snapshot."""

from decimal import Decimal

import pytest

from quizzes.errors import QuizError
from quizzes.models import MultipleScoring, QuestionKind
from quizzes.scoring import normalise_blank, response_clean, response_mark
from quizzes.services import answer_save, attempt_start, attempt_submit
from tests.quizzes.factories import ExamFactory, QuestionFactory, quiz_add_questions

pytestmark = pytest.mark.django_db


def _sit(learner, now, question, response, points=Decimal("2")):
    """Take a one-question exam, answer, submit; return the marked item."""
    quiz = quiz_add_questions(ExamFactory(), [question], points=points)
    attempt = attempt_start(quiz=quiz, user=learner, now=now)
    if response is not None:
        answer_save(
            attempt=attempt, user=learner, position=1, response=response, now=now
        )
    attempt_submit(attempt=attempt, user=learner, now=now)
    return attempt.items.get()


def _option_ids(question):
    return [o.pk for o in question.options.order_by("sort_order")]


def test_single_choice_scores_only_the_correct_option(learner, now):
    question = QuestionFactory(kind=QuestionKind.SINGLE)
    right, wrong = _option_ids(question)[:2]
    assert _sit(learner, now, question, {"option": right}).score == Decimal("2.00")
    other = QuestionFactory(kind=QuestionKind.SINGLE)
    item = _sit(learner, now, other, {"option": _option_ids(other)[1]})
    assert (item.score, item.is_correct) == (Decimal("0.00"), False)


def test_option_ids_sent_as_strings_by_a_form_are_accepted(learner, now):
    question = QuestionFactory(kind=QuestionKind.SINGLE)
    item = _sit(learner, now, question, {"option": str(_option_ids(question)[0])})
    assert item.is_correct is True


def test_true_false(learner, now):
    question = QuestionFactory(kind=QuestionKind.TRUE_FALSE, true_answer=False)
    assert _sit(learner, now, question, {"value": False}).is_correct is True
    other = QuestionFactory(kind=QuestionKind.TRUE_FALSE, true_answer=False)
    assert _sit(learner, now, other, {"value": True}).score == Decimal("0.00")


@pytest.mark.parametrize(
    ("scoring", "chosen", "expected"),
    [
        (MultipleScoring.ALL_OR_NOTHING, [0, 1, 2], "3.00"),
        (MultipleScoring.ALL_OR_NOTHING, [0, 1], "0.00"),
        (MultipleScoring.ALL_OR_NOTHING, [0, 1, 2, 3], "0.00"),
        (MultipleScoring.PARTIAL, [0, 1, 2], "3.00"),
        (MultipleScoring.PARTIAL, [0, 1], "2.00"),  # 少选：按比例
        (MultipleScoring.PARTIAL, [0], "1.00"),
        (MultipleScoring.PARTIAL, [0, 1, 3], "0.00"),  # 错选不得分
        (MultipleScoring.PARTIAL, [3], "0.00"),
    ],
)
def test_multiple_choice_all_or_nothing_and_partial(
    learner, now, scoring, chosen, expected
):
    question = QuestionFactory(kind=QuestionKind.MULTIPLE, scoring=scoring)
    ids = _option_ids(question)  # three right, the fourth wrong
    item = _sit(
        learner,
        now,
        question,
        {"options": [ids[i] for i in chosen]},
        points=Decimal("3"),
    )
    assert item.score == Decimal(expected)
    assert item.is_correct is (expected == "3.00")


def test_partial_credit_rounds_to_cents(learner, now):
    question = QuestionFactory(
        kind=QuestionKind.MULTIPLE, scoring=MultipleScoring.PARTIAL
    )
    ids = _option_ids(question)
    item = _sit(learner, now, question, {"options": [ids[0]]}, points=Decimal("2"))
    assert item.score == Decimal("0.67")


@pytest.mark.parametrize(
    "given",
    ["ABC123", "ＡＢＣ１２３", "  abc 123 ", "ａｂｃ　１２３", "A B C\t1 2 3"],
)
def test_fill_in_normalises_width_space_and_case(learner, now, given):
    question = QuestionFactory(kind=QuestionKind.FILL_IN, blanks=[["abc123"]])
    assert _sit(learner, now, question, {"blanks": [given]}).is_correct is True


def test_fill_in_accepts_any_listed_answer_and_shares_points_between_blanks(
    learner, now
):
    question = QuestionFactory(
        kind=QuestionKind.FILL_IN,
        stem="《禁毒法》自____年____月1日起施行。",
        blanks=[["2008", "二〇〇八"], ["6", "六"]],
    )
    item = _sit(learner, now, question, {"blanks": ["二〇〇八", "６"]})
    assert (item.score, item.is_correct) == (Decimal("2.00"), True)
    half = QuestionFactory(kind=QuestionKind.FILL_IN, blanks=[["2008"], ["6"]])
    item = _sit(learner, now, half, {"blanks": ["2008", "7"]})
    assert (item.score, item.is_correct) == (Decimal("1.00"), False)


def test_fill_in_does_not_accept_a_different_answer():
    assert normalise_blank("禁毒法") != normalise_blank("禁毒法规")
    snapshot = {"kind": QuestionKind.FILL_IN, "blanks": [["禁毒法"]]}
    mark = response_mark(snapshot, {"blanks": ["禁毒法规"]}, Decimal("1"))
    assert mark.is_correct is False


def test_unanswered_item_scores_zero(learner, now):
    item = _sit(learner, now, QuestionFactory(), None)
    assert (item.score, item.is_correct, item.response) == (
        Decimal("0.00"),
        False,
        None,
    )


def test_response_that_does_not_fit_the_question_is_refused():
    snapshot = {"kind": QuestionKind.SINGLE, "options": [{"id": 1}, {"id": 2}]}
    with pytest.raises(QuizError) as refused:
        response_clean(snapshot, {"option": 99})
    assert "不属于本题" in refused.value.messages[0]
    with pytest.raises(QuizError):
        response_clean(snapshot, {"option": True})
    fill = {"kind": QuestionKind.FILL_IN, "blanks": [["a"], ["b"]]}
    with pytest.raises(QuizError):
        response_clean(fill, {"blanks": ["only one"]})


@pytest.mark.parametrize(
    "response",
    [
        {"option": [1]},
        {"option": {"id": 1}},
        {"option": 1.0},
        ["option", 1],
        {"options": [[1]]},
    ],
)
def test_hostile_responses_are_refused_cleanly(response):
    snapshot = {"kind": QuestionKind.SINGLE, "options": [{"id": 1}, {"id": 2}]}
    if "options" in str(response):
        snapshot["kind"] = QuestionKind.MULTIPLE
    with pytest.raises(QuizError):
        response_clean(snapshot, response)


def test_true_false_accepts_what_a_form_sends():
    snapshot = {"kind": QuestionKind.TRUE_FALSE, "true_answer": True}
    assert response_clean(snapshot, {"value": "true"}) == {"value": True}
    assert response_clean(snapshot, {"value": "0"}) == {"value": False}
    with pytest.raises(QuizError):
        response_clean(snapshot, {"value": "maybe"})
