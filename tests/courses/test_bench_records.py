"""`rebuild_training_records` proves itself with --check, and the training-record
benchmark keeps working end to end at its tiniest scale (its figures are read
from a real run on PostgreSQL, not here)."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from courses.models import LearnerYear, LessonProgress, RecordStale
from courses.services.records.facts import stale_mark
from tests.courses.test_course_pages import book_dir, site  # noqa: F401
from tests.courses.test_records import course, lessons  # noqa: F401
from tests.courses.test_records_tasks import beat_minutes


def run(*args, **kwargs) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def test_rebuild_check_brings_stale_learners_up_and_finds_nothing_changed(
    people,
    lessons,  # noqa: F811
):
    for number, learner in enumerate(people.values()):
        beat_minutes(learner, lessons[number % 2], 10 + 5 * number)
    printed, _ = run("rebuild_training_records", check=True)
    assert "先汇总了 4 名有新记录的学员" in printed
    assert "重建完成：学员 4 名" in printed
    assert "核对一致" in printed
    assert not RecordStale.objects.exists()
    assert LessonProgress.objects.count() == 4


def test_rebuild_check_reports_an_aggregate_that_facts_do_not_support(
    people,
    lessons,  # noqa: F811
):
    learner = people["F1-B1"]
    # Everyone has a yearly row, as after the roster import.
    stale_mark(learner_ids=[person.pk for person in people.values()])
    beat_minutes(learner, lessons[0], 25)  # the batch completes it: 1 hour
    run("rebuild_training_records", check=True)
    # An aggregate gone wrong (a bug, a hand edit): the rebuild puts it right,
    # and --check says so and fails.
    LearnerYear.objects.filter(learner=learner).update(hours=Decimal("9.0"))
    err = StringIO()
    with pytest.raises(CommandError, match="核对不一致：共 1 行不同"):
        call_command(
            "rebuild_training_records", check=True, stdout=StringIO(), stderr=err
        )
    assert f"LearnerYear learner_id={learner.pk}, training_year=" in err.getvalue()
    assert "incremental (9.0, " in err.getvalue()
    assert "rebuilt (1.0, " in err.getvalue()
    assert LearnerYear.objects.get(learner=learner).hours == Decimal("1.0")


def test_bench_records_refuses_a_database_that_is_not_a_scratch_one(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "jiedu")
    with pytest.raises(CommandError, match="jiedu"):
        run("bench_records", scale="tiny")


@pytest.mark.django_db
def test_bench_records_prints_its_figures_at_the_tiniest_scale():
    printed, _ = run(
        "bench_records",
        scale="tiny",
        seconds=0.2,
        rounds=1,
        no_pgbench=True,  # pgbench cannot create its database inside the test
    )
    assert re.search(r"data \(tiny\): 60 units, 24 learners, \d+ lessons", printed)
    assert re.search(r"facts [\d,]+, credits [\d,]+, written with", printed)
    assert re.search(
        r"incremental batch \(records_refresh_stale\)\s+[\d.]+ s\s+\(24 stale learners",
        printed,
    )
    assert re.search(
        r"rebuild_training_records\s+[\d.]+ s\s+\(24 learners, \d+/s; \d+ unit-years",
        printed,
    )
    assert "identical: yes" in printed
    service = re.search(r"service lesson_heartbeat_record\s+(\d+)\n", printed)
    assert service and int(service.group(1)) <= 2  # the hot-path limit
    assert re.search(r"POST /lessons/\d+/progress/beat/\s+\d+", printed)
    assert re.search(r"service lesson_heartbeat_record\s+\d+ /s", printed)
    assert re.search(r"through Django \(test client POST\)\s+\d+ /s", printed)
    if connection.vendor == "sqlite":
        assert "not comparable" in printed
