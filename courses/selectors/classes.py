"""Reads of offline classes: which classes a user may run, rosters with
attendance, and a learner's own classes."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from courses.models import (
    ClassDay,
    ClassEnrolment,
    EnrolmentStatus,
    HourCredit,
    LearnerProfile,
    LearningFact,
    OfflineClass,
    RoleAssignment,
)
from courses.models.classes import attendance_key
from courses.selectors.scope import Capability, unit_scope_q

ON_LIST = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)


def classes_visible_to(*, user) -> QuerySet[OfflineClass]:
    """Classes `user` trains, and classes organised by units in their scope.

    A trainer or administrator of another facility sees none of a facility's
    classes unless named its trainer.
    """
    if not user.is_authenticated:
        return OfflineClass.objects.none()
    scope = unit_scope_q(
        user=user, capability=Capability.VIEW_PEOPLE, path_field="unit__path"
    )
    trained = OfflineClass.objects.filter(trainers=user).values("pk")
    return (
        OfflineClass.objects.filter(scope | Q(pk__in=trained))
        .select_related("unit")
        .order_by("-starts_on", "code")
    )


def trainer_candidates(*, user) -> QuerySet:
    """Who may be named a trainer of a class `user` creates: people holding a
    trainer or administrator role on a unit in `user`'s scope, and `user`."""
    roles = RoleAssignment.objects.filter(
        unit_scope_q(
            user=user, capability=Capability.VIEW_PEOPLE, path_field="unit__path"
        )
    ).values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(pk__in=roles) | Q(pk=user.pk))
        .select_related("learner")
        .order_by("username")
    )


def class_day_keys(offline_class: OfflineClass) -> dict[str, date]:
    return {
        attendance_key(offline_class.code, d): d
        for d in offline_class.days.values_list("date", flat=True)
    }


@dataclass
class RosterRow:
    enrolment: ClassEnrolment
    days_attended: int = 0

    @property
    def learner(self) -> LearnerProfile:
        return self.enrolment.learner


@dataclass
class Roster:
    capacity: int
    enrolled: list[RosterRow] = field(default_factory=list)
    waitlisted: list[RosterRow] = field(default_factory=list)
    withdrawn: list[RosterRow] = field(default_factory=list)

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - len(self.enrolled))


def class_roster(*, offline_class: OfflineClass) -> Roster:
    """Everyone who was ever on the class's list, with the days each attended."""
    enrolments = list(
        ClassEnrolment.objects.filter(offline_class=offline_class)
        .select_related("learner__unit", "learner__position")
        .order_by("waitlist_position", "enrolled_at", "id")
    )
    keys = class_day_keys(offline_class)
    attended = Counter(
        LearningFact.objects.filter(
            learner_id__in=[e.learner_id for e in enrolments], key__in=list(keys)
        ).values_list("learner_id", flat=True)
    )
    roster = Roster(capacity=offline_class.capacity)
    for enrolment in enrolments:
        row = RosterRow(enrolment, attended[enrolment.learner_id])
        {
            EnrolmentStatus.ENROLLED: roster.enrolled,
            EnrolmentStatus.WAITLISTED: roster.waitlisted,
            EnrolmentStatus.WITHDRAWN: roster.withdrawn,
        }[enrolment.status].append(row)
    roster.enrolled.sort(key=lambda r: r.learner.id_number)
    return roster


def attendance_for_day(*, day: ClassDay, learner_ids) -> dict[int, LearningFact]:
    """Attendance facts of these learners for the day, by learner id."""
    return {
        fact.learner_id: fact
        for fact in LearningFact.objects.filter(
            learner_id__in=list(learner_ids),
            key=attendance_key(day.offline_class.code, day.date),
        ).select_related("recorded_by")
    }


def day_attendance_count(*, day: ClassDay) -> tuple[int, int]:
    """(present, enrolled) for a day, over the learners now on the roster."""
    enrolled = ClassEnrolment.objects.filter(
        offline_class=day.offline_class, status=EnrolmentStatus.ENROLLED
    ).values("learner_id")
    present = LearningFact.objects.filter(
        learner_id__in=enrolled,
        key=attendance_key(day.offline_class.code, day.date),
    ).count()
    return present, enrolled.count()


@dataclass
class LearnerClass:
    offline_class: OfflineClass
    status: str
    status_label: str
    # 1 for the first on the waitlist; None unless waitlisted.
    waitlist_rank: int | None
    days_total: int
    days_attended: list[date]
    hours: Decimal

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.offline_class.starts_on <= today <= self.offline_class.ends_on

    @property
    def attended_today(self) -> bool:
        return timezone.localdate() in self.days_attended


def learner_classes(
    *, learner: LearnerProfile, include_past: bool = False, today: date | None = None
) -> list[LearnerClass]:
    """The learner's classes (enrolled or waitlisted), soonest first; by default
    only those not yet over (upcoming and current)."""
    today = today or timezone.localdate()
    enrolments = ClassEnrolment.objects.filter(
        learner=learner, status__in=ON_LIST
    ).select_related("offline_class__unit")
    if not include_past:
        enrolments = enrolments.filter(offline_class__ends_on__gte=today)
    enrolments = list(enrolments.order_by("offline_class__starts_on", "id"))
    if not enrolments:
        return []
    class_ids = [e.offline_class_id for e in enrolments]
    days_total = Counter(
        ClassDay.objects.filter(offline_class_id__in=class_ids).values_list(
            "offline_class_id", flat=True
        )
    )
    # Attendance keys start "attend:<class code>:", so the learner's own
    # attendance credits tell the days and hours of each class.
    by_code = {e.offline_class.code: e.offline_class_id for e in enrolments}
    attended: dict[int, list[date]] = {pk: [] for pk in class_ids}
    hours: dict[int, Decimal] = dict.fromkeys(class_ids, Decimal("0"))
    for key, credit_hours in HourCredit.objects.filter(
        learner=learner, key__startswith="attend:"
    ).values_list("key", "hours"):
        _prefix, code, day = key.split(":", 2)
        if code in by_code:
            attended[by_code[code]].append(date.fromisoformat(day))
            hours[by_code[code]] += credit_hours
    rows = []
    for enrolment in enrolments:
        rank = None
        if enrolment.status == EnrolmentStatus.WAITLISTED:
            rank = (
                ClassEnrolment.objects.filter(
                    offline_class_id=enrolment.offline_class_id,
                    status=EnrolmentStatus.WAITLISTED,
                    waitlist_position__lt=enrolment.waitlist_position,
                ).count()
                + 1
            )
        rows.append(
            LearnerClass(
                offline_class=enrolment.offline_class,
                status=enrolment.status,
                status_label=enrolment.get_status_display(),
                waitlist_rank=rank,
                days_total=days_total[enrolment.offline_class_id],
                days_attended=sorted(attended[enrolment.offline_class_id]),
                hours=hours[enrolment.offline_class_id],
            )
        )
    return rows
