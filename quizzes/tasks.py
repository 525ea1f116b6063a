"""Background work of the quiz engine."""

from celery import shared_task

from quizzes.services.attempts import attempts_expire


@shared_task(name="quizzes.attempts_expire")
def attempts_expire_run() -> int:
    """Submit every attempt whose time ran out while nobody was looking.

    An attempt left open when the taker closed the browser is submitted with
    the answers saved so far; run every minute by Celery beat (settings).
    """
    return attempts_expire()


@shared_task(name="quizzes.question_import_run")
def question_import_run(question_import_id: int) -> None:
    """Check or import one uploaded question file (see `quizzes.io.job`)."""
    from quizzes.io.job import question_import_process

    question_import_process(question_import_id=question_import_id)
