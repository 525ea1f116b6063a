"""Aggregates from facts: refreshed in batches for stale learners, or rebuilt whole.

A learner's aggregates are always recomputed from all of that learner's facts
and credits, never incremented, so the batch and the rebuild cannot disagree.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

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
    UnitMonth,
    UnitYear,
)
from courses.models.pages import CourseCompletionRule, CoursePage

from .exams import standing_passes
from .facts import LearnerRef
from .lessons import lesson_complete_record, lesson_refs, lesson_status_from_facts
from .policy import policy_for_learner, requirement_hours_of

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
                "prerequisites": [],
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
        through = CoursePage.prerequisites.through
        for course_id, before_id in through.objects.values_list(
            "from_coursepage_id", "to_coursepage_id"
        ):
            if course_id in courses:
                courses[course_id]["prerequisites"].append(before_id)
        cache.set(key, courses, timeout=24 * 3600)
    return courses


def _with_prerequisites(course_ids: set[int], courses: dict[int, dict]) -> set[int]:
    """The courses and, transitively, the live courses they require first."""
    todo, seen = list(course_ids), set()
    while todo:
        course_id = todo.pop()
        if course_id in seen or course_id not in courses:
            continue
        seen.add(course_id)
        todo.extend(courses[course_id]["prerequisites"])
    return seen


def _prerequisites_apply(rows: dict[int, CourseProgress], courses) -> None:
    """A course is finished only once its prerequisites are: its completion
    moves to the last of theirs, or is withheld while one is missing."""
    resolved: dict[int, object] = {}

    def finished_at(course_id: int, path: frozenset = frozenset()):
        if course_id in resolved:
            return resolved[course_id]
        row = rows.get(course_id)
        moment = row.completed_at if row else None
        for before_id in courses.get(course_id, {}).get("prerequisites", []):
            if moment is None:
                break
            if before_id in path or before_id not in courses:
                continue  # a cycle, or a course no longer published: not a bar
            before = finished_at(before_id, path | {course_id})
            moment = None if before is None else max(moment, before)
        resolved[course_id] = moment
        if row is not None:
            row.completed_at = moment
        return moment

    for course_id in list(rows):
        finished_at(course_id)


def _assignments_by_learner(learners: list[LearnerProfile]) -> dict[int, list]:
    """The live assignments of many learners from two queries, as (course id,
    training year, due date): the rule of `selectors.records.learner_assignments`
    (an assignment to the learner's unit or one above it, for everyone or for
    their position), applied here."""
    assignments = list(
        Assignment.objects.filter(
            withdrawn_at__isnull=True, course_id__isnull=False
        ).values_list("id", "course_id", "unit__path", "training_year", "due_on")
    )
    if not assignments:
        return {learner.pk: [] for learner in learners}
    positions: dict[int, set[int]] = defaultdict(set)
    for assignment_id, position_id in Assignment.positions.through.objects.filter(
        assignment_id__in=[a[0] for a in assignments]
    ).values_list("assignment_id", "position_id"):
        positions[assignment_id].add(position_id)
    found = {}
    for learner in learners:
        path = learner.unit.path
        found[learner.pk] = [
            (course_id, year, due_on)
            for assignment_id, course_id, unit_path, year, due_on in assignments
            if path.startswith(unit_path)
            and (
                not positions[assignment_id]
                or learner.position_id in positions[assignment_id]
            )
        ]
    return found


def _exam_results_by_learner(learners: list[LearnerProfile]) -> dict[int, dict]:
    """Each learner's released exam results by training year, one query:
    {learner: {year: {quiz: (best percent, passed)}}}. The year is the one the
    attempt was marked in; a quiz counts once, by its best attempt."""
    from quizzes.models import Attempt, QuizMode
    from quizzes.models.attempts import AttemptStatus

    from .exams import result_released

    by_user = {learner.user_id: learner for learner in learners}
    results: dict[int, dict] = defaultdict(lambda: defaultdict(dict))
    now = timezone.now()
    for attempt in (
        Attempt.objects.filter(
            user_id__in=list(by_user),
            status=AttemptStatus.MARKED,
            quiz__mode=QuizMode.EXAM,
        )
        .select_related("quiz")
        .only(
            "user_id",
            "percent",
            "passed",
            "marked_at",
            "submitted_at",
            "quiz__review_policy",
            "quiz__closes_at",
        )
    ):
        if not result_released(attempt=attempt, now=now):
            continue
        learner = by_user[attempt.user_id]
        moment = attempt.marked_at or attempt.submitted_at
        year = policy_for_learner(learner).training_year_of(moment)
        percent = attempt.percent or ZERO
        best = results[learner.pk][year].get(attempt.quiz_id)
        if best is None or (percent, bool(attempt.passed)) > best:
            results[learner.pk][year][attempt.quiz_id] = (
                percent,
                bool(attempt.passed),
            )
    return results


def _years_complete(
    learners: list[LearnerProfile],
    years: dict[tuple[int, int], LearnerYear],
    assignments: dict[int, list],
    course_rows: list[CourseProgress],
) -> None:
    """Give every learner a row for the current training year, and fill each
    row's requirement, mandatory and exam figures."""
    today = timezone.localdate()
    completed = {
        (row.learner_id, row.course_id_ref)
        for row in course_rows
        if row.completed_at is not None
    }
    exams = _exam_results_by_learner(learners)
    credited: dict[int, set[int]] = defaultdict(set)
    for learner_id, year in years:
        credited[learner_id].add(year)
    for learner in learners:
        policy = policy_for_learner(learner)
        wanted = credited[learner.pk] | {policy.training_year_of(today)}
        wanted |= {year for _c, year, _d in assignments[learner.pk]}
        wanted |= set(exams.get(learner.pk, {}))
        required = requirement_hours_of(policy, learner.position_id)
        for year in wanted:
            row = years.setdefault(
                (learner.pk, year),
                LearnerYear(learner_id=learner.pk, training_year=year),
            )
            row.required_hours = required
            courses = {
                course_id: due_on
                for course_id, course_year, due_on in assignments[learner.pk]
                if course_year == year
            }
            row.mandatory_assigned = len(courses)
            row.mandatory_completed = sum(
                1 for course_id in courses if (learner.pk, course_id) in completed
            )
            row.mandatory_overdue = sum(
                1
                for course_id, due_on in courses.items()
                if due_on < today and (learner.pk, course_id) not in completed
            )
            results = exams.get(learner.pk, {}).get(year, {})
            row.exams_taken = len(results)
            row.exams_passed = sum(1 for _p, passed in results.values() if passed)
            row.exam_percent_sum = sum(
                (percent for percent, _passed in results.values()), ZERO
            )


