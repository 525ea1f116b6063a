"""Pages for administrators and learners. Every lookup goes through the scope rules
in courses.selectors.scope, so a unit outside one's scope is a 404, never data."""

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from courses.assignment_views import learner_record_context
from courses.forms import PeopleFilterForm, RosterUploadForm
from courses.models import LearnerProfile, OrgUnit, RosterImport
from courses.selectors.scope import Capability, unit_is_in_scope, user_has_capability
from courses.tasks import roster_import_run

PEOPLE_PER_PAGE = 50
ROSTER_TEMPLATE = Path(settings.BASE_DIR) / "fixtures" / "roster_template.xlsx"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(user, capability: Capability) -> None:
    if not user_has_capability(user=user, capability=capability):
        raise PermissionDenied(_("您没有权限查看此页面。"))


@login_required
def my_profile(request):
    learner = (
        LearnerProfile.objects.select_related("unit", "position")
        .filter(user=request.user)
        .first()
    )
    memberships = (
        learner.memberships.select_related("unit").order_by("-started_on", "-id")
        if learner
        else []
    )
    return render(
        request,
        "courses/my_profile.html",
        {
            "learner": learner,
            "memberships": memberships,
            "role_assignments": request.user.role_assignments.select_related("unit"),
        },
    )


@login_required
def unit_index(request):
    _require(request.user, Capability.VIEW_PEOPLE)
    units = list(OrgUnit.objects.within_scope_of(request.user))
    # Head counts of each unit's whole subtree from one grouped query.
    direct = Counter(
        dict(
            LearnerProfile.objects.within_scope_of(request.user)
            .values_list("unit_id")
            .annotate(n=Count("id"))
        )
    )
    # Units come ordered by path: walking them backwards adds each subtree's total
    # to its parent once, so a bureau of thousands of units stays linear.
    totals = {unit.path: direct[unit.pk] for unit in units}
    for unit in reversed(units):
        parent_path = unit.path[: -OrgUnit.steplen]
        if parent_path in totals:
            totals[parent_path] += totals[unit.path]
    top_depth = min((u.depth for u in units), default=1)
    rows = [
        {"unit": u, "indent": u.depth - top_depth, "people": totals[u.path]}
        for u in units
    ]
    return render(request, "courses/unit_index.html", {"rows": rows})


def _unit_in_scope_or_404(user, code: str) -> OrgUnit:
    return get_object_or_404(OrgUnit.objects.within_scope_of(user), code=code)


@login_required
def unit_detail(request, code: str):
    _require(request.user, Capability.VIEW_PEOPLE)
    unit = _unit_in_scope_or_404(request.user, code)
    form = PeopleFilterForm(request.GET or None)
    people = (
        LearnerProfile.objects.within_scope_of(request.user)
        .in_subtree_of(unit)
        .select_related("unit", "position")
        .order_by("unit__path", "id_number")
    )
    if form.is_valid():
        if q := form.cleaned_data["q"]:
            people = people.filter(Q(real_name__contains=q) | Q(id_number__icontains=q))
        if position := form.cleaned_data["position"]:
            people = people.filter(position=position)
        if identity := form.cleaned_data["identity"]:
            people = people.filter(identity=identity)
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "courses/unit_detail.html",
        {
            "unit": unit,
            "ancestors": [
                a
                for a in unit.get_ancestors()
                if unit_is_in_scope(user=request.user, unit=a)
            ],
            "children": unit.get_children(),
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
    )


@login_required
def learner_detail(request, id_number: str):
    _require(request.user, Capability.VIEW_PEOPLE)
    learner = get_object_or_404(
        LearnerProfile.objects.within_scope_of(request.user).select_related(
            "unit", "position", "user"
        ),
        id_number=id_number,
    )
    return render(
        request,
        "courses/learner_detail.html",
        {
            "learner": learner,
            "memberships": learner.memberships.select_related("unit").order_by(
                "-started_on", "-id"
            ),
            # This year's hour ledger, mandatory courses and the adjustment form.
            **learner_record_context(user=request.user, learner=learner),
        },
    )


# Roster import: the same steps serve the site and the Wagtail admin, each with
# its own templates and URL names.

SITE_IMPORT_VIEWS = {
    "upload_template": "courses/roster_import.html",
    "detail_template": "courses/roster_import_detail.html",
    "detail_url": "courses:roster_import_detail",
    "status_url": "courses:roster_import_status",
    "upload_url": "courses:roster_import",
}


def roster_upload_handle(request, *, views: dict):
    _require(request.user, Capability.IMPORT_ROSTER)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = RosterImport.objects.create(
            file=upload, original_name=upload.name[:255], uploaded_by=request.user
        )
        job_id = job.pk
        transaction.on_commit(lambda: roster_import_run.delay(job_id))
        messages.success(request, _("文件已上传，正在导入。"))
        return redirect(views["detail_url"], pk=job_id)
    recent = RosterImport.objects.filter(uploaded_by=request.user)[:10]
    return render(
        request,
        views["upload_template"],
        {"form": form, "recent": recent, "import_views": views},
    )


def roster_job_or_404(request, pk: int) -> RosterImport:
    _require(request.user, Capability.IMPORT_ROSTER)
    jobs = RosterImport.objects.all()
    if not request.user.is_superuser:
        jobs = jobs.filter(uploaded_by=request.user)
    return get_object_or_404(jobs, pk=pk)


def roster_detail_handle(request, pk: int, *, views: dict):
    job = roster_job_or_404(request, pk)
    return render(
        request, views["detail_template"], {"job": job, "import_views": views}
    )


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_upload(request):
    return roster_upload_handle(request, views=SITE_IMPORT_VIEWS)


@login_required
def roster_import_detail(request, pk: int):
    return roster_detail_handle(request, pk, views=SITE_IMPORT_VIEWS)


@login_required
def roster_import_status(request, pk: int):
    job = roster_job_or_404(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "percent": job.percent,
            "done": job.progress_done,
            "total": job.progress_total,
            "finished": job.is_finished,
            "errors": len(job.errors),
        }
    )


@login_required
def roster_template_download(request):
    """The empty roster workbook with instructions, shipped in fixtures/."""
    _require(request.user, Capability.IMPORT_ROSTER)
    return FileResponse(
        ROSTER_TEMPLATE.open("rb"),
        as_attachment=True,
        filename="花名册导入模板.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
