"""A question import job: the uploaded file, its check, its progress and outcome.

The admin import runs in two steps so a trainer sees what a file would do before
it does it: a *check* (the whole import inside a transaction that is rolled
back) and, once confirmed, the *import* itself. Both run in Celery; the job row
carries the state the polling page shows.
"""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _


def private_storage():
    """Unpublished exam questions and answers: never under a public URL."""
    return storages["private"]


class QuestionImport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("处理中")
        CHECKED = "checked", _("检查通过，待确认")
        SUCCEEDED = "succeeded", _("已导入")
        FAILED = "failed", _("未导入")

    class Mode(models.TextChoices):
        CHECK = "check", _("检查")
        IMPORT = "import", _("导入")

    file = models.FileField(
        _("文件"), upload_to="question_imports/%Y/%m/", storage=private_storage
    )
    original_name = models.CharField(_("原文件名"), max_length=255)
    default_category = models.CharField(
        _("默认分类"),
        max_length=255,
        blank=True,
        help_text=_("文件中没有指定分类的题目放入此分类。"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    mode = models.CharField(
        _("步骤"), max_length=8, choices=Mode.choices, default=Mode.CHECK
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    progress_done = models.PositiveIntegerField(_("已处理"), default=0)
    progress_total = models.PositiveIntegerField(_("总数"), default=0)
    # Every problem found, as [{"position", "message"}]; empty when the file is good.
    errors = models.JSONField(_("错误"), default=list, blank=True)
    # What the import did or, after the check, would do: {"created": .., ...}.
    summary = models.JSONField(_("结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("题目导入")
        verbose_name_plural = _("题目导入")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def is_finished(self) -> bool:
        return self.status in (
            self.Status.CHECKED,
            self.Status.SUCCEEDED,
            self.Status.FAILED,
        )
