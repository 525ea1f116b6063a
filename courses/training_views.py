"""The learner's own training record: "my training" and the printable transcript.

Both pages read only the signed-in learner's rows (every query filters by their
profile), bring the learner's aggregates up to date first, and list every
class-hour with the lesson, exam, class or adjustment it came from. The totals
shown are the sums of the ledger lines shown, so the page always adds up.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db.models import F, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from courses.models import (
    CourseProgress,
    CreditReason,
    HourCredit,
    LearnerProfile,
    LearnerYear,
)
from courses.selectors.certificates import learner_certificates
from courses.selectors.classes import learner_classes
from courses.selectors.records import (
    learner_assignment_statuses,
    learner_credits,
    learner_of_user,
)
from courses.services.records.aggregate import (
    course_structure,
    learner_records_current,
)
from courses.services.records.lessons import passed_quiz_codes
from courses.services.records.policy import (
    policy_for_learner,
    requirement_hours,
)
from quizzes.models import Quiz, QuizMode, ReviewPolicy

ZERO = Decimal("0")
UPCOMING_EXAMS_SHOWN = 10


@dataclass
class LedgerLine:
    """One HourCredit with where it came from, ready for the template."""

    credit: HourCredit
    lesson_url: str = ""
    quiz_url: str = ""
    recorded_by: str = ""


@dataclass
class Ledger:
    lines: list[LedgerLine]
    total: Decimal = ZERO
    by_reason: dict[str, Decimal] = field(default_factory=dict)

    def breakdown(self) -> list[tuple[str, str, Decimal]]:
        """(reason, label, hours) for every reason, in a fixed order."""
        return [
            (reason.value, reason.label, self.by_reason.get(reason.value, ZERO))
            for reason in CreditReason
        ]


def _year_choice(request, learner: LearnerProfile, current: int) -> tuple[int, list]:
    """The training year asked for (?year=) if the learner has rows in it, else
    the current one; and every year they can pick, newest first."""
    years = set(
        HourCredit.objects.filter(learner=learner)
        .order_by()
        .values_list("training_year", flat=True)
        .union(
            LearnerYear.objects.filter(learner=learner)
            .order_by()
            .values_list("training_year", flat=True)
        )
    )
    years.add(current)
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and int(raw) in years else current
    return year, sorted(years, reverse=True)


def _ledger(request, learner: LearnerProfile, year: int) -> Ledger:
    credits = list(
        learner_credits(learner=learner, training_year=year).select_related(
            "fact__lesson", "fact__recorded_by__learner"
        )
    )
    quiz_codes = {
        c.fact.quiz_code
        for c in credits
        if c.reason == CreditReason.EXAM and c.fact.quiz_code
    }
    # Link an exam only while its quiz is still there for learners to open.
    published = (
        set(
            Quiz.objects.filter(slug__in=quiz_codes, is_published=True).values_list(
                "slug", flat=True
            )
        )
        if quiz_codes
        else set()
    )
    ledger = Ledger(lines=[])
    for credit in credits:
        fact = credit.fact
        line = LedgerLine(credit=credit)
        # A lesson deleted since keeps its title on the credit; only a live one
        # gets a link.
        if fact.lesson is not None and fact.lesson.live:
            line.lesson_url = fact.lesson.get_url(request) or ""
        if fact.quiz_code in published:
            line.quiz_url = reverse("quizzes:detail", args=[fact.quiz_code])
        if fact.recorded_by is not None:
            line.recorded_by = fact.recorded_by.get_full_name()
        ledger.lines.append(line)
        ledger.total += credit.hours
        ledger.by_reason[credit.reason] = (
            ledger.by_reason.get(credit.reason, ZERO) + credit.hours
        )
    return ledger


def _requirement_view(hours: Decimal, required: Decimal | None) -> dict:
    if not required:
        return {"required": None, "percent": None, "met": False, "remaining": None}
    percent = min(int(hours * 100 / required), 100) if hours > 0 else 0
    return {
        "required": required,
        "percent": percent,
        "met": hours >= required,
        "remaining": max(required - hours, ZERO),
    }


def _assignments(request, learner: LearnerProfile, year: int) -> list[dict]:
    statuses = learner_assignment_statuses(learner=learner, training_year=year)
    course_ids = {s.assignment.course_id for s in statuses if s.assignment.course_id}
    urls = (
        {
            page.pk: page.get_url(request) or ""
            for page in Page.objects.live().filter(pk__in=course_ids)
        }
        if course_ids
        else {}
    )
    today = timezone.localdate()
    rows = []
    for status in statuses:
        assignment = status.assignment
        if status.completed:
            state, label = "done", _("已完成")
        elif assignment.due_on < today:
            state, label = "overdue", _("已逾期")
        else:
            state, label = "doing", _("进行中")
        rows.append(
            {
                "assignment": assignment,
                "progress": status.progress,
                "percent": status.percent,
                "state": state,
                "state_label": label,
                "course_url": urls.get(assignment.course_id, ""),
                "days_left": (assignment.due_on - today).days,
            }
        )
    return rows


def _upcoming_exams(learner: LearnerProfile) -> list[dict]:
    now = timezone.now()
    exams = list(
        Quiz.objects.filter(is_published=True, mode=QuizMode.EXAM)
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .order_by(
            F("opens_at").asc(nulls_first=True),
            F("closes_at").asc(nulls_last=True),
            "id",
        )[:UPCOMING_EXAMS_SHOWN]
    )
    passed = (
        passed_quiz_codes(learner_id=learner.pk, codes=[q.slug for q in exams])
        if exams
        else set()
    )
    return [
        {
            "quiz": quiz,
            "is_open": quiz.opens_at is None or quiz.opens_at <= now,
            # An exam that shows results only after it closes must not
            # give away a pass while it is still open.
            "passed": quiz.slug in passed
            and quiz.review_policy != ReviewPolicy.AFTER_CLOSE,
        }
        for quiz in exams
    ]


@login_required
def my_training(request):
    learner = learner_of_user(request.user)
    if learner is None:
        return render(request, "courses/training/my_training.html", {"learner": None})
    learner_records_current(learner_id=learner.pk)
    policy = policy_for_learner(learner)
    current = policy.training_year_of(timezone.localdate())
    year, years = _year_choice(request, learner, current)
    ledger = _ledger(request, learner, year)
    start, end = policy.year_bounds(year)
    return render(
        request,
        "courses/training/my_training.html",
        {
            "learner": learner,
            "year": year,
            "years": years,
            "is_current_year": year == current,
            "year_start": start,
            "year_last_day": date.fromordinal(end.toordinal() - 1),
            "ledger": ledger,
            "requirement": _requirement_view(
                ledger.total, requirement_hours(learner=learner)
            ),
            "assignments": _assignments(request, learner, year),
            "upcoming_exams": _upcoming_exams(learner) if year == current else [],
            "my_classes": learner_classes(learner=learner) if year == current else [],
            "my_certificates": list(learner_certificates(learner=learner)[:5]),
        },
    )


def _completed_courses(learner: LearnerProfile, start: date, end: date) -> list[dict]:
    tz = timezone.get_current_timezone()
    courses = course_structure()
    rows = CourseProgress.objects.filter(
        learner=learner,
        completed_at__gte=datetime.combine(start, time.min, tzinfo=tz),
        completed_at__lt=datetime.combine(end, time.min, tzinfo=tz),
    ).order_by("completed_at", "id")
    return [
        {"title": courses[row.course_id_ref]["title"], "completed_at": row.completed_at}
        for row in rows
        if row.course_id_ref in courses
    ]


@login_required
def transcript(request):
    learner = learner_of_user(request.user)
    if learner is None:
        return render(request, "courses/training/transcript.html", {"learner": None})
    learner_records_current(learner_id=learner.pk)
    policy = policy_for_learner(learner)
    current = policy.training_year_of(timezone.localdate())
    year, _years = _year_choice(request, learner, current)
    start, end = policy.year_bounds(year)
    ledger = _ledger(request, learner, year)
    ledger.lines.reverse()  # a document reads oldest first
    facility = learner.unit.facility()
    return render(
        request,
        "courses/training/transcript.html",
        {
            "learner": learner,
            "facility": facility if facility and facility != learner.unit else None,
            "year": year,
            "year_start": start,
            "year_last_day": date.fromordinal(end.toordinal() - 1),
            "ledger": ledger,
            "requirement": _requirement_view(
                ledger.total, requirement_hours(learner=learner)
            ),
            "completed_courses": _completed_courses(learner, start, end),
            "generated_at": timezone.localtime(),
        },
    )
