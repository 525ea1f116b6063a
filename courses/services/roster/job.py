"""The background job: run one RosterImport and record its progress and outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, connection
from django.utils import timezone

from courses.models import RosterImport
from courses.services.roster.apply import roster_apply
from courses.services.roster.read import roster_read
from courses.services.roster.types import RosterError, RosterInvalid

logger = logging.getLogger(__name__)

PROGRESS_SAVE_EVERY = 200

GENERIC_FAILURE = (
    "导入时发生系统错误，未写入任何数据。请稍后重试；如果问题持续，请联系系统管理员。"
)


def _progress_store(*, roster_import_id: int, done: int, total: int) -> None:
    """Record progress where other connections can see it while the import runs.

    The import holds one transaction open until the end, so progress written
    through it would stay invisible and be rolled back with it. A second
    connection commits it at once. SQLite allows one writer at a time, and the
    import is that writer: there the progress is recorded when the import ends.
    """
    if connection.vendor == "sqlite":
        return
    table = RosterImport._meta.db_table
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
                [done, total, roster_import_id],
            )
    except DatabaseError:
        logger.warning(
            "Could not record the progress of roster import %s",
            roster_import_id,
            exc_info=True,
        )
    finally:
        side.close()


def _progress_recorder(roster_import_id: int) -> Callable[[int, int], None]:
    last = {"saved": 0}

    def record(done: int, total: int) -> None:
        if done - last["saved"] >= PROGRESS_SAVE_EVERY or done >= total:
            last["saved"] = done
            _progress_store(roster_import_id=roster_import_id, done=done, total=total)

    return record


def roster_import_process(*, roster_import_id: int) -> None:
    """Run one roster import job and record how it went.

    Status and outcome are written outside the import transaction, so a failed
    import is still recorded as failed with its reasons.
    """
    roster_import = RosterImport.objects.select_related("uploaded_by").get(
        pk=roster_import_id
    )
    if roster_import.is_finished:
        return  # a retried task must not import the same file twice
    jobs = RosterImport.objects.filter(pk=roster_import_id)
    jobs.update(
        status=RosterImport.Status.RUNNING,
        progress_done=0,
        progress_total=0,
        errors=[],
        summary={},
        finished_at=None,
    )
    total = 0
    try:
        with roster_import.file.open("rb") as handle:
            roster = roster_read(file=handle, filename=roster_import.original_name)
        total = roster.size
        jobs.update(progress_total=total)
        summary = roster_apply(
            roster=roster,
            importer=roster_import.uploaded_by,
            roster_import=roster_import,
            progress=_progress_recorder(roster_import_id),
        )
    except RosterInvalid as exc:
        jobs.update(
            status=RosterImport.Status.FAILED,
            errors=[error.as_dict() for error in exc.errors],
            finished_at=timezone.now(),
        )
        return
    except Exception:
        logger.exception("Roster import %s failed", roster_import_id)
        jobs.update(
            status=RosterImport.Status.FAILED,
            errors=[RosterError(None, None, None, GENERIC_FAILURE).as_dict()],
            finished_at=timezone.now(),
        )
        raise
    jobs.update(
        status=RosterImport.Status.SUCCEEDED,
        summary=summary,
        progress_done=total,
        progress_total=total,
        finished_at=timezone.now(),
    )
