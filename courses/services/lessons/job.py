"""The lesson import job behind the admin page: check first, import on confirm.

An administrator uploads a sheet; a background task reads it and runs the whole
import as a dry run (`lessons_apply(dry_run=True)`), so the counts shown before
confirming are exactly what the import will do, and a file with errors lists
every bad row with nothing written. On confirm a second task imports for real.

Who may import: the import publishes lessons at once, without the review
workflow, so it is open to those who may publish in the resource bank (the
reviewers group 课程审核员, superusers) and to bureau administrators; trainers,
whose lessons go through review, may not.

One import at a time: a job holds `LessonImport.busy` (a unique column) while it
is checked, queued or imported, and a second upload or confirm meanwhile is
refused with a message naming the job it waits for. A job that has held it for
longer than `STALE_AFTER` (its worker died) is released and marked failed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import timedelta

from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from courses.models import LessonImport, ResourceBankPage
from courses.models.roles import Role
from courses.selectors.scope import user_roles
from courses.services.lessons.apply import lessons_apply
from courses.services.lessons.read import lessons_read
from courses.services.lessons.types import LessonError, LessonsInvalid

logger = logging.getLogger(__name__)

PROGRESS_SAVE_EVERY = 50
STALE_AFTER = timedelta(hours=2)

NO_BANK = "还没有“教育资源库”页面，无法导入。请先在后台首页下新建“教育资源库”页面。"
STALE = (
    "这次导入超过 2 小时没有完成（可能服务器重启而中断），已停止，未写入任何数据。"
    "请重新上传。"
)


class LessonImportBusy(Exception):
    """Another lesson import is being checked or imported; `job` is that one."""

    def __init__(self, job: LessonImport | None):
        self.job = job
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.job is None:
            return "另一份课程表正在检查或导入，请等它完成后再试。"
        who = self.job.uploaded_by.get_username() if self.job.uploaded_by else ""
        who = f"（{who} 上传）" if who else ""
        return (
            f"另一份课程表“{self.job.original_name}”{who}正在"
            f"{self.job.get_status_display()}，为避免互相覆盖，"
            "同一时间只能导入一份。请等它完成后再试。"
        )


def lesson_import_allowed(*, user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or Role.BUREAU_ADMIN in user_roles(user=user):
        return True
    bank = ResourceBankPage.objects.first()
    return bank is not None and bank.permissions_for_user(user).can_publish_subpage()


def _stale_release() -> None:
    LessonImport.objects.filter(
        busy=True, busy_since__lt=timezone.now() - STALE_AFTER
    ).update(
        busy=None,
        status=LessonImport.Status.FAILED,
        errors=[LessonError(None, None, STALE).as_dict()],
        finished_at=timezone.now(),
    )


def _busy_job(*, exclude_pk: int | None = None) -> LessonImport | None:
    jobs = LessonImport.objects.filter(busy=True).select_related("uploaded_by")
    if exclude_pk is not None:
        jobs = jobs.exclude(pk=exclude_pk)
    return jobs.first()


def lesson_import_start(*, upload: UploadedFile, user) -> LessonImport:
    """Store the upload privately and have it checked in the background.

    Raises LessonImportBusy while another import is checked or imported.
    """
    _stale_release()
    blocking = _busy_job()
    if blocking is not None:
        raise LessonImportBusy(blocking)
    job = LessonImport(
        file=upload,
        original_name=upload.name[:255],
        uploaded_by=user,
        busy=True,
        busy_since=timezone.now(),
    )
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        # Another upload took the slot since we looked: keep no orphan file.
        job.file.delete(save=False)
        raise LessonImportBusy(_busy_job()) from None
    job_id = job.pk

    def enqueue() -> None:
        from courses.tasks import lesson_import_check_run

        lesson_import_check_run.delay(job_id)

    transaction.on_commit(enqueue)
    return job


def lesson_import_confirm(*, lesson_import: LessonImport, user) -> bool:
    """Queue a checked job for import. True if this call queued it; False when
    it was already confirmed (a second click, a resubmitted form).

    Raises LessonImportBusy while another import is checked or imported.
    """
    _stale_release()
    blocking = _busy_job(exclude_pk=lesson_import.pk)
    if blocking is not None and lesson_import.status == LessonImport.Status.CHECKED:
        raise LessonImportBusy(blocking)
    now = timezone.now()
    try:
        with transaction.atomic():
            # The status condition makes the transition happen once, however
            # many requests race to make it.
            confirmed = LessonImport.objects.filter(
                pk=lesson_import.pk, status=LessonImport.Status.CHECKED
            ).update(
                status=LessonImport.Status.QUEUED,
                busy=True,
                busy_since=now,
                confirmed_by=user,
                confirmed_at=now,
                progress_done=0,
                progress_total=0,
            )
    except IntegrityError:
        raise LessonImportBusy(_busy_job(exclude_pk=lesson_import.pk)) from None
    if confirmed:
        job_id = lesson_import.pk

        def enqueue() -> None:
            from courses.tasks import lesson_import_run

            lesson_import_run.delay(job_id)

        transaction.on_commit(enqueue)
    return bool(confirmed)


# ---------------------------------------------------------------- progress


def _progress_key(lesson_import_id: int) -> str:
    return f"courses:lesson-import:{lesson_import_id}:progress"


def _progress_store(*, lesson_import_id: int, done: int, total: int) -> None:
    """Record progress where other requests can see it while the import runs.

    The import holds one transaction open until the end, so progress written
    through it would stay invisible. The cache is seen at once (by every process
    when it is shared, as Redis is in production). On PostgreSQL a second
    connection also commits it to the job row; SQLite allows one writer at a
    time, and the import is that writer.
    """
    cache.set(_progress_key(lesson_import_id), (done, total), timeout=3600)
    if connection.vendor == "sqlite":
        return
    table = LessonImport._meta.db_table
    side = connection.copy()
    try:
        quote = side.ops.quote_name
        with side.cursor() as cursor:
            if side.vendor == "postgresql":
                # Never wait on a lock held by our own caller's open transaction.
                cursor.execute("SET lock_timeout = '1s'")
            cursor.execute(
                f"UPDATE {quote(table)} SET {quote('progress_done')} = %s, "
                f"{quote('progress_total')} = %s WHERE {quote('id')} = %s",
                [done, total, lesson_import_id],
            )
    except DatabaseError:
        logger.warning(
            "Could not record the progress of lesson import %s",
            lesson_import_id,
            exc_info=True,
        )
    finally:
        side.close()


class _Progress:
    """The progress callback given to lessons_apply; remembers where it got to."""

    def __init__(self, lesson_import_id: int):
        self.lesson_import_id = lesson_import_id
        self.done = 0
        self.total = 0
        self._saved = 0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if done - self._saved >= PROGRESS_SAVE_EVERY or done >= total:
            self._saved = done
            _progress_store(
                lesson_import_id=self.lesson_import_id, done=done, total=total
            )


def lesson_import_progress(lesson_import: LessonImport) -> tuple[int, int]:
    """(processed, total) of a job, the freshest known."""
    done, total = lesson_import.progress_done, lesson_import.progress_total
    if lesson_import.is_settled:
        return done, total
    cached = cache.get(_progress_key(lesson_import.pk))
    if cached and cached[0] >= done:
        done, total = cached
    return done, total


# ---------------------------------------------------------------- running


@contextlib.contextmanager
def _wagtail_page_logs_quiet() -> Iterator[None]:
    """Wagtail logs three lines per page saved; thousands would bury the worker's
    log. The audit log in the database is kept as usual."""
    wagtail_logger = logging.getLogger("wagtail")
    level = wagtail_logger.level
    wagtail_logger.setLevel(max(logging.WARNING, wagtail_logger.getEffectiveLevel()))
    try:
        yield
    finally:
        wagtail_logger.setLevel(level)


def _failure(*, stage: str, progress: _Progress) -> str:
    if progress.total:
        where = f"{stage}第 {progress.done + 1} 课（共 {progress.total} 课）时"
    else:
        where = "读取文件时"
    return (
        f"{where}发生系统错误，已全部撤销，未写入任何数据。"
        "请稍后重试；如果问题持续，请联系系统管理员。"
    )


def _run(
    *, job: LessonImport, dry_run: bool, progress: _Progress, on_total: Callable
) -> dict:
    bank = ResourceBankPage.objects.first()
    if bank is None:
        raise LessonsInvalid([LessonError(None, None, NO_BANK)])
    with job.file.open("rb") as handle:
        sheet = lessons_read(file=handle, filename=job.original_name)
    on_total(sheet.size)
    with _wagtail_page_logs_quiet():
        summary = lessons_apply(
            bank=bank, sheet=sheet, dry_run=dry_run, progress=progress
        )
    return asdict(summary)


def _process(*, job: LessonImport, dry_run: bool) -> None:
    """Check (dry run) or import one job and record the outcome on it.

    The outcome is written outside the import's transaction, so a failed import
    is recorded as failed with its reasons, and the slot is always released.
    """
    jobs = LessonImport.objects.filter(pk=job.pk)
    progress = _Progress(job.pk)
    cache.delete(_progress_key(job.pk))
    try:
        result = _run(
            job=job,
            dry_run=dry_run,
            progress=progress,
            on_total=lambda total: jobs.update(progress_total=total),
        )
    except LessonsInvalid as exc:
        errors = [error.as_dict() for error in exc.errors]
    except Exception:
        logger.exception("Lesson import %s failed", job.pk)
        stage = "检查" if dry_run else "导入"
        errors = [LessonError(None, None, _failure(stage=stage, progress=progress))]
        errors = [error.as_dict() for error in errors]
    else:
        errors = []
    outcome = {"busy": None, "progress_done": progress.done}
    if errors:
        outcome.update(
            status=LessonImport.Status.FAILED,
            errors=errors,
            finished_at=timezone.now(),
        )
    elif dry_run:
        outcome.update(status=LessonImport.Status.CHECKED, check_summary=result)
    else:
        outcome.update(
            status=LessonImport.Status.SUCCEEDED,
            summary=result,
            finished_at=timezone.now(),
        )
    if dry_run:
        # A job released as stale meanwhile stays as it was told it is.
        jobs = jobs.filter(status=LessonImport.Status.CHECKING)
    jobs.update(**outcome)
    cache.delete(_progress_key(job.pk))


def lesson_import_check_process(*, lesson_import_id: int) -> None:
    """The dry run of an uploaded sheet: what the import would do, or every error."""
    job = LessonImport.objects.filter(
        pk=lesson_import_id, status=LessonImport.Status.CHECKING
    ).first()
    if job is None:
        return  # already checked: a retried task changes nothing
    _process(job=job, dry_run=True)


def lesson_import_process(*, lesson_import_id: int) -> None:
    """Import a confirmed sheet. Runs at most once per confirm: the job moves
    from queued to running in one conditional update, and only the task that
    made that move imports."""
    claimed = LessonImport.objects.filter(
        pk=lesson_import_id, status=LessonImport.Status.QUEUED
    ).update(status=LessonImport.Status.RUNNING, progress_done=0, progress_total=0)
    if not claimed:
        return
    _process(job=LessonImport.objects.get(pk=lesson_import_id), dry_run=False)
