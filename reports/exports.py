"""Exports of the report tables to Excel (XLSX) and CSV, run as background jobs.

`export_write` streams a table from `reports.selectors.report_table` into a
file: people are read from the database in chunks and the XLSX is written by
openpyxl's write-only workbook, so memory does not grow with the number of rows.
Every text cell that a spreadsheet could take for a formula (=, +, -, @, tab,
CR, LF) is prefixed with an apostrophe; numbers stay numbers.

The job (`ExportJob`) is created by `export_job_request` (the same export asked
for twice at once gives one job), run by `export_job_process` from the Celery
task `reports.export_run`, and cleaned up by `exports_sweep` (beat).
A file is written next to its final name and renamed into place only when
complete: no half file is ever offered for download.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from courses.models import OrgUnit, Position
from courses.models.learners import IdentityKind
from courses.models.pages import CoursePage

from .models import ExportJob, export_storage, params_hash
from .selectors import (
    REPORT_KINDS,
    ReportError,
    ReportFilters,
    filters_from_params,
    report_scope_check,
    report_table,
    unit_learners,
)

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 1000  # rows between two progress updates (one UPDATE each)
EXPIRES_AFTER = timedelta(hours=24)  # a finished file can be downloaded this long
STUCK_AFTER = timedelta(minutes=30)  # a running job without progress this long is dead
PENDING_MAX = timedelta(hours=2)  # a job never started after this long is given up
MAX_ATTEMPTS = 3  # a job whose worker died this many times is not tried again
EXPORTS_DIR = "exports"

CONTENT_TYPES = {
    ExportJob.Format.XLSX: (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    ExportJob.Format.CSV: "text/csv; charset=utf-8",
}

FAILED_GENERIC = gettext_lazy(
    "导出时发生系统错误，未生成文件。请稍后重新导出；如果问题持续，请联系系统管理员。"
)
FAILED_SCOPE = gettext_lazy("您已无权导出该单位的报表，未生成文件。")
FAILED_INTERRUPTED = gettext_lazy("导出过程中处理程序中断，未生成文件。请重新导出。")
FAILED_TOO_MANY = gettext_lazy(
    "导出多次中断，已停止重试，未生成文件。请缩小筛选范围后重新导出。"
)
FAILED_NOT_STARTED = gettext_lazy("导出任务排队超时，未能开始。请重新导出。")

# A cell beginning with one of these may be read as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


# ---- writing ----


def cell_safe(value):
    """A value for a spreadsheet cell: numbers unchanged, text made inert."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = str(value)  # lazy translations too
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def kind_label(kind: str) -> str:
    return str(ExportJob.Kind(kind).label)


def filters_describe(filters: ReportFilters) -> list[tuple[str, str]]:
    """The filters in words, for the title of an export."""
    lines = [(_("培训年度"), str(filters.year))]
    if filters.position_ids:
        names = Position.objects.filter(pk__in=filters.position_ids).values_list(
            "name", flat=True
        )
        lines.append((_("岗位"), "、".join(names)))
    if filters.identities:
        labels = dict(IdentityKind.choices)
        lines.append(
            (
                _("身份类型"),
                "、".join(str(labels.get(i, i)) for i in filters.identities),
            )
        )
    if filters.course_id:
        title = (
            CoursePage.objects.filter(pk=filters.course_id)
            .values_list("title", flat=True)
            .first()
        )
        lines.append((_("课程"), title or str(filters.course_id)))
    if filters.date_from or filters.date_to:
        lines.append(
            (
                _("学时统计期间"),
                "{} – {}".format(
                    filters.date_from.isoformat() if filters.date_from else "",
                    filters.date_to.isoformat() if filters.date_to else "",
                ),
            )
        )
    return lines


def export_title(*, kind: str, unit: OrgUnit, filters: ReportFilters) -> str:
    """What the file is, in one line: unit, report, year and filters."""
    parts = [unit.name, kind_label(kind)]
    parts += [f"{label}：{value}" for label, value in filters_describe(filters)]
    return " · ".join(parts)


def export_filename(
    *, kind: str, unit: OrgUnit, filters: ReportFilters, fmt: str, at=None
) -> str:
    """The name the browser saves the file under (Chinese; no path characters)."""
    at = timezone.localtime(at or timezone.now())
    name = f"{unit.name}-{kind_label(kind)}-{filters.year}年度-{at:%Y%m%d-%H%M}"
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name)[:200]
    return f"{name}.{fmt}"


def _counted(rows, progress: Callable[[int], None] | None):
    """The rows, calling `progress(done)` every PROGRESS_EVERY rows."""
    for done, row in enumerate(rows, start=1):
        yield row
        if progress and done % PROGRESS_EVERY == 0:
            progress(done)


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", text)[:31]


