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
