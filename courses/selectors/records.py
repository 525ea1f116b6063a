"""Reads of the training record: assignments, hours and progress of a learner."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from courses.models import (
    Assignment,
    CourseProgress,
    HourCredit,
    LearnerProfile,
    OrgUnit,
)


def _ancestor_paths(path: str) -> list[str]:
    step = OrgUnit.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def learner_of_user(user) -> LearnerProfile | None:
    """The signed-in user's training record (None for staff without one), with
    the unit and position every learner page shows."""
    if not user.is_authenticated:
        return None
    return (
        LearnerProfile.objects.select_related("unit", "position")
        .filter(user_id=user.pk)
        .first()
    )


def learner_assignments(
    *, learner: LearnerProfile, training_year: int | None = None
) -> QuerySet[Assignment]:
    """Live assignments reaching the learner: made to their unit or any unit above
    it, for everyone or for their position."""
    qs = Assignment.objects.filter(
        withdrawn_at__isnull=True,
        unit__path__in=_ancestor_paths(learner.unit.path),
    ).filter(Q(positions__isnull=True) | Q(positions=learner.position_id))
    if training_year is not None:
        qs = qs.filter(training_year=training_year)
    return qs.distinct().order_by("due_on", "id")


def assigned_learners(*, assignment: Assignment) -> QuerySet[LearnerProfile]:
    qs = LearnerProfile.objects.filter(unit__path__startswith=assignment.unit.path)
    position_ids = list(assignment.positions.values_list("id", flat=True))
    if position_ids:
        qs = qs.filter(position_id__in=position_ids)
    return qs


def assigned_learner_ids(*, assignment: Assignment) -> set[int]:
    return set(assigned_learners(assignment=assignment).values_list("id", flat=True))


@dataclass
class AssignmentStatus:
    assignment: Assignment
    progress: CourseProgress | None

    @property
    def percent(self) -> int:
        return self.progress.percent if self.progress else 0

    @property
    def completed(self) -> bool:
        return bool(self.progress and self.progress.completed_at)


def learner_assignment_statuses(
    *, learner: LearnerProfile, training_year: int | None = None
) -> list[AssignmentStatus]:
    assignments = list(
        learner_assignments(learner=learner, training_year=training_year)
    )
    progress = {
        p.course_id_ref: p
        for p in CourseProgress.objects.filter(
            learner=learner,
            course_id_ref__in=[a.course_id for a in assignments if a.course_id],
        )
    }
    return [AssignmentStatus(a, progress.get(a.course_id)) for a in assignments]


def learner_credits(
    *, learner: LearnerProfile, training_year: int | None = None
) -> QuerySet[HourCredit]:
    qs = HourCredit.objects.filter(learner=learner).select_related("fact", "unit")
    if training_year is not None:
        qs = qs.filter(training_year=training_year)
    return qs.order_by("-credited_at", "-id")


@dataclass
class CourseReaderState:
    """What one reader sees of their own progress on a course page."""

    progress: CourseProgress | None
    completed_lesson_ids: set[int]
    prerequisites_missing: list


def course_reader_state(*, user, course) -> CourseReaderState | None:
    """The reader's progress on `course` and which prerequisites they still lack;
    None for a visitor without a training record."""
    if not user.is_authenticated:
        return None
    learner = learner_of_user(user)
    if learner is None:
        return None
    from courses.models import LessonProgress
    from courses.services.records.aggregate import learner_records_current

    learner_records_current(learner_id=learner.pk)
    prerequisites = list(course.prerequisites.live())
    finished = set(
        CourseProgress.objects.filter(
            learner=learner,
            course_id_ref__in=[course.pk] + [p.pk for p in prerequisites],
            completed_at__isnull=False,
        ).values_list("course_id_ref", flat=True)
    )
    lesson_ids = list(course.lessons().values_list("id", flat=True))
    return CourseReaderState(
        progress=CourseProgress.objects.filter(
            learner=learner, course_id_ref=course.pk
        ).first(),
        completed_lesson_ids=set(
            LessonProgress.objects.filter(
                learner=learner,
                lesson_id_ref__in=lesson_ids,
                completed_at__isnull=False,
            ).values_list("lesson_id_ref", flat=True)
        ),
        prerequisites_missing=[p for p in prerequisites if p.pk not in finished],
    )
