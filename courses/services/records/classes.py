"""Offline classes: creating one, its roster and waitlist, and attendance.

Attendance is taken two ways, both ending in the same fact and credit (keys
"attend:<class code>:<date>"), so a learner who scans twice, or whom the
trainer ticks after a scan, is credited the class's hours for that day once:

- the learner scans a rotating QR code shown in the room. The code is an HMAC
  of the class day and a 30-second window under the site's SECRET_KEY, and is
  accepted in its own window and the next one only;
- a trainer of the class (or an administrator over its unit) ticks names.
"""

import base64
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from courses.models import (
    ClassDay,
    ClassEnrolment,
    CreditReason,
    EnrolmentStatus,
    FactKind,
    HourCredit,
    LearnerProfile,
    OfflineClass,
    OrgUnit,
)
from courses.models.classes import attendance_key
from courses.selectors.scope import Capability, unit_is_in_scope

from .facts import LearnerRef, fact_credit_record
from .policy import policy_for_unit_path

CODE_WINDOW_SECONDS = 30
# A learner who scanned while logged out may log in first: the code they
# presented is honoured for this long after it was seen valid.
CODE_LOGIN_GRACE = timedelta(minutes=5)
_CODE_SALT = "courses.classes.attendance"


class AttendanceRefused(ValidationError):
    """Attendance not recorded; the message says why, in words for the learner."""


# ---- who may do what ----


