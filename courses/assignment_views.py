"""The administrators' side of the training record in the staff area: mandatory
course assignments (必修课程布置) and manual hour adjustments (学时调整).

Every lookup goes through courses.selectors.scope: an assignment or a person
outside one's scope is a 404, and writes are refused again by the services.
"""

import operator
from functools import reduce
from uuid import uuid4

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from courses.forms import AssignmentFilterForm, AssignmentForm, HoursAdjustForm
from courses.models import (
    Assignment,
    CoursePage,
    CourseProgress,
    CreditReason,
    LearnerProfile,
    OrgUnit,
)
from courses.selectors.records import (
    assigned_learners,
    learner_assignment_statuses,
    learner_credits,
)
from courses.selectors.scope import (
    Capability,
    scope_root_paths,
    unit_is_in_scope,
    unit_scope_q,
    user_has_capability,
)
from courses.services.records.manual import (
    assignment_create,
    assignment_withdraw,
    hours_adjust,
)
from courses.services.records.policy import (
    current_training_year,
    requirement_hours,
    user_can_edit_policy,
)

ASSIGNMENTS_PER_PAGE = 50
# Either capability lets one read assignments: trainers see people, report
# readers see completion.
READ_CAPABILITIES = (Capability.VIEW_PEOPLE, Capability.VIEW_REPORTS)


def _require(user, *capabilities: Capability) -> None:
    if not any(user_has_capability(user=user, capability=c) for c in capabilities):
        raise PermissionDenied(_("您没有权限查看此页面。"))


def _read_scope_q(user, *, path_field: str) -> Q:
    conditions = [
        unit_scope_q(user=user, capability=capability, path_field=path_field)
        for capability in READ_CAPABILITIES
    ]
    if not all(conditions):  # an empty Q is everything (a superuser)
        return Q()
    return reduce(operator.or_, conditions)


def _ancestor_paths(path: str) -> set[str]:
    step = OrgUnit.steplen
    return {path[:end] for end in range(step, len(path), step)}


def _visible_assignments(user) -> QuerySet[Assignment]:
    """Assignments made to units in the user's scope, and those made above it
    (by the bureau, say) that reach the user's people."""
    visible = _read_scope_q(user, path_field="unit__path")
    if not visible:
        return Assignment.objects.all()
    above: set[str] = set()
    for capability in READ_CAPABILITIES:
        for root in scope_root_paths(user=user, capability=capability) or []:
            above |= _ancestor_paths(root)
    if above:
        visible |= Q(unit__path__in=above)
    return Assignment.objects.filter(visible)


def _current_year(user) -> int:
    """The current training year by the policy of the bureau over the user's scope."""
    roots = scope_root_paths(user=user, capability=Capability.VIEW_PEOPLE)
    if roots:
        path = roots[0]
    else:
        first = OrgUnit.get_root_nodes().first()
        path = first.path if first else ""
    return current_training_year(unit_path=path)


@login_required
def assignment_index(request):
    _require(request.user, *READ_CAPABILITIES)
    assignments = _visible_assignments(request.user)
    current_year = _current_year(request.user)
    years = set(
        assignments.order_by().values_list("training_year", flat=True).distinct()
    )
    years.add(current_year)
    # With no filter submitted the list opens on the current training year.
    data = request.GET if "year" in request.GET else {"year": current_year}
    form = AssignmentFilterForm(data, years=sorted(years, reverse=True))
    year, show_withdrawn = current_year, False
    if form.is_valid():
        year = form.cleaned_data["year"]
        show_withdrawn = form.cleaned_data["withdrawn"]
    if year is not None:
        assignments = assignments.filter(training_year=year)
    if not show_withdrawn:
        assignments = assignments.filter(withdrawn_at__isnull=True)

    unit = None
    if code := request.GET.get("unit"):
        unit = get_object_or_404(
            OrgUnit.objects.filter(_read_scope_q(request.user, path_field="path")),
            code=code,
        )
        # What reaches the unit's people: made to it, above it or inside it.
        assignments = assignments.filter(
            Q(unit__path__startswith=unit.path)
            | Q(unit__path__in=_ancestor_paths(unit.path))
        )

    assignments = (
        assignments.select_related("unit", "course")
        .prefetch_related("positions")
        .order_by("-training_year", "due_on", "id")
    )
    page = Paginator(assignments, ASSIGNMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "courses/records_admin/assignment_index.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "unit": unit,
            "can_manage": user_has_capability(
                user=request.user, capability=Capability.MANAGE_PEOPLE
            ),
            "can_edit_policy": user_can_edit_policy(request.user),
        },
    )


def _live_duplicate(cleaned: dict) -> Assignment | None:
    return Assignment.objects.filter(
        course=cleaned["course"],
        unit=cleaned["unit"],
        training_year=cleaned["training_year"],
        withdrawn_at__isnull=True,
    ).first()


