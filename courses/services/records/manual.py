"""Writes by administrators: manual hour adjustments and course assignments."""

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import (
    Assignment,
    CoursePage,
    CreditReason,
    FactKind,
    LearnerProfile,
    OrgUnit,
    Position,
)
from courses.selectors.scope import Capability, unit_is_in_scope

from .facts import LearnerRef, fact_credit_record, stale_mark

MAX_ADJUSTMENT = Decimal("100")


def hours_adjust(
    *,
    learner: LearnerProfile,
    hours: Decimal,
    reason: str,
    by,
    token: str | None = None,
    title: str = "",
):
    """Add (or, negative, take away) class-hours by hand, with the reason kept.

    `token` comes from the form, so submitting it twice records one adjustment.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写调整原因。")})
    if not hours or abs(hours) > MAX_ADJUSTMENT:
        raise ValidationError(
            {
                "hours": _("调整学时须为非零数，且绝对值不超过%(max)s。")
                % {"max": MAX_ADJUSTMENT}
            }
        )
    if not unit_is_in_scope(
        user=by, unit=learner.unit, capability=Capability.MANAGE_PEOPLE
    ):
        raise ValidationError(_("您无权调整该学员的学时。"))
    token = token or uuid4().hex
    fact, credit, created = fact_credit_record(
        learner=LearnerRef.of(learner),
        kind=FactKind.ADJUSTMENT,
        key=f"adjust:{token}",
        credit_key=f"adjust:{token}",
        credit_reason=CreditReason.ADJUSTMENT,
        hours=hours,
        title=title or _("学时调整：%(reason)s") % {"reason": reason[:100]},
        value=hours,
        reason=reason,
        recorded_by=by,
    )
    return credit


@transaction.atomic
def assignment_create(
    *,
    course: CoursePage,
    unit: OrgUnit,
    positions: list[Position] | None,
    training_year: int,
    due_on: date,
    by,
    note: str = "",
) -> Assignment:
    if not unit_is_in_scope(user=by, unit=unit, capability=Capability.MANAGE_PEOPLE):
        raise ValidationError(_("您只能为本单位及下级单位布置必修课程。"))
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("完成期限不能早于今天。")})
    if Assignment.objects.filter(
        course=course, unit=unit, training_year=training_year, withdrawn_at__isnull=True
    ).exists():
        raise ValidationError(_("该课程已布置给这个单位（本年度），请修改原有布置。"))
    assignment = Assignment(
        course=course,
        course_title=course.title,
        unit=unit,
        training_year=training_year,
        due_on=due_on,
        note=note,
        assigned_by=by,
    )
    assignment.full_clean()
    assignment.save()
    if positions:
        assignment.positions.set(positions)
    from courses.selectors.records import assigned_learner_ids

    # Their course progress rows appear with the next batch (or at once on
    # their own dashboard).
    stale_mark(learner_ids=sorted(assigned_learner_ids(assignment=assignment)))
    from courses.tasks import assignment_notify

    transaction.on_commit(lambda: assignment_notify.delay(assignment.pk))
    return assignment


@transaction.atomic
def assignment_withdraw(*, assignment: Assignment, by) -> Assignment:
    if not unit_is_in_scope(
        user=by, unit=assignment.unit, capability=Capability.MANAGE_PEOPLE
    ):
        raise ValidationError(_("您无权撤销该布置。"))
    assignment.withdrawn_at = timezone.now()
    assignment.save(update_fields=["withdrawn_at"])
    from courses.selectors.records import assigned_learner_ids

    # Their course rows of this assignment go with the next batch.
    stale_mark(learner_ids=sorted(assigned_learner_ids(assignment=assignment)))
    return assignment


def assignments_fall_due_mark(*, today=None) -> int:
    """Mark stale the learners of assignments that fell due yesterday, so their
    overdue counts change the day after the due date (Celery beat, daily)."""
    from courses.selectors.records import assigned_learner_ids

    today = today or timezone.localdate()
    learner_ids: set[int] = set()
    for assignment in Assignment.objects.filter(
        withdrawn_at__isnull=True, due_on=today - timedelta(days=1)
    ).select_related("unit"):
        learner_ids |= assigned_learner_ids(assignment=assignment)
    stale_mark(learner_ids=sorted(learner_ids))
    return len(learner_ids)