def _write_xlsx(*, headers, rows, title_lines, sheet_name, out) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_name))
    for index in range(len(headers)):
        letter = chr(ord("A") + index) if index < 26 else None
        if letter:
            sheet.column_dimensions[letter].width = 18 if index < 5 else 14
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=cell_safe(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        sheet.append([cell_safe(value) for value in row])
        count += 1
    # What the file is, on a second sheet, so the data sheet starts with its
    # headers (easy to filter, sort or read back by a program).
    about = workbook.create_sheet(_sheet_title(_("导出说明")))
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 60
    for label, value in [*title_lines, (_("行数"), count)]:
        about.append([cell_safe(label), cell_safe(value)])
    workbook.save(out)
    return count


def _write_csv(*, headers, rows, out) -> int:
    # UTF-8 with a BOM: Excel opens Chinese text correctly only with it.
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([cell_safe(h) for h in headers])
    count = 0
    for row in rows:
        writer.writerow(["" if v is None else cell_safe(v) for v in row])
        count += 1
    text.flush()
    text.detach()  # the caller owns `out`
    return count


def export_write(
    *,
    kind: str,
    user,
    unit: OrgUnit,
    filters: ReportFilters,
    fmt: str,
    out,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write report `kind` of `unit` to the binary file `out`; returns the number
    of data rows. `progress(done)` is called every PROGRESS_EVERY rows and once
    at the end. Scope is checked by `report_table` (Http404 outside it)."""
    if fmt not in ExportJob.Format.values:
        raise ReportError(_("没有这种导出格式。"))
    headers, rows = report_table(kind, user=user, unit=unit, filters=filters)
    rows = _counted(rows, progress)
    if fmt == ExportJob.Format.XLSX:
        title_lines = [
            (
                _("单位"),
                f"{unit.name}（{unit.code}）" if unit else _("管辖范围内全部单位"),
            ),
            (_("报表"), kind_label(kind)),
            *filters_describe(filters),
            (
                _("导出时间"),
                f"{timezone.localtime():%Y-%m-%d %H:%M}",
            ),
        ]
        count = _write_xlsx(
            headers=headers,
            rows=rows,
            title_lines=title_lines,
            sheet_name=kind_label(kind),
            out=out,
        )
    else:
        count = _write_csv(headers=headers, rows=rows, out=out)
    if progress:
        progress(count)
    return count


def export_rows_count(kind: str, *, user, unit: OrgUnit, filters: ReportFilters):
    """How many rows an export will have, counted cheaply before writing; None
    for the roll-ups (a handful of rows, counted by computing them)."""
    if kind in ("learners", "overdue"):
        return unit_learners(
            user=user, unit=unit, filters=filters, overdue=kind == "overdue"
        ).count()
    return None


# ---- jobs ----


def export_job_request(
    *, user, kind: str, unit: OrgUnit, filters: ReportFilters, fmt: str
) -> tuple[ExportJob, bool]:
    """Ask for an export; returns (job, created). The same export (same person,
    report, unit, filters and format) still pending or running is returned
    instead of a second one: the database refuses the duplicate (a partial
    unique constraint), so two requests at the same moment give one job."""
    if kind not in REPORT_KINDS:
        raise ReportError(_("没有这种报表。"))
    if fmt not in ExportJob.Format.values:
        raise ReportError(_("没有这种导出格式，请选择 XLSX 或 CSV。"))
    report_scope_check(user, unit)
    params = filters.as_params()
    key = {
        "requested_by": user,
        "kind": kind,
        "unit": unit,
        "params_hash": params_hash(params),
        "fmt": fmt,
    }
    for _attempt in range(3):
        try:
            with transaction.atomic():
                job = ExportJob.objects.create(**key, params=params)
        except IntegrityError:
            existing = ExportJob.objects.filter(
                **key, status__in=ExportJob.ACTIVE
            ).first()
            if existing is not None:
                return existing, False
            continue  # it finished in between: ask again
        job_id = job.pk
        transaction.on_commit(lambda job_id=job_id: _enqueue(job_id))
        return job, True
    raise ReportError(_("导出请求过于频繁，请稍后再试。"))


def _enqueue(job_id: int) -> None:
    from .tasks import export_run

    export_run.delay(job_id)


def _job_dir(job_id: int) -> Path:
    return Path(export_storage().path(f"{EXPORTS_DIR}/{job_id}"))


def _parts_remove(directory: Path, *, older_than: float | None = None) -> int:
    removed = 0
    if not directory.is_dir():
        return 0
    for part in directory.glob("*.part"):
        try:
            if older_than is None or part.stat().st_mtime < older_than:
                part.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, ReportError):
        return str(exc)
    if isinstance(exc, Http404):
        return str(FAILED_SCOPE)
    return str(FAILED_GENERIC)


def export_job_process(*, job_id: int) -> None:
    """Run one export job. A job already done or failed is left alone, so a
    task delivered twice does nothing the second time."""
    job = ExportJob.objects.select_related("requested_by", "unit").filter(pk=job_id)
    job = job.first()
    if job is None or job.is_finished:
        return
    jobs = ExportJob.objects.filter(pk=job_id)
    now = timezone.now()
    if job.attempts >= MAX_ATTEMPTS:
        jobs.filter(status__in=ExportJob.ACTIVE).update(
            status=ExportJob.Status.FAILED, error=str(FAILED_TOO_MANY), finished_at=now
        )
        return
    attempt = job.attempts + 1
    claimed = jobs.filter(status__in=ExportJob.ACTIVE, attempts=job.attempts).update(
        status=ExportJob.Status.RUNNING,
        attempts=attempt,
        started_at=now,
        heartbeat_at=now,
        rows_done=0,
        rows_total=None,
        error="",
    )
    if not claimed:
        return  # another run took it
    mine = jobs.filter(status=ExportJob.Status.RUNNING, attempts=attempt)

    directory = _job_dir(job.pk)
    directory.mkdir(parents=True, exist_ok=True)
    # A previous attempt was killed: what it left is not a file anyone gets.
    _parts_remove(directory)
    name = f"{EXPORTS_DIR}/{job.pk}/export-{job.pk}.{job.fmt}"
    final = Path(export_storage().path(name))
    part = directory / f"{final.name}.{uuid4().hex}.part"
    placed = False
    try:
        user, unit = job.requested_by, job.unit
        filters = filters_from_params(job.params, user=user)
        total = export_rows_count(job.kind, user=user, unit=unit, filters=filters)
        mine.update(rows_total=total)

        def progress(done: int) -> None:
            mine.update(rows_done=done, heartbeat_at=timezone.now())

        with part.open("wb") as out:
            written = export_write(
                kind=job.kind,
                user=user,
                unit=unit,
                filters=filters,
                fmt=job.fmt,
                out=out,
                progress=progress,
            )
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, final)  # atomic: the final name only ever holds a whole file
        placed = True
        finished = timezone.now()
        updated = mine.update(
            status=ExportJob.Status.DONE,
            file=name,
            filename=export_filename(
                kind=job.kind, unit=unit, filters=filters, fmt=job.fmt, at=finished
            ),
            rows_done=written,
            rows_total=written,
            finished_at=finished,
            expires_at=finished + EXPIRES_AFTER,
        )
        if not updated:
            # Given up by the sweep meanwhile: the job says failed, so no file.
            final.unlink(missing_ok=True)
    except Exception as exc:
        part.unlink(missing_ok=True)
        if placed:
            final.unlink(missing_ok=True)
        if not isinstance(exc, (ReportError, Http404)):
            logger.exception("Export %s failed", job_id)
        mine.update(
            status=ExportJob.Status.FAILED,
            error=_failure_message(exc),
            file="",
            finished_at=timezone.now(),
        )


def exports_sweep(*, now=None) -> dict[str, int]:
    """Give up jobs whose worker died (running without progress for STUCK_AFTER)
    or that never started (pending for PENDING_MAX), remove their partial files,
    and delete the files of downloads that have expired."""
    now = now or timezone.now()
    counts = {"stuck": 0, "not_started": 0, "expired": 0, "parts": 0}
    stuck = ExportJob.objects.filter(status=ExportJob.Status.RUNNING).filter(
        Q(heartbeat_at__lt=now - STUCK_AFTER)
        | Q(heartbeat_at__isnull=True, started_at__lt=now - STUCK_AFTER)
    )
    for job_id in list(stuck.values_list("pk", flat=True)):
        counts["stuck"] += stuck.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED,
            error=str(FAILED_INTERRUPTED),
            finished_at=now,
            file="",
        )
        counts["parts"] += _parts_remove(_job_dir(job_id))
    counts["not_started"] = ExportJob.objects.filter(
        status=ExportJob.Status.PENDING, created_at__lt=now - PENDING_MAX
    ).update(
        status=ExportJob.Status.FAILED, error=str(FAILED_NOT_STARTED), finished_at=now
    )

    expired = (
        ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lte=now)
        .exclude(file="")
        .order_by()
    )
    for job in expired.only("pk", "file"):
        Path(export_storage().path(job.file.name)).unlink(missing_ok=True)
        directory = _job_dir(job.pk)
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
        counts["expired"] += ExportJob.objects.filter(pk=job.pk).update(file="")

    # Partial files of runs killed long ago, whatever their job says now.
    root = Path(export_storage().path(EXPORTS_DIR))
    if root.is_dir():
        older_than = time.time() - STUCK_AFTER.total_seconds()
        for directory in root.iterdir():
            if not directory.is_dir():
                continue
            counts["parts"] += _parts_remove(directory, older_than=older_than)
            try:  # directories of failed jobs, left empty
                if directory.stat().st_mtime < older_than:
                    directory.rmdir()
            except OSError:
                pass  # not empty (a finished file), or just removed
    return counts