CREDIT_FIELDS = {
    CreditReason.LESSON: "lesson_hours",
    CreditReason.EXAM: "exam_hours",
    CreditReason.OFFLINE: "offline_hours",
    CreditReason.ADJUSTMENT: "adjustment_hours",
}


def learner_records_refresh(*, learner_id: int) -> set[tuple[int, int]]:
    """Recompute one learner's aggregates; returns the (unit, year) pairs touched."""
    if not LearnerProfile.objects.filter(pk=learner_id).exists():
        raise LearnerProfile.DoesNotExist(learner_id)
    return learners_records_refresh(learner_ids=[learner_id])


def learners_records_refresh(*, learner_ids: list[int]) -> set[tuple[int, int]]:
    """Recompute the aggregates of several learners at once, each exactly as if
    alone: one read of their facts, one of their credits, and one transaction
    writing their rows, whatever their number. Returns the (unit, year) pairs
    touched. Learners that no longer exist are skipped."""
    learners = list(
        LearnerProfile.objects.select_related("unit").filter(pk__in=learner_ids)
    )
    if not learners:
        return set()
    ids = [learner.pk for learner in learners]
    facts_of: dict[int, list[dict]] = defaultdict(list)
    for fact in LearningFact.objects.filter(learner_id__in=ids).values(
        "id",
        "key",
        "learner_id",
        "kind",
        "lesson_id",
        "occurred_at",
        "seconds",
        "value",
        "quiz_code",
    ):
        facts_of[fact["learner_id"]].append(fact)
    refs = lesson_refs(
        {f["lesson_id"] for facts in facts_of.values() for f in facts if f["lesson_id"]}
    )
    courses = course_structure()
    assignments = _assignments_by_learner(learners)

    lesson_rows, course_rows = [], []
    for learner in learners:
        facts = facts_of.get(learner.pk, [])
        statuses, by_lesson, passes = _lesson_statuses(learner, facts, refs)
        completed = {}
        for lesson_id, status in statuses.items():
            row = _lesson_progress_row(
                learner.pk, lesson_id, status, by_lesson[lesson_id]
            )
            lesson_rows.append(row)
            if row.completed_at is not None:
                completed[lesson_id] = row.completed_at
        touched_courses = {
            refs[lid].course_id
            for lid in by_lesson
            if lid in refs and refs[lid].course_id
        } | {course_id for course_id, _y, _d in assignments[learner.pk]}
        learner_courses = {
            course_id: _course_progress_row(
                learner.pk, course_id, courses[course_id], completed, passes
            )
            for course_id in sorted(_with_prerequisites(touched_courses, courses))
        }
        _prerequisites_apply(learner_courses, courses)
        course_rows.extend(learner_courses.values())

    with transaction.atomic():
        # Read inside the transaction, after the completions above credited.
        years: dict[tuple[int, int], LearnerYear] = {}
        touched_units: set[tuple[int, int]] = set()
        for row in (
            HourCredit.objects.filter(learner_id__in=ids)
            .values("learner_id", "training_year", "reason", "unit_id")
            .annotate(hours=Sum("hours"), n=Count("id"))
            .order_by()
        ):
            year = years.setdefault(
                (row["learner_id"], row["training_year"]),
                LearnerYear(
                    learner_id=row["learner_id"], training_year=row["training_year"]
                ),
            )
            touched_units.add((row["unit_id"], row["training_year"]))
            year.hours += row["hours"]
            field = CREDIT_FIELDS[row["reason"]]
            setattr(year, field, getattr(year, field) + row["hours"])
            if row["reason"] == CreditReason.LESSON:
                year.lessons_completed += row["n"]
        _years_complete(learners, years, assignments, course_rows)
        LessonProgress.objects.filter(learner_id__in=ids).delete()
        LessonProgress.objects.bulk_create(lesson_rows, batch_size=2000)
        CourseProgress.objects.filter(learner_id__in=ids).delete()
        CourseProgress.objects.bulk_create(course_rows, batch_size=2000)
        LearnerYear.objects.filter(learner_id__in=ids).delete()
        LearnerYear.objects.bulk_create(years.values(), batch_size=2000)
    return touched_units


