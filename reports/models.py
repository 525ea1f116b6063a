"""Exports of the report tables: one background job per requested file."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def private_storage():
    """Exports hold names and figures of people: never under a public URL. They
    are written under `exports/` of the private storage and served only by the
    download view, to the person who asked for them."""
    return storages["private"]


def params_hash(params: dict) -> str:
    """The same filters always give the same key, whatever the order."""
    canonical = json.dumps(
        {
            key: sorted(value) if isinstance(value, list) else value
            for key, value in params.items()
        },
        sort_keys=True,
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class ExportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("导出中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("导出失败")

    class Kind(models.TextChoices):
        ROLLUP = "rollup", _("单位汇总")
        POSITIONS = "positions", _("岗位统计")
        LEARNERS = "learners", _("人员名单与学时")
        OVERDUE = "overdue", _("逾期未完成名单")

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel (XLSX)"
        CSV = "csv", "CSV"

    ACTIVE = (Status.PENDING, Status.RUNNING)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("申请人"),
    )
    kind = models.CharField(_("报表"), max_length=16, choices=Kind.choices)
    unit = models.ForeignKey(
        "courses.OrgUnit",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("单位"),
    )
    # The filters as `ReportFilters.as_params()`: read back with filters_from_params.
    params = models.JSONField(_("筛选条件"), default=dict, blank=True)
    params_hash = models.CharField(_("筛选条件摘要"), max_length=64)
    fmt = models.CharField(
        _("格式"), max_length=8, choices=Format.choices, default=Format.XLSX
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    rows_done = models.PositiveIntegerField(_("已导出行数"), default=0)
    # Counted before writing; null while unknown (the roll-ups are counted by
    # computing them, so they get their total when done).
    rows_total = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    file = models.FileField(
        _("文件"), upload_to="exports/", storage=private_storage, blank=True
    )
    filename = models.CharField(_("下载文件名"), max_length=255, blank=True)
    error = models.TextField(_("失败原因"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    # Moved forward with each progress update: a running job whose heartbeat
    # stops is taken for dead by the sweep.
    heartbeat_at = models.DateTimeField(_("最近进度时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("下载截止时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("报表导出")
        verbose_name_plural = _("报表导出")
        constraints = [
            # The same export asked for twice at once (double click, two tabs)
            # is one job: see `export_job_request`.
            models.UniqueConstraint(
                fields=["requested_by", "kind", "unit", "params_hash", "fmt"],
                condition=Q(status__in=["pending", "running"]),
                name="reports_exportjob_one_active",
            )
        ]
        indexes = [
            models.Index(
                fields=["requested_by", "-created_at"], name="reports_export_mine"
            ),
            models.Index(fields=["status", "expires_at"], name="reports_export_sweep"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.unit_id} ({self.get_status_display()})"

    @property
    def percent(self) -> int | None:
        """Progress in percent; None while the total is unknown."""
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return None if self.rows_total is None else 0
        return min(100, round(100 * self.rows_done / self.rows_total))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_expired(self) -> bool:
        return bool(self.expires_at and self.expires_at <= timezone.now())

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.DONE and not self.is_expired and self.file


def export_storage():
    """Where export files are: the storage of `ExportJob.file` (the private one)."""
    return ExportJob._meta.get_field("file").storage
