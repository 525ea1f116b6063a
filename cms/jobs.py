"""Progress of long background jobs (imports), visible while they run.

A job that writes everything in one transaction cannot report progress through
that transaction: other connections would not see it until the end, and a dry
run would roll it back. Progress goes through a second connection that commits
at once. SQLite allows one writer at a time and the job is that writer: there
progress is recorded when the job ends.
"""

import logging
from collections.abc import Callable

from django.db import DatabaseError, connection, models

logger = logging.getLogger(__name__)


def job_progress_store(
    *, model: type[models.Model], pk: int, done: int, total: int
) -> None:
    """Set `progress_done` and `progress_total` of job `pk` on a second connection."""
    if connection.vendor == "sqlite":
        return
    table = model._meta.db_table
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
                [done, total, pk],
            )
    except DatabaseError:
        logger.warning(
            "Could not record the progress of %s %s",
            model._meta.label,
            pk,
            exc_info=True,
        )
    finally:
        side.close()


def job_progress_recorder(
    *, model: type[models.Model], pk: int, every: int
) -> Callable[[int, int], None]:
    """A `progress(done, total)` callback that stores every `every` items and at
    the end, not on every item."""
    last = {"saved": 0}

    def record(done: int, total: int) -> None:
        if done - last["saved"] >= every or done >= total:
            last["saved"] = done
            job_progress_store(model=model, pk=pk, done=done, total=total)

    return record