def _lesson_statuses(learner: LearnerProfile, facts: list[dict], refs: dict):
    """Where the learner stands on every lesson they have facts about."""
    ref = LearnerRef.of(learner)
    passes = standing_passes(facts)
    passed = {f["quiz_code"] for f in passes}
    by_lesson: dict[int, list[dict]] = defaultdict(list)
    for fact in facts:
        if fact["lesson_id"]:
            by_lesson[fact["lesson_id"]].append(fact)

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
    return statuses, by_lesson, passes


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


def _course_progress_row(learner_id, course_id, course, completed, passes):
    """`passes`: the learner's standing quiz passes (a revoked one is not)."""
    required = course["required"]
    done = [completed[lid] for lid in required if lid in completed]
    exam_code = course["final_quiz_code"]
    exam_passes = [f["occurred_at"] for f in passes if f["quiz_code"] == exam_code]
    exam_passed = bool(exam_passes) if exam_code else None
    completed_at = None
    if len(done) == len(required) and exam_passed is not False:
        moments = list(done)
        if exam_code:
            # The first pass: facts come in no particular order, and the batch
            # and the rebuild must agree when the exam was passed twice.
            moments.append(min(exam_passes))
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
    """Recompute the (unit, training year) totals named, in three statements."""
    pairs = set(pairs)
    if not pairs:
        return
    totals = {
        (row["unit_id"], row["training_year"]): row
        for row in HourCredit.objects.filter(
            unit_id__in={unit for unit, _ in pairs},
            training_year__in={year for _, year in pairs},
        )
        .values("unit_id", "training_year")
        .annotate(
            hours=Sum("hours"),
            credits=Count("id"),
            learners=Count("learner", distinct=True),
        )
        .order_by()
    }
    rows = [
        UnitYear(
            unit_id=unit_id,
            training_year=year,
            hours=totals[unit_id, year]["hours"] or ZERO,
            credits=totals[unit_id, year]["credits"],
            learners_credited=totals[unit_id, year]["learners"],
        )
        for unit_id, year in sorted(pairs)
        if (unit_id, year) in totals and totals[unit_id, year]["credits"]
    ]
    gone = Q()
    for unit_id, year in pairs - set(totals):
        gone |= Q(unit_id=unit_id, training_year=year)
    with transaction.atomic():
        if gone:
            UnitYear.objects.filter(gone).delete()
        # An upsert: the batch and a dashboard's own refresh may meet here.
        UnitYear.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["unit", "training_year"],
            update_fields=["hours", "credits", "learners_credited"],
            batch_size=1000,
        )
    unit_months_refresh(pairs)


