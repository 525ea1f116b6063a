"""Wagtail admin: the position catalogue, roster import and lesson import.

The organisation tree has no admin editor on purpose: it changes only through the
roster import, which validates the whole tree before writing.

The lesson import (导入课程资源) checks an uploaded sheet first and imports it
when the uploader confirms; who may use it is decided in
courses/services/lessons/job.py (those who may publish in the resource bank, and
bureau administrators).
"""

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from courses import views
from courses.models import LessonImport, Position, ResourceBankPage
from courses.selectors.scope import Capability, user_has_capability
from courses.services.lessons import MAX_FILE_BYTES
from courses.services.lessons.job import (
    LessonImportBusy,
    lesson_import_allowed,
    lesson_import_confirm,
    lesson_import_progress,
    lesson_import_start,
)

ADMIN_IMPORT_VIEWS = {
    "upload_template": "courses/admin/roster_import.html",
    "detail_template": "courses/admin/roster_import_detail.html",
    "detail_url": "courses_admin:roster_import_detail",
    "status_url": "courses:roster_import_status",
    "upload_url": "courses_admin:roster_import",
}


@require_http_methods(["GET", "POST"])
def admin_roster_upload(request):
    return views.roster_upload_handle(request, views=ADMIN_IMPORT_VIEWS)


def admin_roster_detail(request, pk: int):
    return views.roster_detail_handle(request, pk, views=ADMIN_IMPORT_VIEWS)


# ---------------------------------------------------------------- lesson import

LESSON_TEMPLATE = Path(settings.BASE_DIR) / "fixtures" / "lesson_template.xlsx"
LESSON_EXTENSIONS = (".xlsx", ".csv")


class LessonUploadForm(forms.Form):
    file = forms.FileField(
        label=_("课程表文件"),
        help_text=_(
            "按课程表模板填写的 Excel 工作簿（.xlsx）或 UTF-8 编码的 CSV 文件（.csv）。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = Path(upload.name).suffix.lower()
        if extension not in LESSON_EXTENSIONS:
            raise forms.ValidationError(
                _(
                    "“%(name)s”不是课程表：只能导入 Excel 工作簿（.xlsx）或 UTF-8 "
                    "编码的 CSV 文件（.csv）。旧版 Excel（.xls）文件请在 Excel 中"
                    "“另存为”Excel 工作簿（.xlsx）后再上传。"
                ),
                params={"name": upload.name},
            )
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("文件太大（%(size)s），上限为 %(limit)s。"),
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_FILE_BYTES),
                },
            )
        return upload


def _lesson_import_require(request) -> None:
    if not lesson_import_allowed(user=request.user):
        raise PermissionDenied


def _lesson_job_or_404(request, pk: int) -> LessonImport:
    """A job is seen by its uploader (and superusers) only."""
    _lesson_import_require(request)
    jobs = LessonImport.objects.select_related("uploaded_by", "confirmed_by")
    if not request.user.is_superuser:
        jobs = jobs.filter(uploaded_by=request.user)
    return get_object_or_404(jobs, pk=pk)


@require_http_methods(["GET", "POST"])
def admin_lesson_upload(request):
    _lesson_import_require(request)
    form = LessonUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = lesson_import_start(
                upload=form.cleaned_data["file"], user=request.user
            )
        except LessonImportBusy as busy:
            form.add_error(None, busy.message)
        else:
            messages.success(request, gettext("文件已上传，正在检查。"))
            return redirect("courses_admin:lesson_import_detail", pk=job.pk)
    return render(
        request,
        "courses/admin/lesson_import.html",
        {
            "form": form,
            "recent": LessonImport.objects.filter(uploaded_by=request.user)[:10],
            "has_bank": ResourceBankPage.objects.exists(),
        },
    )


def _percent(job: LessonImport, done: int, total: int) -> int:
    return min(100, round(100 * done / total)) if total else job.percent


