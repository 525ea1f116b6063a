"""The demo's training record: what `load_demo` leaves for the record's screens.

The whole demo is loaded once for the module (people, textbook, resource bank,
quizzes, then the record) and rolled back at the end; each test runs in its own
savepoint.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from courses.demo_records import ADJUSTMENT, demo_records_load
from courses.models import (
    Assignment,
    CourseProgress,
    CreditReason,
    FactKind,
    HourCredit,
    HourRequirement,
    LearnerProfile,
    LearnerYear,
    LearningFact,
    LessonProgress,
    RecordStale,
    TrainingPolicy,
    UnitYear,
)
from courses.selectors.records import learner_assignment_statuses, learner_credits
from courses.services.records.aggregate import records_rebuild
from courses.services.records.facts import LearnerRef
from courses.services.records.lessons import lesson_heartbeat_record, lesson_refs
from courses.services.records.policy import requirement_hours
from quizzes.demo import EXAM
from tests.conftest import database_restore_if_flushed


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        database_restore_if_flushed()
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()  # no lesson refs or versions left by another module
        call_command("load_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


def learner(id_number: str) -> LearnerProfile:
    return LearnerProfile.objects.select_related("unit", "position", "user").get(
        id_number=id_number
    )


OFFICER, WORKER, VOLUNTEER = "320001", "SQ0001", "ZY0134"


def test_bureau_rules_and_yearly_requirements(demo):
    policy = TrainingPolicy.objects.get(bureau__code="GD-JJ")
    assert (policy.year_starts_month, policy.year_starts_day) == (1, 1)
    assert policy.exam_pass_hours == Decimal("2.0")
    assert policy.offline_day_hours == Decimal("6.0")
    assert requirement_hours(learner=learner(OFFICER)) == Decimal("72")
    assert requirement_hours(learner=learner(WORKER)) == Decimal("48")
    assert requirement_hours(learner=learner(VOLUNTEER)) is None
    assert HourRequirement.objects.filter(policy=policy).count() == 8


def test_officer_has_credited_hours_each_with_its_source(demo):
    officer = learner(OFFICER)
    credits = list(learner_credits(learner=officer))
    reasons = {credit.reason for credit in credits}
    assert reasons == {CreditReason.LESSON, CreditReason.ADJUSTMENT}

    lessons = [c for c in credits if c.reason == CreditReason.LESSON]
    assert len(lessons) >= 5
    for credit in lessons:
        assert credit.fact.kind == FactKind.LESSON_COMPLETED
        assert credit.fact.lesson is not None
        assert credit.title == credit.fact.lesson.title
        assert credit.hours == credit.fact.lesson.class_hours

    adjustment = next(c for c in credits if c.reason == CreditReason.ADJUSTMENT)
    assert adjustment.hours == ADJUSTMENT["hours"]
    assert "省局集中轮训" in adjustment.fact.reason
    assert adjustment.fact.recorded_by.username == "facility_admin"

    years = LearnerYear.objects.filter(learner=officer)
    assert sum(y.hours for y in years) == sum(c.hours for c in credits)
    assert sum(y.adjustment_hours for y in years) == ADJUSTMENT["hours"]


def test_worker_has_her_passed_exam_credited(demo):
    worker = learner(WORKER)
    exam = HourCredit.objects.get(learner=worker, reason=CreditReason.EXAM)
    assert exam.hours == Decimal("2.0")
    assert exam.title == EXAM.title
    assert exam.fact.kind == FactKind.QUIZ_PASSED
    assert HourCredit.objects.filter(learner=worker).count() >= 10


def test_reading_is_spread_over_past_weeks_and_long_enough(demo):
    today = timezone.localdate()
    officer = learner(OFFICER)
    facts = LearningFact.objects.filter(learner=officer, lesson__isnull=False)
    days = {timezone.localdate(f.occurred_at) for f in facts}
    assert min(days) >= today - timedelta(weeks=5)
    assert max(days) < today
    assert len(days) >= 3

    refs = lesson_refs(
        LessonProgress.objects.filter(learner=officer).values_list(
            "lesson_id_ref", flat=True
        )
    )
    finished = unfinished = 0
    for row in LessonProgress.objects.filter(learner=officer):
        needed = refs[row.lesson_id_ref].needed_seconds()
        if row.completed_at:
            finished += 1
            # Read for as long as the rule asks, and not absurdly longer.
            assert needed <= row.seconds <= needed * 2
        else:
            unfinished += 1
            assert 0 < row.seconds < needed
    assert finished >= 5 and unfinished >= 1


def test_assignments_reach_the_right_people_one_due_one_overdue(demo):
    today = timezone.localdate()
    worker_rows = learner_assignment_statuses(learner=learner(WORKER))
    assert [(r.assignment.unit.code, r.completed) for r in worker_rows] == [
        ("GD-JDB-A", False)
    ]
    due = worker_rows[0]
    assert due.assignment.due_on > today
    assert 0 < due.percent < 100

    officer_rows = learner_assignment_statuses(learner=learner(OFFICER))
    assert [(r.assignment.unit.code, r.completed) for r in officer_rows] == [
        ("GD-S01", False)
    ]
    overdue = officer_rows[0].assignment
    assert overdue.due_on < today
    assert overdue.assigned_by.username == "facility_admin"
    assert overdue.created_at.date() < overdue.due_on

    # Assigned to community workers only: the volunteer at the same station
    # has nothing, and the facility's assignment reaches no community worker.
    assert learner_assignment_statuses(learner=learner(VOLUNTEER)) == []
    # Some finished the whole textbook: their assignment is complete.
    finisher = learner_assignment_statuses(learner=learner("SQ0132"))
    assert [(r.percent, r.completed) for r in finisher] == [(100, True)]


def _aggregates() -> dict:
    return {
        "learner_years": sorted(
            LearnerYear.objects.values_list(
                "learner_id",
                "training_year",
                "hours",
                "lesson_hours",
                "exam_hours",
                "offline_hours",
                "adjustment_hours",
                "lessons_completed",
                "exams_passed",
            )
        ),
        "lessons": sorted(
            LessonProgress.objects.values_list(
                "learner_id", "lesson_id_ref", "seconds", "completed_at"
            )
        ),
        "courses": sorted(
            CourseProgress.objects.values_list(
                "learner_id",
                "course_id_ref",
                "required_lessons",
                "completed_lessons",
                "completed_at",
            )
        ),
        "units": sorted(
            UnitYear.objects.values_list(
                "unit_id", "training_year", "hours", "learners_credited", "credits"
            )
        ),
    }


def test_aggregates_are_current_and_equal_a_rebuild(demo):
    assert not RecordStale.objects.exists()
    before = _aggregates()
    assert len(before["learner_years"]) >= 20
    records_rebuild()
    assert _aggregates() == before


def _counts() -> dict:
    return {
        "facts": LearningFact.objects.count(),
        "credits": HourCredit.objects.count(),
        "assignments": Assignment.objects.count(),
        "policies": TrainingPolicy.objects.count(),
        "requirements": HourRequirement.objects.count(),
    }


def test_loading_again_adds_nothing_even_another_day(demo):
    before, aggregates = _counts(), _aggregates()
    again = demo_records_load()
    assert set(again.values()) == {0}
    assert _counts() == before
    later = demo_records_load(today=timezone.localdate() + timedelta(days=9))
    assert later["facts_created"] == later["credits_created"] == 0
    assert later["lessons_read"] == later["adjustments_created"] == 0
    assert _counts()["facts"] == before["facts"]
    assert _aggregates()["learner_years"] == aggregates["learner_years"]


def test_colleagues_heartbeats_are_the_ones_the_service_would_write(demo):
    """Colleagues' heartbeats are written together for speed: sending the same
    moments through the service must find every one of them already there."""
    colleague = learner("SQ0132")
    beats = list(
        LearningFact.objects.filter(
            learner=colleague, kind=FactKind.TIME_ON_TASK
        ).order_by("occurred_at")[:40]
    )
    refs = lesson_refs({fact.lesson_id for fact in beats})
    count = LearningFact.objects.filter(learner=colleague).count()
    for fact in beats:
        lesson_heartbeat_record(
            learner=LearnerRef.of(colleague),
            lesson=refs[fact.lesson_id],
            now=fact.occurred_at,
        )
    assert LearningFact.objects.filter(learner=colleague).count() == count
