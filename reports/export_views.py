"""Exports of the report screens: ask for one, watch it, download it.

Scope is the screens' own: a user without `Capability.VIEW_REPORTS` gets 403, a
unit outside their scope 404. A job belongs to whoever asked for it: anyone
else gets 404 for its page, its status and its file.
"""

from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .exports import CONTENT_TYPES, export_job_request
from .models import ExportJob
from .selectors import (
    REPORT_KINDS,
    ReportError,
    filters_from_params,
    report_unit_get,
)
from .views import _require_reports

FILTER_FIELDS = ("year", "position", "identity", "course", "from", "to")
MY_RECENT = 20
POLL_SECONDS = 2


def _report_url(kind: str, code: str, query: str) -> str:
    name = {
        "learners": "reports:unit_people",
        "overdue": "reports:unit_overdue",
    }.get(kind, "reports:unit")
    url = reverse(name, args=[code])
    return f"{url}?{query}" if query else url


def _bad_request(request, message: str, back: str):
    return render(
        request,
        "reports/exports/error.html",
        {"message": message, "back": back},
        status=400,
    )


def _my_job(request, pk: int) -> ExportJob:
    _require_reports(request.user)
    return get_object_or_404(
        ExportJob.objects.select_related("unit").filter(requested_by=request.user),
        pk=pk,
    )


@login_required
@require_POST
def export_create(request):
    """POST kind, unit (its code), fmt (xlsx|csv) and the report's filters
    (year, position, identity, course, from, to, as in its query string)."""
    _require_reports(request.user)
    code = request.POST.get("unit", "").strip()
    if not code:
        raise Http404(_("没有这个单位，或您无权查看它的报表。"))
    unit = report_unit_get(request.user, code)
    kind = request.POST.get("kind", "")
    fmt = request.POST.get("fmt", ExportJob.Format.XLSX) or ExportJob.Format.XLSX
    query = urlencode(
        [
            (name, value)
            for name in FILTER_FIELDS
            for value in request.POST.getlist(name)
            if value
        ]
    )
    back = _report_url(kind, unit.code, query)
    if kind not in REPORT_KINDS:
        return _bad_request(request, _("没有这种报表。"), back)
    try:
        filters = filters_from_params(request.POST, user=request.user)
        job, _created = export_job_request(
            user=request.user, kind=kind, unit=unit, filters=filters, fmt=fmt
        )
    except ReportError as error:
        return _bad_request(request, str(error), back)
    return redirect("reports:export_detail", pk=job.pk)


@login_required
@require_GET
@never_cache
def export_detail(request, pk: int):
    job = _my_job(request, pk)
    return render(
        request,
        "reports/exports/detail.html",
        {
            "job": job,
            "percent": job.percent,
            "poll_seconds": POLL_SECONDS,
            "back": _report_url(
                job.kind, job.unit.code, urlencode(job.params, doseq=True)
            ),
        },
    )


def job_status(job: ExportJob) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "percent": job.percent,
        "done": job.rows_done,
        "total": job.rows_total,
        "finished": job.is_finished,
        "error": job.error,
        "download_url": (
            reverse("reports:export_download", args=[job.pk])
            if job.is_downloadable
            else None
        ),
    }


@login_required
@require_GET
@never_cache
def export_status(request, pk: int):
    return JsonResponse(job_status(_my_job(request, pk)))


def content_disposition(filename: str, fallback: str) -> str:
    """Chinese file name for today's browsers, an ASCII one for the rest."""
    return (
        f'attachment; filename="{fallback}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )


@login_required
@require_GET
def export_download(request, pk: int):
    job = _my_job(request, pk)
    if job.status != ExportJob.Status.DONE:
        return redirect("reports:export_detail", pk=job.pk)
    if job.is_expired or not job.file:
        return render(
            request,
            "reports/exports/expired.html",
            {"job": job, "back": reverse("reports:export_list")},
            status=410,
        )
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        return render(
            request,
            "reports/exports/expired.html",
            {"job": job, "back": reverse("reports:export_list")},
            status=410,
        )
    response = FileResponse(handle, content_type=CONTENT_TYPES[job.fmt])
    response["Content-Disposition"] = content_disposition(
        job.filename or f"export-{job.pk}.{job.fmt}", f"export-{job.pk}.{job.fmt}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def export_list(request):
    _require_reports(request.user)
    jobs = ExportJob.objects.filter(requested_by=request.user).select_related("unit")[
        :MY_RECENT
    ]
    return render(request, "reports/exports/list.html", {"jobs": jobs})
