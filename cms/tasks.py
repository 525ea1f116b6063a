"""Site-wide tasks."""

import socket

from celery import shared_task
from django.db import connection


@shared_task(name="cms.ping")
def ping(value: str) -> dict:
    """Answer with the value, the worker's host and whether the database answers.

    Used by operators (and the test suite) to see that a worker is alive and
    wired to the same database as the site.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        database_ok = cursor.fetchone()[0] == 1
    return {"echo": value, "worker": socket.gethostname(), "database": database_ok}
