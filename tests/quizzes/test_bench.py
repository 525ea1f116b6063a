"""The quiz benchmark keeps working: it runs end to end on a small data set and
prints its figures (the figures themselves are read from a real run, not here)."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db
def test_bench_quizzes_prints_statement_counts_and_item_statistics():
    out = StringIO()
    call_command(
        "bench_quizzes",
        attempts=40,
        spike="0",  # a server process cannot see this test's uncommitted data
        no_pgbench=True,  # nor can pgbench create its database inside it
        seconds=0.5,
        rounds=1,
        stdout=out,
    )
    printed = out.getvalue()

    saves = re.search(r"of which the service answer_save\s+(\d+)", printed)
    assert saves and int(saves.group(1)) <= 3  # the limit per answer save
    assert re.search(r"save an answer \(POST JSON\)\s+\d+", printed)
    assert "item statistics, 40 attempts" in printed
    if connection.vendor == "postgresql":
        assert "answer saves per second" in printed
    else:
        assert "need PostgreSQL" in printed
