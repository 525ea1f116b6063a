"""/api/v1/org/…: the organisation's figures, scoped exactly like the report screens.

Scope comes from the one scoping layer, `courses.selectors.scope`, with the
report capability: a unit or a learner outside the caller's scope is a 404 with
the same message as one that does not exist, so hand-typed codes and id numbers
of other units confirm nothing. A caller with no reporting scope at all gets
403. The figures come from `reports.selectors`, the same code the screens use;
its `ReportError` (absurd filters) becomes a 400 with its message (`api.main`).
"""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError

from api.common import (
    DEFAULT_PAGE_SIZE,
    assignment_out,
    assignment_status_out,
    hours_out,
    page_check,
    paginate,
    unit_out,
    year_check,
)
from api.schemas import (
    AssignmentPageOut,
    ChildrenOut,
    ErrorOut,
    LearnerPageOut,
    SummaryOut,
    TranscriptOut,
)
from courses.models import Assignment, LearnerProfile, OrgUnit
from courses.selectors.records import learner_assignment_statuses, learner_credits
from courses.selectors.scope import Capability, unit_scope_q, user_has_capability
from courses.services.records.policy import requirement_hours
from reports.selectors import (
    filters_from_params,
    report_roots,
    unit_learners,
    unit_rollup,
)

router = Router(tags=["组织报表"])

CAPABILITY = Capability.VIEW_REPORTS
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _reporter(request: HttpRequest):
    user = request.user
    if not user_has_capability(user=user, capability=CAPABILITY):
        raise HttpError(403, _("您没有查看培训报表的权限。"))
    return user


def _unit_in_scope(user, code: str) -> OrgUnit:
    unit = (
        OrgUnit.objects.filter(code=code)
        .filter(unit_scope_q(user=user, capability=CAPABILITY))
        .first()
    )
    if unit is None:
        raise HttpError(404, _("单位不存在或不在您的管辖范围内。"))
    return unit


def _learner_in_scope(user, id_number: str) -> LearnerProfile:
    learner = (
        LearnerProfile.objects.within_scope_of(user, CAPABILITY)
        .select_related("unit", "position")
        .filter(id_number=id_number)
        .first()
    )
    if learner is None:
        raise HttpError(404, _("人员不存在或不在您的管辖范围内。"))
    return learner


def _row(row) -> dict:
    return row.as_dict()


@router.get(
    "summary",
    response={200: SummaryOut, **ERRORS},
    summary="管辖单位汇总",
    description="调用者管辖的每个最上级单位的年度汇总：人数、学时、必修完成率、"
    "考试通过率、平均分、逾期人数。参数同报表页面（year、position、identity…）。",
)
def org_summary(request, year: int | None = None):
    user = _reporter(request)
    filters = filters_from_params(request.GET, user=user)
    rows = [
        _row(unit_rollup(user=user, unit=root, filters=filters)[0])
        for root in report_roots(user)
    ]
    return {"year": filters.year, "units": rows}


@router.get(
    "units/{code}/children",
    response={200: ChildrenOut, **ERRORS},
    summary="单位及其下级单位",
    description="单位合计与每个直属下级单位一行。可按 year、position、identity 筛选。",
)
def org_unit_children(
    request,
    code: str,
    year: int | None = None,
    position: str | None = None,
    identity: str | None = None,
):
    user = _reporter(request)
    unit = _unit_in_scope(user, code)
    filters = filters_from_params(request.GET, user=user)
    total, children = unit_rollup(user=user, unit=unit, filters=filters)
    return {
        "year": filters.year,
        "unit": unit_out(unit),
        "total": _row(total),
        "children": [_row(child) for child in children],
    }


@router.get(
    "units/{code}/learners",
    response={200: LearnerPageOut, **ERRORS},
    summary="单位人员明细（分页）",
    description="单位及其下级单位的人员，每人一行。page_size 最大 200，"
    "超过即返回 400。",
)
def org_unit_learners(
    request,
    code: str,
    year: int | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    user = _reporter(request)
    page_check(page, page_size)
    unit = _unit_in_scope(user, code)
    filters = filters_from_params(request.GET, user=user)
    rows = unit_learners(user=user, unit=unit, filters=filters)
    result = paginate(rows, page=page, page_size=page_size)
    return {
        "year": filters.year,
        "unit": unit_out(unit),
        **result.meta(),
        "results": result.items,
    }


@router.get(
    "learners/{id_number}/transcript",
    response={200: TranscriptOut, **ERRORS},
    summary="人员培训档案",
    description="学时明细（每一学时的来源）与必修课程完成情况；"
    "不给 year 时为全部年度。",
)
def org_learner_transcript(request, id_number: str, year: int | None = None):
    user = _reporter(request)
    year = year_check(year)
    learner = _learner_in_scope(user, id_number)
    credits = list(learner_credits(learner=learner, training_year=year))
    statuses = learner_assignment_statuses(learner=learner, training_year=year)
    today = timezone.localdate()
    return {
        **hours_out(credits, year=year, required=requirement_hours(learner=learner)),
        "learner": {
            "id_number": learner.id_number,
            "real_name": learner.real_name,
            "identity": learner.identity,
            "identity_label": str(learner.get_identity_display()),
            "position": learner.position.name,
            "unit": unit_out(learner.unit),
        },
        "assignments": [assignment_status_out(s, today) for s in statuses],
    }


@router.get(
    "assignments",
    response={200: AssignmentPageOut, **ERRORS},
    summary="必修课程布置",
    description="布置给管辖范围内单位的、未撤销的必修课程"
    "（分页，page_size 最大 200）。",
)
def org_assignments(
    request,
    year: int | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
):
    user = _reporter(request)
    year = year_check(year)
    qs = (
        Assignment.objects.filter(withdrawn_at__isnull=True)
        .filter(unit_scope_q(user=user, capability=CAPABILITY, path_field="unit__path"))
        .select_related("unit")
        .prefetch_related("positions")
        .order_by("due_on", "id")
    )
    if year is not None:
        qs = qs.filter(training_year=year)
    result = paginate(qs, page=page, page_size=page_size)
    return {**result.meta(), "results": [assignment_out(a) for a in result.items]}
