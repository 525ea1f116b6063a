"""Aggregates from facts: refreshed in batches for stale learners, or rebuilt whole.

A learner's aggregates are always recomputed from all of that learner's facts
and credits, never incremented, so the batch and the rebuild cannot disagree.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Sum

from courses.cache import content_version
from courses.models import (
    Assignment,
    CourseProgress,
    CreditReason,
    FactKind,
    HourCredit,
    LearnerProfile,
    LearnerYear,
    LearningFact,
    LessonPage,
    LessonProgress,
    RecordStale,
    UnitYear,
)
from courses.models.pages import CourseCompletionRule, CoursePage

from .facts import LearnerRef
from .lessons import lesson_complete_record, lesson_refs, lesson_status_from_facts

ZERO = Decimal("0")


def course_structure() -> dict[int, dict]:
    """Every live course: its title, required lesson ids and final exam, cached
    per content version (two queries whatever the size of the catalogue)."""
    key = f"records:courses:{content_version()}"
    courses = cache.get(key)
    if courses is None:
        courses = {}
        by_path = {}
        for row in CoursePage.objects.live().values(
            "id", "path", "title", "completion_rule", "final_quiz_code"
        ):
            needs_exam = row["completion_rule"] == CourseCompletionRule.LESSONS_AND_EXAM
            courses[row["id"]] = {
                "title": row["title"],
                "required": [],
                "final_quiz_code": row["final_quiz_code"] if needs_exam else "",
            }
            by_path[row["path"]] = row["id"]
        step = CoursePage.steplen
        for row in (
            LessonPage.objects.live()
            .filter(is_required=True)
            .values("id", "path")
            .order_by("path")
        ):
            for depth in range(len(row["path"]) - step, 0, -step):
                course_id = by_path.get(row["path"][:depth])
                if course_id:
                    courses[course_id]["required"].append(row["id"])
                    break
        cache.set(key, courses, timeout=24 * 3600)
    return courses


def assigned_course_ids(*, learner: LearnerProfile) -> set[int]:
    from courses.selectors.records import learner_assignments

    return {a.course_id for a in learner_assignments(learner=learner) if a.course_id}


def learner_records_refresh(*, learner_id: int) -> set[tuple[int, int]]:
    """Recompute one learner's aggregates; returns the (unit, year) pairs touched."""
    learner = LearnerProfile.objects.select_related("unit").get(pk=learner_id)
    ref = LearnerRef.of(learner)
    facts = list(
        LearningFact.objects.filter(learner_id=learner_id).values(
            "kind", "lesson_id", "occurred_at", "seconds", "value", "quiz_code"
        )
    )
    passed = {f["quiz_code"] for f in facts if f["kind"] == FactKind.QUIZ_PASSED}
    by_lesson: dict[int, list[dict]] = defaultdict(list)
    for fact in facts:
        if fact["lesson_id"]:
            by_lesson[fact["lesson_id"]].append(fact)
    refs = lesson_refs(by_lesson)

    # Lessons whose rule is met but which the browser never reported complete
    # (closed the tab at the right moment): complete them now, crediting once.
    statuses = {}
    for lesson_id, lesson_facts in by_lesson.items():
        lesson = refs.get(lesson_id)
        if lesson is None:
            continue  # unpublished or deleted since: its facts and credits stay
        status = lesson_status_from_facts(
            lesson=lesson,
            facts=lesson_facts,
            passed_quiz_codes=passed,
            unit_path=ref.unit_path,
        )
        if status.rule_met and status.completed_at is None:
            # The fact's time is the last one that met the rule, so a rebuild
            # that completes it later gives the same moment.
            completion = lesson_complete_record(
                learner=ref,
                lesson=lesson,
                now=status.last_seen_at,
                checked=True,
                mark_stale=False,
            )
            status.completed_at = completion.completed_at
        statuses[lesson_id] = status
    for lesson_id, lesson_facts in by_lesson.items():
        if lesson_id not in statuses:  # a lesson gone: keep what the facts say
            done = [
                f["occurred_at"]
                for f in lesson_facts
                if f["kind"] == FactKind.LESSON_COMPLETED
            ]
            statuses[lesson_id] = None if not done else min(done)

    with transaction.atomic():
        LessonProgress.objects.filter(learner_id=learner_id).delete()
        LessonProgress.objects.bulk_create(
            [
                _lesson_progress_row(
                    learner_id, lesson_id, status, by_lesson[lesson_id]
                )
                for lesson_id, status in statuses.items()
            ]
        )
        completed = {
            row.lesson_id_ref: row.completed_at
            for row in LessonProgress.objects.filter(
                learner_id=learner_id, completed_at__isnull=False
            )
        }
        courses = course_structure()
        touched_courses = {
            refs[lid].course_id
            for lid in by_lesson
            if lid in refs and refs[lid].course_id
        } | assigned_course_ids(learner=learner)
        CourseProgress.objects.filter(learner_id=learner_id).delete()
        rows = []
        for course_id in sorted(touched_courses):
            course = courses.get(course_id)
            if course is None:
                continue
            rows.append(
                _course_progress_row(
                    learner_id, course_id, course, completed, passed, facts
                )
            )
        CourseProgress.objects.bulk_create(rows)

        LearnerYear.objects.filter(learner_id=learner_id).delete()
        years: dict[int, LearnerYear] = {}
        touched_units: set[tuple[int, int]] = set()
        for row in (
            HourCredit.objects.filter(learner_id=learner_id)
            .values("training_year", "reason", "unit_id")
            .annotate(hours=Sum("hours"), n=Count("id"))
        ):
            year = years.setdefault(
                row["training_year"],
                LearnerYear(learner_id=learner_id, training_year=row["training_year"]),
            )
            touched_units.add((row["unit_id"], row["training_year"]))
            year.hours += row["hours"]
            field = {
                CreditReason.LESSON: "lesson_hours",
                CreditReason.EXAM: "exam_hours",
                CreditReason.OFFLINE: "offline_hours",
                CreditReason.ADJUSTMENT: "adjustment_hours",
            }[row["reason"]]
            setattr(year, field, getattr(year, field) + row["hours"])
            if row["reason"] == CreditReason.LESSON:
                year.lessons_completed += row["n"]
            elif row["reason"] == CreditReason.EXAM:
                year.exams_passed += row["n"]
        LearnerYear.objects.bulk_create(years.values())
    return touched_units


