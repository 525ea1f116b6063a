"""Recompute every training-record aggregate from facts and credits.

    python manage.py rebuild_training_records          # rebuild
    python manage.py rebuild_training_records --check  # ... and prove nothing changed

`--check` first brings learners with pending events up to date (the batch would
do it within a minute), keeps every aggregate row and the ledger's totals, then
rebuilds and compares: it prints the rows that differ (the first 20) and exits
with status 1 if any does.
"""

import time
from collections.abc import Callable
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Sum
from tqdm import tqdm

from courses.models import (
    CourseProgress,
    HourCredit,
    LearnerYear,
    LearningFact,
    LessonProgress,
    RecordStale,
    UnitMonth,
    UnitYear,
)
from courses.services.records.aggregate import records_rebuild, records_refresh_stale

# Each aggregate by its natural key, every other column compared.
SNAPSHOT_TABLES = {
    "LessonProgress": (
        LessonProgress,
        ("learner_id", "lesson_id_ref"),
        (
            "opened_at",
            "last_seen_at",
            "seconds",
            "video_percent",
            "video_resume_at",
            "completed_at",
        ),
    ),
    "CourseProgress": (
        CourseProgress,
        ("learner_id", "course_id_ref"),
        ("required_lessons", "completed_lessons", "exam_passed", "completed_at"),
    ),
    "LearnerYear": (
        LearnerYear,
        ("learner_id", "training_year"),
        (
            "hours",
            "lesson_hours",
            "exam_hours",
            "offline_hours",
            "adjustment_hours",
            "lessons_completed",
            "required_hours",
            "mandatory_assigned",
            "mandatory_completed",
            "mandatory_overdue",
            "exams_taken",
            "exams_passed",
            "exam_percent_sum",
        ),
    ),
    "UnitYear": (
        UnitYear,
        ("unit_id", "training_year"),
        ("hours", "learners_credited", "credits"),
    ),
    "UnitMonth": (
        UnitMonth,
        ("unit_id", "training_year", "month"),
        ("hours", "credits"),
    ),
}

Snapshot = dict[str, dict[tuple, tuple]]


def aggregates_snapshot() -> Snapshot:
    """Every aggregate row, and the ledger's totals: a rebuild must not add a
    fact or a credit that the incremental batch had not already written."""
    snapshot: Snapshot = {}
    for label, (model, key, fields) in SNAPSHOT_TABLES.items():
        snapshot[label] = {
            row[: len(key)]: row[len(key) :]
            for row in model.objects.order_by().values_list(*key, *fields).iterator()
        }
    credits = HourCredit.objects.aggregate(n=Count("id"), hours=Sum("hours"))
    snapshot["ledger"] = {
        ("facts",): (LearningFact.objects.count(),),
        ("credits",): (credits["n"], credits["hours"]),
    }
    return snapshot


def _row_text(values: tuple | None) -> str:
    if values is None:
        return "(none)"
    return (
        "("
        + ", ".join(
            v.isoformat(timespec="seconds") if isinstance(v, datetime) else str(v)
            for v in values
        )
        + ")"
    )


def aggregates_diff(before: Snapshot, after: Snapshot) -> tuple[int, list[str]]:
    """How many rows differ, and a line for each (in table then key order)."""
    lines = []
    for label, (_model, key_fields, fields) in [
        *SNAPSHOT_TABLES.items(),
        ("ledger", (None, ("total",), ("values",))),
    ]:
        old, new = before[label], after.get(label, {})
        for key in sorted(old.keys() | new.keys(), key=repr):
            if old.get(key) != new.get(key):
                named = ", ".join(
                    f"{k}={v}" for k, v in zip(key_fields, key, strict=True)
                )
                lines.append(
                    f"{label} {named} {_row_text(fields)}: "
                    f"incremental {_row_text(old.get(key))} / "
                    f"rebuilt {_row_text(new.get(key))}"
                )
    return len(lines), lines


def records_rebuild_run(*, command: BaseCommand) -> tuple[dict, float]:
    """records_rebuild with a tqdm progress bar on the command's stderr;
    returns its summary and the seconds it took."""
    # tqdm redraws its line with "\r"; Django's wrapper would add a newline.
    stream = getattr(command.stderr, "_out", command.stderr)
    started = time.perf_counter()
    with tqdm(
        total=0, file=stream, unit="人", desc="重建学习档案", mininterval=0.5
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        summary = records_rebuild(progress=progress)
    return summary, time.perf_counter() - started


def stale_drain(*, progress: Callable[[int], None] | None = None) -> int:
    """Run the batch until no learner is left stale; returns how many it did."""
    done = 0
    while True:
        batch = records_refresh_stale(limit=500)
        if not batch:
            return done
        done += batch
        if progress:
            progress(done)


class Command(BaseCommand):
    help = (
        "根据学习记录和学时记录重新计算全部汇总（课程进度、课程完成情况、学员和单位的"
        "年度学时）。--check 先比较重建前后的数字，不一致时列出差异并返回非零状态。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="重建前保存现有汇总，重建后逐行比较，报告是否完全一致。",
        )

    def handle(self, *args, check: bool, **options):
        before = None
        if check:
            pending = RecordStale.objects.count()
            if pending:
                drained = stale_drain()
                self.stdout.write(f"先汇总了 {drained} 名有新记录的学员。")
            before = aggregates_snapshot()
        summary, elapsed = records_rebuild_run(command=self)
        self.stdout.write(
            self.style.SUCCESS("重建完成：")
            + f"学员 {summary['learners']} 名，单位年度 {summary['unit_years']} 项，"
            f"用时 {elapsed:.1f} 秒。"
        )
        if before is None:
            return
        count, lines = aggregates_diff(before, aggregates_snapshot())
        if not count:
            self.stdout.write(
                self.style.SUCCESS("核对一致：重建后的数字与增量汇总完全相同。")
            )
            return
        for line in lines[:20]:
            self.stderr.write(line)
        raise CommandError(
            f"核对不一致：共 {count} 行不同"
            + ("（只列出前 20 行）" if count > 20 else "")
            + "。"
        )
