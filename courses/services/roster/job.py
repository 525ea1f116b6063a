"""The background job: run one RosterImport and record its progress and outcome."""

from __future__ import annotations

import logging

from django.utils import timezone

from cms.jobs import job_progress_recorder
from courses.models import RosterImport
from courses.services.roster.apply import roster_apply
from courses.services.roster.read import roster_read
from courses.services.roster.types import RosterError, RosterInvalid

logger = logging.getLogger(__name__)

PROGRESS_SAVE_EVERY = 200

GENERIC_FAILURE = (
    "导入时发生系统错误，未写入任何数据。请稍后重试；如果问题持续，请联系系统管理员。"
)


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
            progress=job_progress_recorder(
                model=RosterImport, pk=roster_import_id, every=PROGRESS_SAVE_EVERY
            ),
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