def unit_months_refresh(pairs: set[tuple[int, int]]) -> None:
    """Recompute the monthly trend rows of the (unit, training year) pairs."""
    units = {unit for unit, _ in pairs}
    years = {year for _, year in pairs}
    rows = [
        UnitMonth(
            unit_id=row["unit_id"],
            training_year=row["training_year"],
            month=timezone.localtime(row["month"]).date()
            if hasattr(row["month"], "hour")
            else row["month"],
            hours=row["hours"] or ZERO,
            credits=row["credits"],
        )
        for row in HourCredit.objects.filter(unit_id__in=units, training_year__in=years)
        .annotate(month=TruncMonth("credited_at"))
        .values("unit_id", "training_year", "month")
        .annotate(hours=Sum("hours"), credits=Count("id"))
        .order_by()
        if (row["unit_id"], row["training_year"]) in pairs
    ]
    gone = Q()
    for unit_id, year in pairs:
        gone |= Q(unit_id=unit_id, training_year=year)
    with transaction.atomic():
        UnitMonth.objects.filter(gone).delete()
        UnitMonth.objects.bulk_create(rows, batch_size=1000)


# Learners refreshed together: one read of their facts and one transaction each
# chunk (a province learner has a few hundred facts).
CHUNK = 250


def _chunks(ids: list[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


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
    for chunk in _chunks(ids):
        touched |= learners_records_refresh(learner_ids=chunk)
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
    # Everyone: each learner has a row for the current training year, facts or not.
    learner_ids = list(
        LearnerProfile.objects.order_by("pk").values_list("pk", flat=True)
    )
    for chunk in _chunks(learner_ids, 1000):
        RecordStale.objects.filter(learner_id__in=chunk).delete()
    LessonProgress.objects.all().delete()
    CourseProgress.objects.all().delete()
    LearnerYear.objects.all().delete()
    UnitYear.objects.all().delete()
    UnitMonth.objects.all().delete()
    touched: set[tuple[int, int]] = set()
    done = 0
    for chunk in _chunks(learner_ids):
        touched |= learners_records_refresh(learner_ids=chunk)
        done += len(chunk)
        if progress:
            progress(done, len(learner_ids))
    unit_years_refresh(touched)
    return {"learners": len(learner_ids), "unit_years": len(touched)}
