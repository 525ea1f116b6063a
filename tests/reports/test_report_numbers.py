"""Every figure of the roll-up equals the figure computed directly from facts,
credits, quiz attempts, assignments and people, on generated data.

The report reads aggregates (`LearnerYear`); this test reads none of them: hours
from the ledger, completion from lesson-completion and exam-pass facts against
the courses' required lessons, exams from the attempts themselves.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from courses.models import (
    Assignment,
    CreditReason,
    FactKind,
    HourCredit,
    HourRequirement,
    LearnerProfile,
    LearningFact,
    OrgUnit,
)
from courses.selectors.records import learner_assignment_statuses
from courses.services.records.aggregate import course_structure, records_refresh_stale
from courses.services.records.facts import LearnerRef, fact_credit_record
from courses.services.records.lessons import lesson_complete_record, lesson_refs
from courses.services.records.manual import hours_adjust
from courses.services.records.policy import policy_for_unit_path
from quizzes.models import Attempt, QuizMode
from quizzes.models.attempts import AttemptStatus
from reports.selectors import ReportFilters, facilities_rollup, unit_rollup

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    call_command("generate_scale", scale="tiny", stdout=StringIO(), stderr=StringIO())
    bureau = OrgUnit.objects.filter(depth=1).first()
    year = policy_for_unit_path(bureau.path).training_year_of(timezone.localdate())
    superuser = get_user_model().objects.create_superuser("numbers", "", "x")
    courses_finish(year, count=5)
    # A few meet their yearly requirement, through the administrator's form.
    for learner in LearnerProfile.objects.order_by("-pk")[:4]:
        hours_adjust(
            learner=learner, hours=Decimal("60"), reason="集中轮训", by=superuser
        )
    while records_refresh_stale():
        pass
    return {"bureau": bureau, "year": year, "user": superuser}


def courses_finish(year: int, count: int) -> None:
    """A few people finish an assigned course through the services (generated
    data at this size rarely completes a whole course), so completion is tested
    on more than zeros."""
    courses = course_structure()
    finished = 0
    for learner in LearnerProfile.objects.select_related("unit").order_by("pk"):
        statuses = learner_assignment_statuses(learner=learner, training_year=year)
        if not statuses or finished >= count:
            continue
        course = courses[statuses[0].assignment.course_id]
        ref = LearnerRef.of(learner)
        refs = lesson_refs(course["required"])
        for lesson_id in course["required"]:
            lesson_complete_record(learner=ref, lesson=refs[lesson_id], checked=True)
        if course["final_quiz_code"]:
            fact_credit_record(
                learner=ref,
                kind=FactKind.QUIZ_PASSED,
                key=f"quiz:numbers-{learner.pk}",
                credit_key=f"exam:{course['final_quiz_code']}",
                credit_reason=CreditReason.EXAM,
                hours=None,
                title=course["title"],
                quiz_code=course["final_quiz_code"],
            )
        finished += 1
    while records_refresh_stale():
        pass


def figures_from_facts(year: int) -> dict[int, dict]:
    """Per learner, every figure the report shows, from first principles."""
    today = timezone.localdate()
    learners = {
        learner.pk: learner for learner in LearnerProfile.objects.select_related("unit")
    }
    hours: dict[int, Decimal] = defaultdict(Decimal)
    for learner_id, amount in HourCredit.objects.filter(training_year=year).values_list(
        "learner_id", "hours"
    ):
        hours[learner_id] += amount
    required = {
        (policy_id, position_id): amount
        for policy_id, position_id, amount in HourRequirement.objects.values_list(
            "policy__bureau_id", "position_id", "hours"
        )
    }
    completed_lessons: dict[int, set[int]] = defaultdict(set)
    passed_quizzes: dict[int, set[str]] = defaultdict(set)
    for learner_id, kind, lesson_id, quiz_code in LearningFact.objects.filter(
        kind__in=[FactKind.LESSON_COMPLETED, FactKind.QUIZ_PASSED]
    ).values_list("learner_id", "kind", "lesson_id", "quiz_code"):
        if kind == FactKind.LESSON_COMPLETED:
            completed_lessons[learner_id].add(lesson_id)
        else:
            passed_quizzes[learner_id].add(quiz_code)
    courses = course_structure()

    def finished(learner_id: int, course_id: int) -> bool:
        course = courses[course_id]
        if not set(course["required"]) <= completed_lessons[learner_id]:
            return False
        code = course["final_quiz_code"]
        return not code or code in passed_quizzes[learner_id]

    assignments = list(
        Assignment.objects.filter(
            training_year=year, withdrawn_at__isnull=True
        ).prefetch_related("positions")
    )
    best: dict[tuple[int, int], tuple[Decimal, bool]] = {}
    by_user = {learner.user_id: learner for learner in learners.values()}
    for attempt in Attempt.objects.filter(
        status=AttemptStatus.MARKED, quiz__mode=QuizMode.EXAM
    ).select_related("quiz"):
        learner = by_user.get(attempt.user_id)
        if learner is None:
            continue
        policy = policy_for_unit_path(learner.unit.path)
        if policy.training_year_of(attempt.marked_at) != year:
            continue
        key = (learner.pk, attempt.quiz_id)
        result = (attempt.percent, bool(attempt.passed))
        best[key] = max(best.get(key, result), result)

    figures = {}
    for learner in learners.values():
        policy = policy_for_unit_path(learner.unit.path)
        mine = [
            a
            for a in assignments
            if learner.unit.path.startswith(a.unit.path)
            and (
                not a.positions.all()
                or learner.position_id in {p.pk for p in a.positions.all()}
            )
        ]
        done = [a for a in mine if finished(learner.pk, a.course_id)]
        exams = [value for key, value in best.items() if key[0] == learner.pk]
        need = required.get((policy.bureau_id, learner.position_id))
        figures[learner.pk] = {
            "path": learner.unit.path,
            "hours": hours[learner.pk],
            "required": need,
            "met": need is not None and hours[learner.pk] >= need,
            "assigned": len(mine),
            "completed": len(done),
            "overdue": any(a.due_on < today and a not in done for a in mine),
            "exams_taken": len(exams),
            "exams_passed": sum(1 for _p, passed in exams if passed),
            "percent_sum": sum((p for p, _passed in exams), Decimal("0")),
        }
    return figures


def expected_row(figures: dict[int, dict], path: str) -> dict:
    people = [f for f in figures.values() if f["path"].startswith(path)]
    required = [f["required"] for f in people if f["required"] is not None]
    taken = sum(f["exams_taken"] for f in people)
    assigned = sum(f["assigned"] for f in people)
    return {
        "headcount": len(people),
        "hours_total": sum((f["hours"] for f in people), Decimal("0")),
        "required_count": len(required),
        "required_total": sum(required, Decimal("0")),
        "requirement_met": sum(1 for f in people if f["met"]),
        "mandatory_assigned": assigned,
        "mandatory_completed": sum(f["completed"] for f in people),
        "overdue_learners": sum(1 for f in people if f["overdue"]),
        "exams_taken": taken,
        "exams_passed": sum(f["exams_passed"] for f in people),
        "score_avg": round(
            float(sum((f["percent_sum"] for f in people), Decimal("0"))) / taken, 1
        )
        if taken
        else None,
    }


def actual_row(row) -> dict:
    return {
        "headcount": row.headcount,
        "hours_total": row.hours_total,
        "required_count": row.required_count,
        "required_total": row.required_total,
        "requirement_met": row.requirement_met,
        "mandatory_assigned": row.mandatory_assigned,
        "mandatory_completed": row.mandatory_completed,
        "overdue_learners": row.overdue_learners,
        "exams_taken": row.exams_taken,
        "exams_passed": row.exams_passed,
        "score_avg": row.score_avg,
    }


def test_every_column_of_every_facility_equals_the_facts(generated):
    figures = figures_from_facts(generated["year"])
    rows = facilities_rollup(
        user=generated["user"], filters=ReportFilters(year=generated["year"])
    )
    assert len(rows) >= 2
    # The data must exercise every column, or the comparison proves little.
    total = defaultdict(int)
    for row in rows:
        assert actual_row(row) == expected_row(figures, row.path), row.unit_name
        for name, value in actual_row(row).items():
            total[name] += bool(value)
    assert all(total[name] for name in actual_row(rows[0])), total


def test_every_unit_of_the_drill_down_equals_the_facts(generated):
    figures = figures_from_facts(generated["year"])
    user, year = generated["user"], generated["year"]
    todo = [generated["bureau"]]
    checked = 0
    while todo:
        unit = todo.pop()
        total, rows = unit_rollup(user=user, unit=unit, filters=ReportFilters(year))
        assert actual_row(total) == expected_row(figures, unit.path), unit.name
        for row in rows:
            if not row.is_own:
                assert actual_row(row) == expected_row(figures, row.path)
                todo.append(OrgUnit.objects.get(code=row.unit_code))
        checked += 1
    assert checked == OrgUnit.objects.count()


def test_hours_in_a_date_range_equal_the_ledger_in_that_range(generated):
    user, year = generated["user"], generated["year"]
    start, end = date(year, 3, 1), date(year, 6, 30)
    total, _rows = unit_rollup(
        user=user,
        unit=generated["bureau"],
        filters=ReportFilters(year, date_from=start, date_to=end),
    )
    in_range = [
        credit.hours
        for credit in HourCredit.objects.all()
        if start <= timezone.localdate(credit.credited_at) <= end
    ]
    assert total.hours_total == sum(in_range, Decimal("0"))
