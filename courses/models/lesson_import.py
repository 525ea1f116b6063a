"""A lesson import job: the uploaded sheet, its check, its progress and outcome."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models.roster import private_storage


class LessonImport(models.Model):
    """One uploaded lesson sheet, checked first (a dry run), then imported once
    the uploader confirms the counts the check found."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("检查中")
        CHECKED = "checked", _("待确认")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("未导入")

    # Nothing more happens to a job in these states until someone acts.
    SETTLED = (Status.CHECKED, Status.SUCCEEDED, Status.FAILED)

    file = models.FileField(
        _("文件"), upload_to="lesson_imports/%Y/%m/", storage=private_storage
    )
    original_name = models.CharField(_("原文件名"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认导入人"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.CHECKING
    )
    # One import writes under the resource bank at a time: True while a job is
    # being checked, queued or imported, NULL otherwise. The unique index lets
    # only one row hold it, so two administrators cannot start two at once.
    busy = models.BooleanField(
        _("占用导入"), null=True, unique=True, default=None, editable=False
    )
    busy_since = models.DateTimeField(_("开始占用"), null=True, blank=True)
    progress_done = models.PositiveIntegerField(_("已处理"), default=0)
    progress_total = models.PositiveIntegerField(_("总数"), default=0)
    # Every problem found, as [{"row", "column", "message"}]; empty on success.
    errors = models.JSONField(_("错误"), default=list, blank=True)
    # What the check found the import would do: {"created": .., "updated": .., ...}.
    check_summary = models.JSONField(_("检查结果"), default=dict, blank=True)
    # What the import did, in the same shape.
    summary = models.JSONField(_("导入结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("课程资源导入")
        verbose_name_plural = _("课程资源导入")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.SUCCEEDED else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def is_settled(self) -> bool:
        return self.status in self.SETTLED

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
