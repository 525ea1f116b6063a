"""What an exam costs the database per request, and the token-keyed entry points.

At the start of an exam every taker starts, loads the paper, saves and submits
within the same minute; a statement more per request is hundreds more a second.
The counts leave out transaction control (BEGIN, SAVEPOINT), which differs
between SQLite and PostgreSQL.
"""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.errors import QuizError
from quizzes.management.commands.bench_quizzes import count_statements
from quizzes.models import Attempt, AttemptStatus, WrongAnswer
from quizzes.services import (
    answer_save_by_token,
    attempt_start,
    attempt_submit_by_token,
)
from tests.quizzes.factories import ExamFactory, QuestionFactory, quiz_add_questions

pytestmark = pytest.mark.django_db


def _exam(questions: int):
    quiz = ExamFactory(time_limit=30, closes_at=timezone.now() + timedelta(days=1))
    return quiz_add_questions(quiz, QuestionFactory.create_batch(questions))


def _right(item) -> dict:
    return {"option": next(o["id"] for o in item.snapshot["options"] if o["correct"])}


def _wrong(item) -> dict:
    return {
        "option": next(o["id"] for o in item.snapshot["options"] if not o["correct"])
    }


def _start_statements(quiz, user) -> int:
    with count_statements() as sql:
        attempt_start(quiz=quiz, user=user)
    return len(sql)


def test_starting_costs_the_same_statements_for_a_long_paper(learner, other_learner):
    short = _start_statements(_exam(3), learner)
    long = _start_statements(_exam(20), other_learner)
    assert short == long
    # The learner's attempts (open one and last number) are read in one statement.
    assert long <= 10


def test_saving_by_token_is_two_statements(learner):
    attempt = attempt_start(quiz=_exam(3), user=learner)
    item = attempt.items.get(position=2)
    with count_statements() as sql:
        result = answer_save_by_token(
            token=attempt.token, user=learner, position=2, response=_right(item)
        )
    assert result.changed
    assert len(sql) == 2  # the locking read of item, attempt and quiz; the update
    item.refresh_from_db()
    assert item.response == _right(item)
    # The same answer again changes nothing and writes nothing.
    with count_statements() as sql:
        again = answer_save_by_token(
            token=attempt.token, user=learner, position=2, response=_right(item)
        )
    assert not again.changed
    assert len(sql) == 1


def test_saving_by_token_refuses_another_learners_attempt(learner, other_learner):
    attempt = attempt_start(quiz=_exam(2), user=learner)
    item = attempt.items.get(position=1)
    with pytest.raises(Attempt.DoesNotExist):
        answer_save_by_token(
            token=attempt.token, user=other_learner, position=1, response=_right(item)
        )
    item.refresh_from_db()
    assert item.response is None
    with pytest.raises(QuizError) as missing:
        answer_save_by_token(
            token=attempt.token, user=learner, position=9, response=_right(item)
        )
    assert missing.value.code == "not_in_attempt"


def test_saving_by_token_after_submit_is_refused(learner):
    attempt = attempt_start(quiz=_exam(2), user=learner)
    item = attempt.items.get(position=1)
    attempt_submit_by_token(token=attempt.token, user=learner)
    with pytest.raises(QuizError) as refused:
        answer_save_by_token(
            token=attempt.token, user=learner, position=1, response=_right(item)
        )
    assert refused.value.code == "submitted"


def _answered_and_submitted(quiz, user, answered: int) -> int:
    attempt = attempt_start(quiz=quiz, user=user)
    items = list(attempt.items.order_by("position"))
    for number, item in enumerate(items[:answered]):
        answer = _right(item) if number % 2 else _wrong(item)
        answer_save_by_token(
            token=attempt.token, user=user, position=item.position, response=answer
        )
    with count_statements() as sql:
        attempt_submit_by_token(token=attempt.token, user=user)
    return len(sql)


def test_submit_reads_the_wrong_answer_book_once_however_many_answers(
    learner, other_learner
):
    # Answered wrong, the items enter the book one insert each; answered right,
    # they cost nothing beyond the one read of the learner's entries.
    few = _answered_and_submitted(_exam(6), learner, answered=2)
    many = _answered_and_submitted(_exam(6), other_learner, answered=6)
    wrong_few, wrong_many = 1, 3
    assert many - few == wrong_many - wrong_few
    assert WrongAnswer.objects.filter(user=other_learner).count() == 3


def test_the_book_still_counts_a_right_answer_to_a_question_in_it(learner):
    quiz = _exam(2)
    first = attempt_start(quiz=quiz, user=learner)
    item = first.items.get(position=1)
    answer_save_by_token(
        token=first.token, user=learner, position=1, response=_wrong(item)
    )
    attempt_submit_by_token(token=first.token, user=learner)
    entry = WrongAnswer.objects.get(user=learner, question=item.question)
    assert entry.times_wrong == 1 and entry.consecutive_correct == 0

    second = attempt_start(quiz=quiz, user=learner)
    again = second.items.get(question=item.question)
    answer_save_by_token(
        token=second.token,
        user=learner,
        position=again.position,
        response=_right(again),
    )
    attempt_submit_by_token(token=second.token, user=learner)
    entry.refresh_from_db()
    assert entry.consecutive_correct == 1


def test_submit_by_token_twice_counts_once(learner, other_learner):
    attempt = attempt_start(quiz=_exam(2), user=learner)
    with pytest.raises(Attempt.DoesNotExist):
        attempt_submit_by_token(token=attempt.token, user=other_learner)
    first = attempt_submit_by_token(token=attempt.token, user=learner)
    second = attempt_submit_by_token(token=attempt.token, user=learner)
    assert first.status == AttemptStatus.MARKED
    assert second.submitted_at == first.submitted_at


def test_json_save_and_submit_pages_answer_404_for_a_forged_token(client, learner):
    attempt = attempt_start(quiz=_exam(2), user=learner)
    client.force_login(learner)
    forged = "x" * len(attempt.token)
    saved = client.post(
        reverse("quizzes:answer", args=[forged]),
        data=json.dumps({"position": 1, "response": {"option": 1}}),
        content_type="application/json",
    )
    assert saved.status_code == 404
    submitted = client.post(reverse("quizzes:submit", args=[forged]))
    assert submitted.status_code == 404
    attempt.refresh_from_db()
    assert attempt.is_in_progress


def test_json_save_outside_the_paper_explains_itself(client, learner):
    attempt = attempt_start(quiz=_exam(2), user=learner)
    client.force_login(learner)
    response = client.post(
        reverse("quizzes:answer", args=[attempt.token]),
        data=json.dumps({"position": 7, "response": {"option": 1}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "not_in_attempt"
    assert body["error"] == "该题不在本次答卷中。"
    assert 0 < body["remaining"] <= 30 * 60


def test_paper_page_carries_each_items_revision(client, learner):
    attempt = attempt_start(quiz=_exam(2), user=learner)
    item = attempt.items.get(position=1)
    answer_save_by_token(
        token=attempt.token, user=learner, position=1, response=_right(item)
    )
    client.force_login(learner)
    page = client.get(reverse("quizzes:attempt", args=[attempt.token]))
    assert page.status_code == 200
    revisions = {q.position: q.revision for q in page.context["questions"]}
    assert revisions == {1: 1, 2: 0}
