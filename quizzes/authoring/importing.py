"""Importing and exporting questions from the Wagtail admin (导入题目).

Upload → check → confirm, each step a Celery job on a `QuestionImport` row:
the upload is stored privately (questions and answers are exam material), a
check (a dry run) reports what the file would create and update or lists every
bad question, and only a confirmed check is imported. The page polls the job's
status while it runs. The same page offers the Excel template and an export of
the bank, or of one category and below, in any of the three formats.

Who may: users with the add-question permission (trainers); a trainer sees
their own jobs, a superuser everyone's.
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from quizzes.io import FORMATS, import_max_bytes
from quizzes.io.exporter import (
    CONTENT_TYPES,
    FILE_EXTENSIONS,
    questions_export_bytes,
    questions_for_export,
)
from quizzes.io.types import DEFAULT_CATEGORY
from quizzes.models import Category, QuestionImport
from quizzes.tasks import question_import_run

IMPORT_PERMISSION = "quizzes.add_question"
TEMPLATE_FILE = Path(settings.BASE_DIR) / "fixtures" / "question_template.xlsx"
MENU_ITEM_NAME = "question-import"


def can_import(user) -> bool:
    return user.is_active and user.has_perm(IMPORT_PERMISSION)


def _require(request) -> None:
    if not can_import(request.user):
        raise PermissionDenied(_("您没有导入题目的权限。"))


class QuestionUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("题目文件"),
        help_text=gettext_lazy(
            "Moodle XML（.xml）、"
            "GIFT（.gift 或 UTF-8 编码的 .txt）或 Excel 模板（.xlsx）。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,.gift,.txt,.xlsx"}),
    )
    default_category = forms.CharField(
        label=gettext_lazy("默认分类"),
        required=False,
        max_length=255,
        initial=DEFAULT_CATEGORY,
        help_text=gettext_lazy(
            "文件中没有指定分类的题目放入此分类，可写路径，如“禁毒法/第三章”。"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = import_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件太大（%(size)s），上限为 %(limit)s。"),
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                },
            )
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的。"))
        return upload


class QuestionExportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("格式"),
        choices=[
            ("xlsx", gettext_lazy("Excel 模板（.xlsx）")),
            ("gift", gettext_lazy("GIFT（.gift）")),
            ("xml", gettext_lazy("Moodle XML（.xml，含图片）")),
        ],
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("分类"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=gettext_lazy("全部分类"),
        help_text=gettext_lazy("导出所选分类及其下级分类中启用的题目。"),
    )


def _enqueue(job_id: int) -> None:
    transaction.on_commit(lambda: question_import_run.delay(job_id))


@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require(request)
    form = QuestionUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = QuestionImport.objects.create(
            file=upload,
            original_name=Path(upload.name).name[:255],
            default_category=form.cleaned_data["default_category"].strip(),
            uploaded_by=request.user,
            mode=QuestionImport.Mode.CHECK,
        )
        _enqueue(job.pk)
        messages.success(request, _("文件已上传，正在检查。"))
        return redirect("quizzes_import:detail", pk=job.pk)
    jobs = QuestionImport.objects.all()
    if not request.user.is_superuser:
        jobs = jobs.filter(uploaded_by=request.user)
    return render(
        request,
        "quizzes/admin/importing/upload.html",
        {
            "form": form,
            "export_form": QuestionExportForm(),
            "recent": jobs[:10],
            "max_bytes": import_max_bytes(),
        },
    )


def _job_or_404(request, pk: int) -> QuestionImport:
    _require(request)
    jobs = QuestionImport.objects.all()
    if not request.user.is_superuser:
        jobs = jobs.filter(uploaded_by=request.user)
    return get_object_or_404(jobs, pk=pk)


@require_GET
def import_detail(request, pk: int):
    job = _job_or_404(request, pk)
    return render(request, "quizzes/admin/importing/detail.html", {"job": job})


@require_GET
def import_status(request, pk: int):
    job = _job_or_404(request, pk)
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


@require_POST
def import_confirm(request, pk: int):
    """Import a checked file. Only a job whose check passed moves on, once."""
    job = _job_or_404(request, pk)
    started = QuestionImport.objects.filter(
        pk=job.pk, status=QuestionImport.Status.CHECKED
    ).update(
        mode=QuestionImport.Mode.IMPORT,
        status=QuestionImport.Status.PENDING,
        progress_done=0,
        finished_at=None,
    )
    if started:
        _enqueue(job.pk)
        messages.success(request, _("正在导入题目。"))
    else:
        messages.error(request, _("这个文件不能导入：它没有通过检查，或已经导入过了。"))
    return redirect("quizzes_import:detail", pk=job.pk)


@require_GET
def template_download(request):
    _require(request)
    return FileResponse(
        TEMPLATE_FILE.open("rb"),
        as_attachment=True,
        filename="题目导入模板.xlsx",
        content_type=CONTENT_TYPES["xlsx"],
    )


@require_GET
def export_download(request):
    _require(request)
    form = QuestionExportForm(request.GET)
    if not form.is_valid() or form.cleaned_data["format"] not in FORMATS:
        messages.error(request, _("请选择导出格式和分类。"))
        return redirect("quizzes_import:upload")
    file_format = form.cleaned_data["format"]
    category = form.cleaned_data["category"]
    data = questions_export_bytes(
        questions=questions_for_export(category=category), file_format=file_format
    )
    stem = category.full_path.replace("/", "-") if category else _("题库")
    when = timezone.localtime().strftime("%Y%m%d")
    name = f"{stem}-{when}.{FILE_EXTENSIONS[file_format]}"
    response = HttpResponse(data, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=name
    )
    return response


@hooks.register("register_admin_urls")
def register_import_urls():
    return [
        path(
            "quizzes/import/",
            include(
                (
                    [
                        path("", import_upload, name="upload"),
                        path("<int:pk>/", import_detail, name="detail"),
                        path("<int:pk>/status/", import_status, name="status"),
                        path("<int:pk>/confirm/", import_confirm, name="confirm"),
                        path("template/", template_download, name="template"),
                        path("export/", export_download, name="export"),
                    ],
                    "quizzes_import",
                ),
                namespace="quizzes_import",
            ),
        )
    ]


class QuestionImportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_import(request.user)


def import_menu_item() -> QuestionImportMenuItem:
    return QuestionImportMenuItem(
        gettext_lazy("导入导出题目"),
        reverse("quizzes_import:upload"),
        name=MENU_ITEM_NAME,
        icon_name="upload",
        order=900,
    )


@hooks.register("register_quizzes_menu_item")
def register_import_menu_item():
    """导入导出题目 inside the 题库与测验 group (see `QuizzesAdminGroup`)."""
    return import_menu_item()
