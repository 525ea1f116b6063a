"""Pieces shared by the API's routers: paging, years, and rows built from models."""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from courses.models import Assignment, CreditReason, HourCredit, OrgUnit
from courses.selectors.records import AssignmentStatus

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
FIRST_YEAR = 2000

ZERO = Decimal("0")


@dataclass(frozen=True)
class Page:
    items: list
    count: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.page_size))

    def meta(self) -> dict:
        return {
            "count": self.count,
            "page": self.page,
            "page_size": self.page_size,
            "pages": self.pages,
        }


def page_check(page: int, page_size: int) -> None:
    """A page size above the cap is refused, not silently cut: a client asking
    for a million rows learns at once that it must page."""
    if page < 1:
        raise HttpError(400, _("页码必须从 1 开始。"))
    if page_size < 1 or page_size > MAX_PAGE_SIZE:
        raise HttpError(
            400, _("每页条数必须在 1 到 %(max)s 之间。") % {"max": MAX_PAGE_SIZE}
        )


def paginate(qs: QuerySet, *, page: int, page_size: int) -> Page:
    page_check(page, page_size)
    count = qs.count()
    start = (page - 1) * page_size
    items = list(qs[start : start + page_size]) if start < count else []
    return Page(items=items, count=count, page=page, page_size=page_size)


def year_check(year: int | None) -> int | None:
    if year is None:
        return None
    if not FIRST_YEAR <= year <= timezone.localdate().year + 1:
        raise HttpError(
            400,
            _("培训年度 %(year)s 超出范围（%(first)s 至 %(last)s）。")
            % {
                "year": year,
                "first": FIRST_YEAR,
                "last": timezone.localdate().year + 1,
            },
        )
    return year


def unit_out(unit: OrgUnit) -> dict:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind}


def assignment_out(assignment: Assignment) -> dict:
    return {
        "id": assignment.pk,
        "course_id": assignment.course_id,
        "course_title": assignment.course_title,
        "unit": unit_out(assignment.unit),
        "positions": [p.name for p in assignment.positions.all()],
        "training_year": assignment.training_year,
        "due_on": assignment.due_on,
        "note": assignment.note,
        "created_at": assignment.created_at,
    }


def assignment_status_out(status: AssignmentStatus, today) -> dict:
    assignment = status.assignment
    if status.completed:
        state = "done"
    elif assignment.due_on < today:
        state = "overdue"
    else:
        state = "doing"
    return {
        **assignment_out(assignment),
        "state": state,
        "percent": status.percent,
        "completed": status.completed,
    }


def hours_out(
    credits: list[HourCredit], *, year: int | None, required: Decimal | None
) -> dict:
    """The ledger lines and their sums: the totals always add up to the lines."""
    labels = dict(CreditReason.choices)
    total = ZERO
    by_reason = {reason.value: ZERO for reason in CreditReason}
    lines = []
    for credit in credits:
        total += credit.hours
        by_reason[credit.reason] = by_reason.get(credit.reason, ZERO) + credit.hours
        lines.append(
            {
                "title": credit.title,
                "reason": credit.reason,
                "reason_label": str(labels.get(credit.reason, credit.reason)),
                "hours": credit.hours,
                "training_year": credit.training_year,
                "credited_at": credit.credited_at,
                "unit_code": credit.unit.code,
            }
        )
    return {
        "year": year,
        "hours_total": total,
        "required_hours": required,
        "by_reason": by_reason,
        "credits": lines,
    }
