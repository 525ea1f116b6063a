"""The background job behind the admin import: check a file, or import it.

The check is a dry run (the whole import inside a transaction rolled back), so
what the trainer confirms is exactly what the import will do, unless the bank
changed in between, in which case the import checks everything again anyway.
"""

from __future__ import annotations

import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from cms.jobs import job_progress_recorder
from quizzes.io.importer import questions_import
from quizzes.io.types import DEFAULT_CATEGORY, ImportProblem
from quizzes.models import QuestionImport

logger = logging.getLogger(__name__)

PROGRESS_SAVE_EVERY = 50


def question_import_process(*, question_import_id: int) -> None:
    """Run one pending job (check or import) and record how it went."""
    job = QuestionImport.objects.get(pk=question_import_id)
    if job.status != QuestionImport.Status.PENDING:
        return  # a retried task must not import the same file twice
    jobs = QuestionImport.objects.filter(pk=question_import_id)
    jobs.update(
        status=QuestionImport.Status.RUNNING,
        progress_done=0,
        progress_total=0,
        errors=[],
        finished_at=None,
    )
    checking = job.mode == QuestionImport.Mode.CHECK
    try:
        with job.file.open("rb") as handle:
            report = questions_import(
                handle,
                filename=job.original_name,
                dry_run=checking,
                progress=job_progress_recorder(
                    model=QuestionImport,
                    pk=question_import_id,
                    every=PROGRESS_SAVE_EVERY,
                ),
                default_category=job.default_category or DEFAULT_CATEGORY,
            )
    except Exception:
        logger.exception("Question import %s failed", question_import_id)
        message = _(
            "导入时发生系统错误，未写入任何题目。请稍后重试；"
            "如果问题持续，请联系系统管理员。"
        )
        jobs.update(
            status=QuestionImport.Status.FAILED,
            errors=[ImportProblem("", message).as_dict()],
            finished_at=timezone.now(),
        )
        raise
    if not report.ok:
        status = QuestionImport.Status.FAILED
    elif checking:
        status = QuestionImport.Status.CHECKED
    else:
        status = QuestionImport.Status.SUCCEEDED
    jobs.update(
        status=status,
        errors=[problem.as_dict() for problem in report.problems],
        summary=report.summary(),
        progress_done=report.total,
        progress_total=report.total,
        finished_at=timezone.now(),
    )
