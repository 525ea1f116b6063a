"""Writes to learners and their unit history."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from courses.models import LearnerProfile, OrgUnit, Position, UnitMembership
from courses.models.learners import MembershipSource


@transaction.atomic
def learner_create(
    *,
    id_number: str,
    real_name: str,
    identity: str,
    position: Position,
    unit: OrgUnit,
    phone: str = "",
    started_on: date | None = None,
    source: str = MembershipSource.MANUAL,
    roster_import=None,
    recorded_by=None,
    username: str | None = None,
) -> LearnerProfile:
    """Create the account, the profile and the first unit membership together.

    The account gets no usable password: an administrator sets one, so nobody can
    log in with a guessable default.
    """
    user = get_user_model()(username=username or id_number)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    profile = LearnerProfile(
        user=user,
        id_number=id_number,
        real_name=real_name,
        identity=identity,
        position=position,
        unit=unit,
        phone=phone,
    )
    profile.full_clean()
    profile.save()
    UnitMembership.objects.create(
        learner=profile,
        unit=unit,
        started_on=started_on or timezone.localdate(),
        source=source,
        roster_import=roster_import,
        recorded_by=recorded_by,
    )
    from courses.services.records.facts import stale_mark

    stale_mark(learner_ids=[profile.pk])
    return profile


@transaction.atomic
def learner_move(
    *,
    learner: LearnerProfile,
    unit: OrgUnit,
    on_date: date | None = None,
    source: str = MembershipSource.MANUAL,
    roster_import=None,
    recorded_by=None,
) -> UnitMembership | None:
    """Move a learner to `unit` from `on_date`, keeping the old stay in the history.

    Returns the new membership, or None when the learner is already there.
    """
    on_date = on_date or timezone.localdate()
    learner = LearnerProfile.objects.select_for_update().get(pk=learner.pk)
    if learner.unit_id == unit.pk:
        return None
    current = learner.memberships.open().first()
    if current is not None:
        # A stay cannot end before it began; a same-day correction ends it that day.
        current.ended_on = max(on_date, current.started_on)
        current.save(update_fields=["ended_on"])
        on_date = current.ended_on
    membership = UnitMembership.objects.create(
        learner=learner,
        unit=unit,
        started_on=on_date,
        source=source,
        roster_import=roster_import,
        recorded_by=recorded_by,
    )
    learner.unit = unit
    learner.save(update_fields=["unit", "updated_at"])
    # Assignments reaching the new unit become theirs: refresh their record.
    from courses.services.records.facts import stale_mark

    stale_mark(learner_ids=[learner.pk])
    return membership
