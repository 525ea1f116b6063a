"""A trainer's re-mark that turns a passed exam into a fail takes its hours back.

The ledger is never edited: a reversing line, sourced from a fact that names the
re-mark's reason and marker, cancels the credit in the year it was earned, and a
pass that stands again (the same attempt re-marked back, or another attempt of
the same exam) credits the exam once more.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from courses.models import FactKind, HourCredit, LearnerYear, LearningFact
from courses.services.records.aggregate import records_rebuild
from courses.services.records.exams import attempt_marked_received
from courses.services.records.facts import stale_mark
from courses.services.records.lessons import passed_quiz_codes
from quizzes.models import QuestionKind
from quizzes.services import (
    answer_save,
    attempt_start,
    attempt_submit,
    item_mark,
    item_remark,
)
from tests.factories import UserFactory
from tests.quizzes.factories import ExamFactory, QuestionFactory, quiz_add_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    from django.utils import timezone

    return timezone.now() - timedelta(days=2)


@pytest.fixture
def exam():
    """2 points of single choice and an 8-point essay; 60% passes."""
    return quiz_add_questions(
        ExamFactory(title="综合业务考核", pass_mark=Decimal("60"), max_attempts=3),
        [
            QuestionFactory(points=Decimal("2")),
            QuestionFactory(kind=QuestionKind.ESSAY, points=Decimal("8")),
        ],
    )


@pytest.fixture
def learner(people):
    return people["F1-B1"]


@pytest.fixture
def trainer():
    return UserFactory(username="trainer-zhou", first_name="周")


@pytest.fixture
def marked(django_capture_on_commit_callbacks):
    """Run the after-commit work (the result reaching the record) at once."""

    def run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return run


def sit_and_mark(exam, learner, trainer, marked, now, essay_score):
    user = learner.user
    attempt = attempt_start(quiz=exam, user=user, now=now)
    first = attempt.items.get(position=1)
    right = next(o["id"] for o in first.snapshot["options"] if o["correct"])
    answer_save(
        attempt=attempt, user=user, position=1, response={"option": right}, now=now
    )
    answer_save(
        attempt=attempt, user=user, position=2, response={"text": "三年"}, now=now
    )
    attempt_submit(attempt=attempt, user=user, now=now)
    essay = attempt.items.get(position=2)
    marked(item_mark, item=essay, score=essay_score, marker=trainer, now=now)
    return essay


def ledger(learner):
    return list(
        HourCredit.objects.filter(learner=learner)
        .order_by("id")
        .values_list("hours", flat=True)
    )


def exam_hours(learner, year):
    stale_mark(learner_ids=[learner.pk])
    from courses.services.records.aggregate import records_refresh_stale

    records_refresh_stale()
    row = LearnerYear.objects.filter(learner=learner, training_year=year).first()
    return row.exam_hours if row else Decimal("0")


def test_a_pass_re_marked_to_fail_takes_the_hours_back_with_its_reason(
    exam, learner, trainer, marked, now, client
):
    essay = sit_and_mark(exam, learner, trainer, marked, now, 8)
    credit = HourCredit.objects.get(learner=learner)
    assert credit.hours == Decimal("2.0")

    marked(
        item_remark,
        item=essay,
        score=2,
        marker=trainer,
        reason="答案与教材不符，复核后改判",
    )

    assert ledger(learner) == [Decimal("2.0"), Decimal("-2.0")]
    reversal = HourCredit.objects.filter(learner=learner).order_by("id").last()
    # In the year and unit of the line it cancels, sourced from the re-mark.
    assert reversal.training_year == credit.training_year
    assert reversal.unit_id == credit.unit_id
    assert reversal.fact.kind == FactKind.QUIZ_REVOKED
    assert reversal.fact.reason == "答案与教材不符，复核后改判"
    assert reversal.fact.recorded_by == trainer
    assert exam_hours(learner, credit.training_year) == 0
    assert exam.slug not in passed_quiz_codes(learner_id=learner.pk)

    client.force_login(learner.user)
    page = client.get(
        reverse("courses:my_training") + f"?year={credit.training_year}"
    ).content.decode()
    assert "改判为不合格" in page and "答案与教材不符，复核后改判" in page


def test_the_signal_sent_twice_reverses_once(exam, learner, trainer, marked, now):
    essay = sit_and_mark(exam, learner, trainer, marked, now, 8)
    marked(item_remark, item=essay, score=0, marker=trainer, reason="复核")
    attempt = essay.attempt
    attempt.refresh_from_db()
    attempt_marked_received(sender=None, attempt=attempt)  # a retried receiver
    assert ledger(learner) == [Decimal("2.0"), Decimal("-2.0")]
    assert LearningFact.objects.filter(kind=FactKind.QUIZ_REVOKED).count() == 1


def test_re_marked_back_to_a_pass_credits_the_exam_once_more(
    exam, learner, trainer, marked, now
):
    essay = sit_and_mark(exam, learner, trainer, marked, now, 8)
    marked(item_remark, item=essay, score=0, marker=trainer, reason="复核改判")
    marked(item_remark, item=essay, score=7, marker=trainer, reason="申诉成立")
    assert ledger(learner) == [Decimal("2.0"), Decimal("-2.0"), Decimal("2.0")]
    again = HourCredit.objects.filter(learner=learner).order_by("id").last()
    assert again.fact.kind == FactKind.QUIZ_PASSED
    assert again.fact.key.startswith(f"quiz:{essay.attempt.token}:")
    # A re-mark that keeps the pass changes nothing in the ledger.
    marked(item_remark, item=essay, score=8, marker=trainer, reason="加分")
    assert sum(ledger(learner)) == Decimal("2.0") and len(ledger(learner)) == 3


def test_another_passed_attempt_keeps_the_exam_credited(
    exam, learner, trainer, marked, now
):
    first = sit_and_mark(exam, learner, trainer, marked, now, 8)
    second = sit_and_mark(exam, learner, trainer, marked, now + timedelta(hours=1), 6)
    assert ledger(learner) == [Decimal("2.0")]  # an exam credits once

    marked(item_remark, item=first, score=0, marker=trainer, reason="雷同卷")

    # The first attempt's line is cancelled and the exam is credited from the
    # attempt that still passes, so every hour points at a pass that stands.
    lines = list(HourCredit.objects.filter(learner=learner).order_by("id"))
    assert [line.hours for line in lines] == [
        Decimal("2.0"),
        Decimal("-2.0"),
        Decimal("2.0"),
    ]
    assert lines[2].fact.key == f"quiz:{second.attempt.token}"
    assert exam.slug in passed_quiz_codes(learner_id=learner.pk)


def test_rebuild_agrees_after_a_reversal(exam, learner, trainer, marked, now):
    essay = sit_and_mark(exam, learner, trainer, marked, now, 8)
    marked(item_remark, item=essay, score=1, marker=trainer, reason="复核")
    year = HourCredit.objects.filter(learner=learner).first().training_year
    incremental = exam_hours(learner, year)
    rows = LearnerYear.objects.filter(learner=learner, training_year=year)
    before = rows.values("hours", "exam_hours", "exams_taken", "exams_passed").get()
    records_rebuild()
    after = rows.values("hours", "exam_hours", "exams_taken", "exams_passed").get()
    assert incremental == 0
    assert before == after
    assert after["exams_taken"] == 1 and after["exams_passed"] == 0
