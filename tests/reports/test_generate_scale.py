"""`generate_scale` at its tiniest: what it prints is what it wrote, the
aggregates it writes itself are the ones `records_rebuild` computes, it refuses
a database with real people, and a second run needs --replace and then starts
clean. `bench_reports --quick` prints each of its figures on that data."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from courses.management.commands.rebuild_training_records import (
    aggregates_diff,
    aggregates_snapshot,
)
from courses.models import (
    Assignment,
    CourseProgress,
    HourCredit,
    LearnerProfile,
    LearnerYear,
    LearningFact,
    LessonProgress,
    OrgUnit,
    UnitMembership,
    UnitMonth,
    UnitYear,
    User,
)
from courses.models.learners import IdentityKind
from courses.services.records.aggregate import records_rebuild
from quizzes.models import Attempt
from quizzes.models.attempts import AttemptStatus
from reports.scale import PREFIX
from tests.factories import LearnerFactory, unit_create

pytestmark = pytest.mark.django_db

COUNTED = {
    "units": OrgUnit,
    "users": User,
    "learners": LearnerProfile,
    "memberships": UnitMembership,
    "assignments": Assignment,
    "attempts": Attempt,
    "facts": LearningFact,
    "credits": HourCredit,
    "lesson_progress": LessonProgress,
    "course_progress": CourseProgress,
    "learner_years": LearnerYear,
    "unit_years": UnitYear,
    "unit_months": UnitMonth,
}


def generate(**options) -> str:
    out = StringIO()
    call_command(
        "generate_scale", scale="tiny", stdout=out, stderr=StringIO(), **options
    )
    return out.getvalue()


def printed_counts(printed: str) -> dict[str, int]:
    return {
        label: int(number.replace(",", ""))
        for label, number in re.findall(r"^  (\w+)\s+([\d,]+)$", printed, re.M)
    }


def test_aggregates_written_by_the_generator_are_those_the_rebuild_computes():
    printed = generate(aggregates="direct")
    assert "aggregates written by the generator" in printed
    before = aggregates_snapshot()
    assert before["LearnerYear"] and before["UnitMonth"] and before["CourseProgress"]
    records_rebuild()
    count, lines = aggregates_diff(before, aggregates_snapshot())
    assert count == 0, lines[:10]


def test_counts_printed_are_the_rows_written():
    printed = generate(aggregates="direct")
    counts = printed_counts(printed)
    assert set(COUNTED) <= set(counts)
    for label, model in COUNTED.items():
        assert counts[label] == model.objects.count(), label
    assert counts["learners"] == 36
    assert re.search(r"elapsed [\d.]+ s", printed)


def test_the_data_has_what_the_reports_need():
    generate()  # tiny: the aggregates rebuilt by records_rebuild
    bureau = OrgUnit.objects.get(code=f"{PREFIX}01")
    assert bureau.name.endswith("戒毒管理局")
    assert OrgUnit.objects.filter(name__endswith="强制隔离戒毒所").count() == 2
    assert OrgUnit.objects.filter(name__endswith="社区康复工作站").exists()
    # The tree is sound: treebeard finds every unit under the bureau.
    assert bureau.get_descendant_count() == OrgUnit.objects.count() - 1
    assert set(LearnerProfile.objects.values_list("identity", flat=True)) == {
        IdentityKind.OFFICER,
        IdentityKind.COMMUNITY_WORKER,
    }
    assert UnitMembership.objects.open().count() == LearnerProfile.objects.count()
    assignments = Assignment.objects.all()
    assert assignments.filter(positions__isnull=False).exists()
    assert assignments.filter(unit__kind="facility").exists()
    assert assignments.filter(unit__kind="bureau", positions__isnull=True).exists()
    exams = Attempt.objects.filter(quiz__mode="exam", status=AttemptStatus.MARKED)
    assert exams.filter(passed=True).exists() and exams.filter(passed=False).exists()
    assert not exams.filter(percent__isnull=True).exists()
    assert LearnerYear.objects.filter(exams_taken__gt=0).exists()
    assert LearnerYear.objects.filter(mandatory_overdue__gt=0).exists()
    assert UnitMonth.objects.exists()


def test_a_second_run_refuses_then_replace_starts_clean():
    first = printed_counts(generate(aggregates="direct"))
    bystander = User.objects.create(username="simon")  # an account, no learner
    with pytest.raises(CommandError, match="--replace"):
        generate()
    printed = generate(aggregates="direct", replace=True)
    assert "已清除上次生成的数据" in printed
    second = printed_counts(printed)
    assert second == first  # same seed, same data, nothing left over
    for label, model in COUNTED.items():
        extra = 1 if label == "users" else 0  # the bystander, kept
        assert second[label] + extra == model.objects.count(), label
    assert User.objects.filter(pk=bystander.pk).exists()


def test_it_refuses_a_database_with_real_people():
    unit = unit_create(code="F1", name="第一强制隔离戒毒所")
    LearnerFactory(unit=unit)
    with pytest.raises(CommandError, match="非生成的学员"):
        generate()
    assert not OrgUnit.objects.filter(code__startswith=PREFIX).exists()


def test_bench_reports_quick_prints_every_figure():
    generate(aggregates="direct")
    out = StringIO()
    call_command("bench_reports", quick=True, stdout=out, stderr=StringIO())
    printed = out.getvalue()
    for label in (
        "1. facility roll-up",
        "unit_rollup (server)",
        "GET /reports/units/",
        "bare SQL: count(*) of the facility's facts",
        "bare SQL: sum(hours), count(*) of credits",
        "ratio unit_rollup / bare SQL over facts",
        "2. national roll-up",
        "facilities_rollup (",
        "raw facts GROUP BY facility",
        "3. XLSX export of learners",
        "learners, measured above",
        "4. SQL queries per report page",
        "constant: ",
    ):
        assert label in printed, label
    assert re.search(r"p50\s+[\d.]+ ms\s+p95\s+[\d.]+ ms", printed)
    assert re.search(r"peak\s+[\d.]+ MiB \(tracemalloc\)", printed)