def admin_lesson_detail(request, pk: int):
    job = _lesson_job_or_404(request, pk)
    done, total = lesson_import_progress(job)
    return render(
        request,
        "courses/admin/lesson_import_detail.html",
        {
            "job": job,
            "done": done,
            "total": total,
            "percent": _percent(job, done, total),
            "bank": ResourceBankPage.objects.first(),
        },
    )


@require_POST
def admin_lesson_confirm(request, pk: int):
    job = _lesson_job_or_404(request, pk)
    try:
        confirmed = lesson_import_confirm(lesson_import=job, user=request.user)
    except LessonImportBusy as busy:
        messages.error(request, busy.message)
    else:
        if confirmed:
            messages.success(request, gettext("已确认，正在导入。"))
        elif job.status in (LessonImport.Status.CHECKING, LessonImport.Status.FAILED):
            messages.error(request, gettext("这份课程表没有通过检查，不能导入。"))
        else:
            messages.info(request, gettext("这份课程表已经确认过，不会重复导入。"))
    return redirect("courses_admin:lesson_import_detail", pk=job.pk)


def admin_lesson_status(request, pk: int):
    job = _lesson_job_or_404(request, pk)
    done, total = lesson_import_progress(job)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "percent": _percent(job, done, total),
            "done": done,
            "total": total,
            # Nothing more happens without the user: the page shows the outcome.
            "finished": job.is_settled,
            "errors": len(job.errors),
        }
    )


def admin_lesson_template(request):
    _lesson_import_require(request)
    return FileResponse(
        LESSON_TEMPLATE.open("rb"),
        as_attachment=True,
        filename="课程表导入模板.xlsx",
        content_type=views.XLSX_CONTENT_TYPE,
    )


@hooks.register("register_admin_urls")
def register_import_urls():
    # One include, so the roster and lesson import share the "courses_admin"
    # namespace (two includes with one namespace would hide each other).
    return [
        path(
            "",
            (
                [
                    path("roster-import/", admin_roster_upload, name="roster_import"),
                    path(
                        "roster-import/<int:pk>/",
                        admin_roster_detail,
                        name="roster_import_detail",
                    ),
                    path("lesson-import/", admin_lesson_upload, name="lesson_import"),
                    path(
                        "lesson-import/template.xlsx",
                        admin_lesson_template,
                        name="lesson_import_template",
                    ),
                    path(
                        "lesson-import/<int:pk>/",
                        admin_lesson_detail,
                        name="lesson_import_detail",
                    ),
                    path(
                        "lesson-import/<int:pk>/confirm/",
                        admin_lesson_confirm,
                        name="lesson_import_confirm",
                    ),
                    path(
                        "lesson-import/<int:pk>/status.json",
                        admin_lesson_status,
                        name="lesson_import_status",
                    ),
                ],
                "courses_admin",
                "courses_admin",
            ),
        )
    ]


class RosterImportMenuItem(MenuItem):
    def is_shown(self, request):
        return user_has_capability(
            user=request.user, capability=Capability.IMPORT_ROSTER
        )


@hooks.register("register_admin_menu_item")
def register_roster_import_menu_item():
    return RosterImportMenuItem(
        _("导入花名册"),
        reverse("courses_admin:roster_import"),
        icon_name="group",
        order=900,
    )


class LessonImportMenuItem(MenuItem):
    def is_shown(self, request):
        return lesson_import_allowed(user=request.user)


@hooks.register("register_admin_menu_item")
def register_lesson_import_menu_item():
    return LessonImportMenuItem(
        _("导入课程资源"),
        reverse("courses_admin:lesson_import"),
        icon_name="upload",
        order=905,
    )


class PositionViewSet(ModelViewSet):
    model = Position
    icon = "tag"
    menu_label = _("岗位目录")
    menu_order = 910
    add_to_admin_menu = True
    list_display = ["name", "code", "sort_order", "is_active"]
    form_fields = ["name", "code", "description", "sort_order", "is_active"]
    search_fields = ["name", "code"]


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [PositionViewSet("positions")]