def _lesson_progress_row(learner_id, lesson_id, status, lesson_facts) -> LessonProgress:
    if status is None or not hasattr(status, "seconds"):
        at = [f["occurred_at"] for f in lesson_facts]
        return LessonProgress(
            learner_id=learner_id,
            lesson_id_ref=lesson_id,
            opened_at=min(at),
            last_seen_at=max(at),
            completed_at=status,
        )
    return LessonProgress(
        learner_id=learner_id,
        lesson_id_ref=lesson_id,
        opened_at=status.opened_at,
        last_seen_at=status.last_seen_at,
        seconds=status.seconds,
        video_percent=status.video_percent,
        video_resume_at=status.video_resume_at,
        completed_at=status.completed_at,
    )


def _course_progress_row(learner_id, course_id, course, completed, passed, facts):
    required = course["required"]
    done = [completed[lid] for lid in required if lid in completed]
    exam_code = course["final_quiz_code"]
    exam_passed = (exam_code in passed) if exam_code else None
    completed_at = None
    if len(done) == len(required) and exam_passed is not False:
        moments = list(done)
        if exam_code:
            moments += [
                f["occurred_at"]
                for f in facts
                if f["kind"] == FactKind.QUIZ_PASSED and f["quiz_code"] == exam_code
            ][:1]
        completed_at = max(moments) if moments else None
    return CourseProgress(
        learner_id=learner_id,
        course_id_ref=course_id,
        required_lessons=len(required),
        completed_lessons=len(done),
        exam_passed=exam_passed,
        completed_at=completed_at,
    )


def unit_years_refresh(pairs: Iterable[tuple[int, int]]) -> None:
    for unit_id, year in sorted(set(pairs)):
        totals = HourCredit.objects.filter(
            unit_id=unit_id, training_year=year
        ).aggregate(
            hours=Sum("hours"),
            credits=Count("id"),
            learners=Count("learner", distinct=True),
        )
        if not totals["credits"]:
            UnitYear.objects.filter(unit_id=unit_id, training_year=year).delete()
            continue
        UnitYear.objects.update_or_create(
            unit_id=unit_id,
            training_year=year,
            defaults={
                "hours": totals["hours"] or ZERO,
                "credits": totals["credits"],
                "learners_credited": totals["learners"],
            },
        )


def records_refresh_stale(*, limit: int = 500) -> int:
    """Refresh the learners marked stale, oldest first; returns how many."""
    ids = list(
        RecordStale.objects.order_by("marked_at").values_list("learner_id", flat=True)[
            :limit
        ]
    )
    if not ids:
        return 0
    # Unmark first, in its own transaction: an event arriving while we work
    # marks the learner again and is picked up by the next batch.
    RecordStale.objects.filter(learner_id__in=ids).delete()
    touched: set[tuple[int, int]] = set()
    for learner_id in ids:
        touched |= learner_records_refresh(learner_id=learner_id)
    unit_years_refresh(touched)
    return len(ids)


def learner_records_current(*, learner_id: int) -> None:
    """Bring one learner up to date now if they are stale (the dashboard calls
    this, so a reader sees their own hours without waiting for the batch)."""
    deleted, _ = RecordStale.objects.filter(learner_id=learner_id).delete()
    if deleted:
        unit_years_refresh(learner_records_refresh(learner_id=learner_id))


def records_rebuild(*, progress: Callable[[int, int], None] | None = None) -> dict:
    """Throw away every aggregate and recompute it from facts and credits."""
    learner_ids = list(
        LearningFact.objects.order_by().values_list("learner_id", flat=True).distinct()
    )
    assigned = _learners_with_assignments()
    learner_ids = sorted(set(learner_ids) | assigned)
    RecordStale.objects.filter(learner_id__in=learner_ids).delete()
    LessonProgress.objects.all().delete()
    CourseProgress.objects.all().delete()
    LearnerYear.objects.all().delete()
    UnitYear.objects.all().delete()
    touched: set[tuple[int, int]] = set()
    for done, learner_id in enumerate(learner_ids, start=1):
        touched |= learner_records_refresh(learner_id=learner_id)
        if progress:
            progress(done, len(learner_ids))
    unit_years_refresh(touched)
    return {"learners": len(learner_ids), "unit_years": len(touched)}


def _learners_with_assignments() -> set[int]:
    from courses.selectors.records import assigned_learner_ids

    ids: set[int] = set()
    for assignment in Assignment.objects.filter(withdrawn_at__isnull=True):
        ids |= assigned_learner_ids(assignment=assignment)
    return ids
