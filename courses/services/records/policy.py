"""Which rules apply to a learner: the training policy of the bureau above them."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import uuid4

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import (
    HourRequirement,
    OrgUnit,
    Position,
    Role,
    TrainingPolicy,
    UnitKind,
)

POLICY_VERSION_KEY = "records:policy-version"


@dataclass(frozen=True)
class Policy:
    bureau_id: int | None
    year_starts_month: int = 1
    year_starts_day: int = 1
    exam_pass_hours: Decimal = Decimal("2.0")
    offline_day_hours: Decimal = Decimal("6.0")
    time_cap_ratio: Decimal = Decimal("2.0")
    # Beats count only within this many minutes of a sign the reader is there
    # (the page opened, "still here" clicked, new video played); 0: no check.
    presence_minutes: int = 0

    def training_year_of(self, when: date | datetime) -> int:
        """The training year of a day, named by the calendar year it starts in."""
        if isinstance(when, datetime):
            when = timezone.localdate(when)
        start = (self.year_starts_month, self.year_starts_day)
        return when.year if (when.month, when.day) >= start else when.year - 1

    def year_bounds(self, year: int) -> tuple[date, date]:
        """[first day, first day of the next year) of a training year."""
        start = date(year, self.year_starts_month, self.year_starts_day)
        return start, date(year + 1, self.year_starts_month, self.year_starts_day)


def policy_version_bump(**kwargs) -> None:
    cache.set(POLICY_VERSION_KEY, uuid4().hex, timeout=None)


def _root_path(unit_path: str) -> str:
    return unit_path[: OrgUnit.steplen]


def policy_for_unit_path(unit_path: str) -> Policy:
    """The policy of the bureau at the root of the unit's tree (defaults if none)."""
    version = cache.get(POLICY_VERSION_KEY) or "0"
    key = f"records:policy:{version}:{_root_path(unit_path)}"
    policy = cache.get(key)
    if policy is None:
        row = (
            TrainingPolicy.objects.filter(bureau__path=_root_path(unit_path))
            .values(
                "bureau_id",
                "year_starts_month",
                "year_starts_day",
                "exam_pass_hours",
                "offline_day_hours",
                "time_cap_ratio",
                "presence_minutes",
            )
            .first()
        )
        policy = Policy(**row) if row else Policy(bureau_id=None)
        cache.set(key, policy, timeout=3600)
    return policy


def policy_for_learner(learner) -> Policy:
    return policy_for_unit_path(learner.unit.path)


def requirement_hours(*, learner) -> Decimal | None:
    """The yearly hours the learner's position must earn, or None if none is set."""
    policy = policy_for_learner(learner)
    if policy.bureau_id is None:
        return None
    return (
        HourRequirement.objects.filter(
            policy__bureau_id=policy.bureau_id, position_id=learner.position_id
        )
        .values_list("hours", flat=True)
        .first()
    )


def requirement_hours_of(policy: Policy, position_id: int) -> Decimal | None:
    """The requirement of a position under a policy, from one cached read of the
    bureau's requirements (the batch asks this for every learner)."""
    if policy.bureau_id is None:
        return None
    version = cache.get(POLICY_VERSION_KEY) or "0"
    key = f"records:requirements:{version}:{policy.bureau_id}"
    table = cache.get(key)
    if table is None:
        table = dict(
            HourRequirement.objects.filter(
                policy__bureau_id=policy.bureau_id
            ).values_list("position_id", "hours")
        )
        cache.set(key, table, timeout=3600)
    return table.get(position_id)


def current_training_year(*, learner=None, unit_path: str | None = None) -> int:
    path = unit_path or (learner.unit.path if learner else "")
    return policy_for_unit_path(path).training_year_of(timezone.localdate())


RULE_FIELDS = (
    "year_starts_month",
    "year_starts_day",
    "exam_pass_hours",
    "offline_day_hours",
    "time_cap_ratio",
    "presence_minutes",
)


def policy_bureaus(user):
    """The bureaus whose rules `user` may set: where they are bureau admin, or
    every bureau for a superuser."""
    if not user.is_authenticated or not user.is_active:
        return OrgUnit.objects.none()
    bureaus = OrgUnit.objects.filter(kind=UnitKind.BUREAU, depth=1)
    if user.is_superuser:
        return bureaus
    return bureaus.filter(
        role_assignments__user=user, role_assignments__role=Role.BUREAU_ADMIN
    ).distinct()


def user_can_edit_policy(user) -> bool:
    return policy_bureaus(user).exists()


@transaction.atomic
def training_policy_save(
    *,
    bureau: OrgUnit,
    rules: dict,
    requirements: dict[Position, Decimal | None],
    by,
) -> TrainingPolicy:
    """Set a bureau's rules and requirements; the policy is made on first save.
    A requirement of None removes it."""
    if not policy_bureaus(by).filter(pk=bureau.pk).exists():
        raise ValidationError(_("只有戒毒管理局管理员可以设置学时规则。"))
    policy, _created = TrainingPolicy.objects.get_or_create(bureau=bureau)
    policy = TrainingPolicy.objects.select_for_update().get(pk=policy.pk)
    for name in RULE_FIELDS:
        setattr(policy, name, rules[name])
    policy.full_clean()
    policy.save()
    existing = {r.position_id: r for r in policy.requirements.all()}
    for position, hours in requirements.items():
        row = existing.get(position.pk)
        if hours is None:
            if row is not None:
                row.delete()
            continue
        if row is not None and row.hours == hours:
            continue
        row = row or HourRequirement(policy=policy, position=position)
        row.hours = hours
        row.full_clean()
        row.save()
    # Requirements and the year boundary feed every learner's yearly figures.
    from courses.models import LearnerProfile

    from .facts import stale_mark

    stale_mark(
        learner_ids=LearnerProfile.objects.filter(
            unit__path__startswith=bureau.path
        ).values_list("id", flat=True)
    )
    return policy
