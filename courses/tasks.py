"""Background work of the training domain. Tasks take ids and call a service."""

from celery import shared_task


@shared_task(name="courses.roster_import_run")
def roster_import_run(roster_import_id: int) -> None:
    from courses.services.roster import roster_import_process

    roster_import_process(roster_import_id=roster_import_id)


@shared_task(name="courses.lesson_import_check_run")
def lesson_import_check_run(lesson_import_id: int) -> None:
    from courses.services.lessons.job import lesson_import_check_process

    lesson_import_check_process(lesson_import_id=lesson_import_id)


@shared_task(name="courses.lesson_import_run")
def lesson_import_run(lesson_import_id: int) -> None:
    from courses.services.lessons.job import lesson_import_process

    lesson_import_process(lesson_import_id=lesson_import_id)


@shared_task(name="courses.records_refresh")
def records_refresh(limit: int = 500) -> int:
    """The batch that keeps training-record aggregates current (Celery beat)."""
    from courses.services.records.aggregate import records_refresh_stale

    return records_refresh_stale(limit=limit)


@shared_task(name="courses.certificate_pdf_render")
def certificate_pdf_render(certificate_id: int) -> str:
    """Draw a certificate's PDF; returns the PDF status (a failure is recorded)."""
    from courses.services.records.certificates import (
        certificate_pdf_render as render,
    )

    return render(certificate_id=certificate_id).pdf_status


@shared_task(name="courses.certificates_issue_due")
def certificates_issue_due(limit: int = 500) -> int:
    """Certificates for courses completed since the last run (Celery beat)."""
    from courses.services.records.certificates import (
        certificates_issue_due as issue_due,
    )

    return issue_due(limit=limit)


@shared_task(name="courses.notifications_email")
def notifications_email(limit: int = 500) -> int:
    """E-mail the notifications not yet e-mailed, in one batch."""
    from courses.services.records.notifications import notifications_email_pending

    return notifications_email_pending(limit=limit)


@shared_task(name="courses.assignment_notify")
def assignment_notify(assignment_id: int) -> int:
    """Tell everyone a new assignment reaches (one task per assignment)."""
    from courses.services.records.notifications import assignment_notify as notify

    return notify(assignment_id=assignment_id)


@shared_task(name="courses.reminders_send")
def reminders_send() -> dict:
    """Due-soon and overdue reminders (daily, Celery beat)."""
    from courses.services.records.notifications import reminders_send as send

    return send()


@shared_task(name="courses.overdue_digest_send")
def overdue_digest_send() -> int:
    """The weekly list of overdue people for each unit leader (Celery beat)."""
    from courses.services.records.notifications import overdue_digest_send as send

    return send()


@shared_task(name="courses.exam_results_release")
def exam_results_release() -> int:
    """Results of exams that show them only after closing, once closed (beat)."""
    from courses.services.records.exams import exam_results_release as release

    return release()


@shared_task(name="courses.assignments_fall_due")
def assignments_fall_due() -> int:
    """Learners whose assignments fell due yesterday are refreshed (their overdue
    counts change); the batch does the rest."""
    from courses.services.records.manual import assignments_fall_due_mark

    return assignments_fall_due_mark()
