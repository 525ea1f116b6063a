"""Celery in both modes: in-process by default, and a real worker on Redis."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection, transaction

from cms.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


def test_default_mode_runs_tasks_in_process(db):
    result = ping.delay("你好")
    assert result.get(timeout=5)["echo"] == "你好"
    assert result.get()["database"] is True


def test_task_enqueued_on_commit_runs_only_after_commit(
    db, django_capture_on_commit_callbacks
):
    seen = []

    def enqueue():
        transaction.on_commit(lambda: seen.append(ping.delay("after commit").get()))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue()
        assert seen == [], "a task must not run before its transaction commits"
    assert len(callbacks) == 1
    callbacks[0]()
    assert seen[0]["echo"] == "after commit"


def test_task_of_a_rolled_back_transaction_never_runs(
    db, django_capture_on_commit_callbacks
):
    seen = []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                transaction.on_commit(lambda: seen.append(ping.delay("never")))
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == [] and seen == []


@pytest.mark.services
def test_real_worker_on_redis_returns_the_result(db):
    """Start a worker process against Redis, send it a task, read its answer."""
    broker = os.environ.get("CELERY_TEST_BROKER_URL")
    assert broker, (
        "CELERY_TEST_BROKER_URL must name the Redis broker (make test-services)"
    )
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    assert db["ENGINE"].endswith("postgresql"), (
        "the worker test shares the PostgreSQL test database"
    )
    database_url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "CELERY_BROKER_URL": broker,
        "DATABASE_URL": database_url,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cms",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # A client of its own; it must not become the current app, or every later
    # shared task of this process would be sent to Redis instead of run in-process.
    client = Celery(broker=broker, backend=broker, set_as_current=False)
    try:
        answer = client.send_task("cms.ping", args=["来自测试"], queue=queue).get(
            timeout=60
        )
    finally:
        client.close()
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert answer["echo"] == "来自测试", output
    assert answer["database"] is True
    assert worker.pid and answer["worker"]


@pytest.mark.services
def test_services_run_really_uses_postgresql(db):
    assert connection.vendor == "postgresql"