def class_can_manage(*, offline_class: OfflineClass, user) -> bool:
    """The class's trainers, and administrators over its organising unit."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if offline_class.pk and offline_class.trainers.filter(pk=user.pk).exists():
        return True
    return unit_is_in_scope(
        user=user, unit=offline_class.unit, capability=Capability.MANAGE_PEOPLE
    )


def _require_manage(offline_class: OfflineClass, user) -> None:
    if not class_can_manage(offline_class=offline_class, user=user):
        raise ValidationError(_("您不是该培训班的教员，也不是主办单位的管理员。"))


# ---- the class ----


def _days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


@transaction.atomic
def class_create(
    *,
    title: str,
    code: str,
    unit: OrgUnit,
    place: str,
    starts_on: date,
    ends_on: date,
    capacity: int,
    by,
    trainers: list | None = None,
    hours_per_day: Decimal | None = None,
    completion_percent: int | None = None,
    description: str = "",
) -> OfflineClass:
    """Create a class with one attendance day per calendar day of it.

    `hours_per_day` defaults to the bureau's offline day hours and is kept on
    the class, so a later change of policy does not change this class.
    """
    if not unit_is_in_scope(user=by, unit=unit, capability=Capability.VIEW_PEOPLE):
        raise ValidationError({"unit": _("您只能为本单位及下级单位举办培训班。")})
    if hours_per_day is None:
        hours_per_day = policy_for_unit_path(unit.path).offline_day_hours
    trainers = list(trainers or []) or [by]
    offline_class = OfflineClass(
        title=title.strip(),
        code=code.strip(),
        unit=unit,
        place=place.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        hours_per_day=hours_per_day,
        capacity=capacity,
        completion_percent=completion_percent or 100,
        description=description.strip(),
        created_by=by,
    )
    offline_class.full_clean()
    offline_class.save()
    offline_class.trainers.set(trainers)
    ClassDay.objects.bulk_create(
        [
            ClassDay(offline_class=offline_class, date=day)
            for day in _days_between(starts_on, ends_on)
        ]
    )
    return offline_class


# ---- roster and waitlist ----


def _locked(offline_class: OfflineClass) -> OfflineClass:
    """The class row locked, so capacity checks of two requests do not race."""
    return OfflineClass.objects.select_for_update().get(pk=offline_class.pk)


def _next_waitlist_position(offline_class: OfflineClass) -> int:
    top = ClassEnrolment.objects.filter(
        offline_class=offline_class, status=EnrolmentStatus.WAITLISTED
    ).aggregate(top=Max("waitlist_position"))["top"]
    return (top or 0) + 1


def _enrolled_count(offline_class: OfflineClass) -> int:
    return ClassEnrolment.objects.filter(
        offline_class=offline_class, status=EnrolmentStatus.ENROLLED
    ).count()


@transaction.atomic
def class_enrol(
    *, offline_class: OfflineClass, learner: LearnerProfile, by, now=None
) -> ClassEnrolment:
    """Put a learner on the roster, or at the end of the waitlist when full.

    The learner must belong to the organising unit or a unit under it. A
    learner who withdrew joins again as if new.
    """
    _require_manage(offline_class, by)
    offline_class = _locked(offline_class)
    if not learner.unit.path.startswith(offline_class.unit.path):
        raise ValidationError(
            _("%(name)s不属于主办单位%(unit)s（含下级单位），不能报名。")
            % {"name": learner, "unit": offline_class.unit}
        )
    enrolment = ClassEnrolment.objects.filter(
        offline_class=offline_class, learner=learner
    ).first()
    if enrolment is not None and enrolment.status != EnrolmentStatus.WITHDRAWN:
        raise ValidationError(
            _("%(name)s已在名单中（%(status)s）。")
            % {"name": learner, "status": enrolment.get_status_display()}
        )
    if enrolment is None:
        enrolment = ClassEnrolment(offline_class=offline_class, learner=learner)
    enrolment.enrolled_at = now or timezone.now()
    enrolment.enrolled_by = by
    if _enrolled_count(offline_class) < offline_class.capacity:
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.waitlist_position = None
    else:
        enrolment.status = EnrolmentStatus.WAITLISTED
        enrolment.waitlist_position = _next_waitlist_position(offline_class)
    enrolment.full_clean(validate_unique=False)
    enrolment.save()
    return enrolment


@transaction.atomic
def class_withdraw(
    *, offline_class: OfflineClass, learner: LearnerProfile, by
) -> ClassEnrolment | None:
    """Take a learner off the roster or the waitlist.

    A place freed on the roster goes to the first on the waitlist; the promoted
    enrolment is returned (None if nobody was promoted). Attendance already
    taken stays in the learner's record.
    """
    _require_manage(offline_class, by)
    offline_class = _locked(offline_class)
    enrolment = ClassEnrolment.objects.filter(
        offline_class=offline_class, learner=learner
    ).first()
    if enrolment is None or enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise ValidationError(_("%(name)s不在名单中。") % {"name": learner})
    was_enrolled = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.waitlist_position = None
    enrolment.save(update_fields=["status", "waitlist_position", "updated_at"])
    if not was_enrolled or _enrolled_count(offline_class) >= offline_class.capacity:
        return None
    first = (
        ClassEnrolment.objects.filter(
            offline_class=offline_class, status=EnrolmentStatus.WAITLISTED
        )
        .order_by("waitlist_position", "enrolled_at", "id")
        .first()
    )
    if first is None:
        return None
    first.status = EnrolmentStatus.ENROLLED
    first.waitlist_position = None
    first.save(update_fields=["status", "waitlist_position", "updated_at"])
    return first


# ---- the rotating code ----


def _window(now: datetime) -> int:
    return int(now.timestamp()) // CODE_WINDOW_SECONDS


def _mac(day: ClassDay, window: int) -> str:
    message = f"{day.offline_class.code}|{day.date.isoformat()}|{window}"
    digest = salted_hmac(_CODE_SALT, message, algorithm="sha256").digest()
    return base64.b32encode(digest).decode()[:12].lower()


@dataclass(frozen=True)
class AttendanceCode:
    code: str
    # Seconds until the next code replaces this one on the screen.
    refresh_in: int


def attendance_code_current(
    *, day: ClassDay, now: datetime | None = None
) -> AttendanceCode:
    """The code to show in the room now: "<window>-<hmac>". The window travels
    in the code so that an old one is told apart from a forged one."""
    now = now or timezone.now()
    window = _window(now)
    elapsed = int(now.timestamp()) - window * CODE_WINDOW_SECONDS
    return AttendanceCode(
        code=f"{window}-{_mac(day, window)}",
        refresh_in=CODE_WINDOW_SECONDS - elapsed,
    )


def attendance_code_check(*, day: ClassDay, code: str, now: datetime) -> None:
    """Accept a code of the current or the previous window; refuse anything else."""
    window_text, _sep, mac = (code or "").strip().partition("-")
    if not window_text.isdigit() or not constant_time_compare(
        mac, _mac(day, int(window_text))
    ):
        raise AttendanceRefused(
            _("签到码无效，请扫描教员展示的二维码。"), code="invalid"
        )
    age = _window(now) - int(window_text)
    if age > 1:
        raise AttendanceRefused(_("二维码已过期，请扫描最新的二维码"), code="expired")
    if age < 0:
        raise AttendanceRefused(
            _("签到码无效，请扫描教员展示的二维码。"), code="invalid"
        )


# ---- attendance ----


@dataclass(frozen=True)
class AttendanceResult:
    offline_class: OfflineClass
    day: ClassDay
    learner: LearnerProfile
    credit: HourCredit | None
    # False when the learner's attendance for the day was already recorded.
    created: bool

    @property
    def hours(self) -> Decimal:
        return self.credit.hours if self.credit else Decimal("0")


def class_day_find(*, class_code: str, on: date | str) -> ClassDay:
    """The day of a class, or AttendanceRefused saying which part is wrong."""
    offline_class = (
        OfflineClass.objects.select_related("unit").filter(code=class_code).first()
    )
    if offline_class is None:
        raise AttendanceRefused(_("找不到该培训班。"), code="no_class")
    if isinstance(on, str):
        try:
            on = date.fromisoformat(on)
        except ValueError:
            raise AttendanceRefused(
                _("签到日期无效，请扫描教员展示的二维码。"), code="bad_date"
            ) from None
    day = ClassDay.objects.filter(offline_class=offline_class, date=on).first()
    if day is None:
        raise AttendanceRefused(
            _("%(date)s 不是培训班“%(title)s”的上课日期。")
            % {"date": on.isoformat(), "title": offline_class.title},
            code="not_a_class_day",
        )
    day.offline_class = offline_class
    return day


def _roster_status(day: ClassDay, learner: LearnerProfile) -> str | None:
    return (
        ClassEnrolment.objects.filter(offline_class=day.offline_class, learner=learner)
        .values_list("status", flat=True)
        .first()
    )


def _attend(
    *, day: ClassDay, learner: LearnerProfile, occurred_at: datetime, recorded_by
) -> AttendanceResult:
    offline_class = day.offline_class
    key = attendance_key(offline_class.code, day.date)
    fact, credit, created = fact_credit_record(
        learner=LearnerRef.of(learner),
        kind=FactKind.ATTENDANCE,
        key=key,
        credit_key=key,
        credit_reason=CreditReason.OFFLINE,
        hours=offline_class.hours_per_day,
        title=f"{offline_class.title}（{day.date.isoformat()}）",
        occurred_at=occurred_at,
        value=offline_class.hours_per_day,
        recorded_by=recorded_by,
    )
    return AttendanceResult(offline_class, day, learner, credit, created)


def attendance_record_by_code(
    *,
    learner: LearnerProfile,
    class_code: str,
    on: date | str,
    code: str,
    now: datetime | None = None,
    presented_at: datetime | None = None,
) -> AttendanceResult:
    """A learner scanned the code shown in the room.

    `presented_at` is when the code was first seen valid on this learner's
    phone before they had to log in (kept in their session); it is honoured
    for CODE_LOGIN_GRACE. Everything else is judged at `now`.
    """
    now = now or timezone.now()
    day = class_day_find(class_code=class_code, on=on)
    offline_class = day.offline_class
    if day.date != timezone.localdate(now):
        raise AttendanceRefused(
            _("只能在上课当天签到：该二维码是 %(date)s 的。")
            % {"date": day.date.isoformat()},
            code="not_today",
        )
    status = _roster_status(day, learner)
    if status == EnrolmentStatus.WAITLISTED:
        raise AttendanceRefused(
            _(
                "您在培训班“%(title)s”的候补名单上，尚未正式入班，不能签到。"
                "请联系培训教员。"
            )
            % {"title": offline_class.title},
            code="waitlisted",
        )
    if status != EnrolmentStatus.ENROLLED:
        raise AttendanceRefused(
            _("您不在培训班“%(title)s”的学员名单中，不能签到。请联系培训教员。")
            % {"title": offline_class.title},
            code="not_enrolled",
        )
    checked_at = now
    if presented_at is not None and now - CODE_LOGIN_GRACE <= presented_at <= now:
        checked_at = presented_at
    attendance_code_check(day=day, code=code, now=checked_at)
    return _attend(day=day, learner=learner, occurred_at=now, recorded_by=None)


def attendance_record_by_trainer(
    *,
    day: ClassDay,
    learners: list[LearnerProfile],
    by,
    now: datetime | None = None,
) -> list[AttendanceResult]:
    """A trainer ticks the learners present on a day (today or a past day).

    Only learners on the roster (not the waitlist) can be ticked; a name that
    is not refuses the whole sheet, so nothing is half recorded.
    """
    now = now or timezone.now()
    offline_class = day.offline_class
    _require_manage(offline_class, by)
    if day.date > timezone.localdate(now):
        raise AttendanceRefused(
            _("%(date)s 还没有到，不能记录出勤。") % {"date": day.date.isoformat()},
            code="future",
        )
    enrolled = set(
        ClassEnrolment.objects.filter(
            offline_class=offline_class,
            status=EnrolmentStatus.ENROLLED,
            learner__in=[learner.pk for learner in learners],
        ).values_list("learner_id", flat=True)
    )
    outside = [learner for learner in learners if learner.pk not in enrolled]
    if outside:
        raise AttendanceRefused(
            _("以下人员不在本培训班的学员名单中，不能记录出勤：%(names)s")
            % {"names": "、".join(str(learner) for learner in outside)},
            code="not_enrolled",
        )
    # A past day's attendance belongs to that day (and its training year).
    if day.date == timezone.localdate(now):
        occurred_at = now
    else:
        occurred_at = timezone.make_aware(datetime.combine(day.date, time(12)))
    with transaction.atomic():
        return [
            _attend(day=day, learner=learner, occurred_at=occurred_at, recorded_by=by)
            for learner in learners
        ]