@login_required
@require_http_methods(["GET", "POST"])
def assignment_new(request):
    _require(request.user, Capability.MANAGE_PEOPLE)
    units = OrgUnit.objects.within_scope_of(request.user, Capability.MANAGE_PEOPLE)
    initial = {}
    if code := request.GET.get("unit"):
        initial["unit"] = units.filter(code=code).first()
    form = AssignmentForm(
        request.POST or None,
        initial=initial,
        courses=CoursePage.objects.live().order_by("path"),
        units=units,
        current_year=_current_year(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment = assignment_create(
                course=data["course"],
                unit=data["unit"],
                positions=list(data["positions"]),
                training_year=data["training_year"],
                due_on=data["due_on"],
                note=data["note"],
                by=request.user,
            )
        except (ValidationError, IntegrityError) as error:
            # A double submit (or a second tab) finds the assignment the first
            # one made: show that one instead of an error.
            if existing := _live_duplicate(data):
                messages.info(
                    request,
                    _(
                        "“%(course)s”本年度已布置给%(unit)s，未重复布置。"
                        "如需修改，请先撤销原有布置。"
                    )
                    % {"course": existing.course_title, "unit": existing.unit.name},
                )
                return redirect("courses:assignment_detail", pk=existing.pk)
            if isinstance(error, IntegrityError):
                raise
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("已将“%(course)s”布置为%(unit)s的必修课程。")
                % {"course": assignment.course_title, "unit": assignment.unit.name},
            )
            return redirect("courses:assignment_detail", pk=assignment.pk)
    return render(request, "courses/records_admin/assignment_form.html", {"form": form})


def _assignment_or_404(user, pk: int) -> Assignment:
    _require(user, *READ_CAPABILITIES)
    return get_object_or_404(
        _visible_assignments(user).select_related("unit", "course", "assigned_by"),
        pk=pk,
    )


@login_required
def assignment_detail(request, pk: int):
    assignment = _assignment_or_404(request.user, pk)
    # Worked out now, so people who joined the unit since are counted. An
    # assignment made above one's scope is counted within the scope only.
    reached = assigned_learners(assignment=assignment).filter(
        _read_scope_q(request.user, path_field="unit__path")
    )
    whole = any(
        unit_is_in_scope(user=request.user, unit=assignment.unit, capability=c)
        for c in READ_CAPABILITIES
    )
    completed = 0
    if assignment.course_id:
        completed = CourseProgress.objects.filter(
            course_id_ref=assignment.course_id,
            completed_at__isnull=False,
            learner__in=reached,
        ).count()
    return render(
        request,
        "courses/records_admin/assignment_detail.html",
        {
            "assignment": assignment,
            "positions": list(assignment.positions.all()),
            "reached": reached.count(),
            "completed": completed,
            "whole_scope": whole,
            "can_withdraw": assignment.withdrawn_at is None
            and unit_is_in_scope(
                user=request.user,
                unit=assignment.unit,
                capability=Capability.MANAGE_PEOPLE,
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_withdraw_confirm(request, pk: int):
    assignment = _assignment_or_404(request.user, pk)
    if not unit_is_in_scope(
        user=request.user, unit=assignment.unit, capability=Capability.MANAGE_PEOPLE
    ):
        raise PermissionDenied(_("您无权撤销该布置。"))
    if assignment.withdrawn_at is not None:
        messages.info(request, _("该布置已经撤销。"))
        return redirect("courses:assignment_detail", pk=assignment.pk)
    if request.method == "POST":
        assignment_withdraw(assignment=assignment, by=request.user)
        messages.success(
            request,
            _("已撤销“%(course)s”的必修布置，相关人员不再看到这门必修课程。")
            % {"course": assignment.course_title},
        )
        return redirect("courses:assignment_detail", pk=assignment.pk)
    return render(
        request,
        "courses/records_admin/assignment_withdraw.html",
        {"assignment": assignment},
    )


# ---- manual adjustment (学时调整) and the ledger on the learner's page ----


def learner_record_context(
    *, user, learner: LearnerProfile, adjust_form: HoursAdjustForm | None = None
) -> dict:
    """The current year's ledger, mandatory courses and, for those who may
    adjust, the adjustment form with a fresh one-time token."""
    year = current_training_year(learner=learner)
    credits = list(
        learner_credits(learner=learner, training_year=year).select_related(
            "fact__recorded_by"
        )
    )
    can_adjust = unit_is_in_scope(
        user=user, unit=learner.unit, capability=Capability.MANAGE_PEOPLE
    )
    if can_adjust and adjust_form is None:
        adjust_form = HoursAdjustForm(initial={"token": uuid4().hex})
    return {
        "training_year": year,
        "credits": credits,
        "credits_total": sum((c.hours for c in credits), start=0),
        "requirement": requirement_hours(learner=learner),
        "assignment_statuses": learner_assignment_statuses(
            learner=learner, training_year=year
        ),
        "adjustment_reason": CreditReason.ADJUSTMENT,
        "adjust_form": adjust_form if can_adjust else None,
    }


@login_required
@require_POST
def learner_hours_adjust(request, id_number: str):
    _require(request.user, Capability.MANAGE_PEOPLE)
    learner = get_object_or_404(
        LearnerProfile.objects.within_scope_of(
            request.user, Capability.MANAGE_PEOPLE
        ).select_related("unit", "position", "user"),
        id_number=id_number,
    )
    form = HoursAdjustForm(request.POST)
    if form.is_valid():
        started = timezone.now()
        try:
            credit = hours_adjust(
                learner=learner,
                hours=form.cleaned_data["hours"],
                reason=form.cleaned_data["reason"],
                token=form.cleaned_data["token"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The same token posted again returns the credit its first post made.
            if credit.credited_at < started:
                messages.info(request, _("这次调整已经记录，未重复计入。"))
            else:
                messages.success(
                    request,
                    _("已为%(name)s调整 %(hours)s 学时。")
                    % {"name": learner.real_name, "hours": credit.hours},
                )
            return redirect(
                reverse("courses:learner_detail", args=[learner.id_number]) + "#hours"
            )
    return render(
        request,
        "courses/learner_detail.html",
        {
            "learner": learner,
            "memberships": learner.memberships.select_related("unit").order_by(
                "-started_on", "-id"
            ),
            **learner_record_context(
                user=request.user, learner=learner, adjust_form=form
            ),
        },
    )
