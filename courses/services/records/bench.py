"""A province's training record, generated for `bench_records`.

On a scratch database this builds what a province holds after a year of online
training: ~60 units and ~6,000 learners through the roster import, the textbook
course and part of the resource bank as Wagtail pages, and ~1.5 M facts with
their class-hour credits. The facts follow the services' own keys and rules
(one heartbeat fact per minute, 10-second video segments, a completion and one
credit per lesson, an exam credited once), so the aggregates computed from them
are the ones the site would show. They are written in bulk: COPY on PostgreSQL,
bulk_create on SQLite.

A few lessons are left with their rule met but no completion (the reader closed
the tab at the right moment): the batch completes and credits them, as it would
on the site.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from courses.cache import content_version_bump
from courses.demo import TEXTBOOK_SUMMARY, TEXTBOOK_TITLE
from courses.models import (
    Assignment,
    CourseProgress,
    CreditReason,
    FactKind,
    HourCredit,
    LearnerProfile,
    LearnerYear,
    LearningFact,
    LessonPage,
    LessonProgress,
    OrgUnit,
    Position,
    RecordStale,
    UnitMonth,
    UnitYear,
)
from courses.models.pages import CompletionRule, CourseCompletionRule, CoursePage
from courses.textbook import textbook_load

from .lessons import (
    BEAT_SECONDS,
    VIDEO_SEGMENT_SECONDS,
    LessonRef,
    lesson_refs,
)
from .policy import policy_for_unit_path

FINAL_EXAM_CODE = "bench-final"
ID_PREFIX = "B"  # the roster rows of bench_roster.province_records


@dataclass(frozen=True)
class Scale:
    name: str
    learners: int
    # Lessons are generated whole, so a learner ends up with about 15% more facts
    # than this: 215 gives the province's ~1.5 M.
    facts_per_learner: int
    bank_lessons: int
    chapters: int = 9  # of the textbook's nine


SCALES = {
    "tiny": Scale(
        "tiny", learners=24, facts_per_learner=40, bank_lessons=2, chapters=2
    ),
    "small": Scale("small", learners=200, facts_per_learner=75, bank_lessons=10),
    # DOMAIN.md: ~6,000 learners, ~60 units, ~1.5 M lesson-progress facts.
    "province": Scale(
        "province", learners=6000, facts_per_learner=215, bank_lessons=40
    ),
}


def bench_database_check() -> str | None:
    """Why the current database must not be used (its records are erased), or None."""
    name = str(connection.settings_dict["NAME"])
    if "bench" in name or name.startswith("test") or "memory" in name:
        return None
    return name


# ---------------------------------------------------------------- pages, people


def bench_pages_ensure(
    *, bank_lessons: int, chapters: int = 9
) -> tuple[CoursePage, list[LessonRef]]:
    """The textbook course (its first `chapters`, with a final exam and some
    video lessons) and the first lessons of the resource bank, which belong to
    no course."""
    from cms.demo import demo_home_page_load
    from courses.demo import TEXTBOOK_DIR, demo_content_load
    from courses.resource_bank import resource_bank_load

    content = demo_content_load(home=demo_home_page_load(), textbook_dir=None)
    with tempfile.TemporaryDirectory() as directory:
        for path in sorted(TEXTBOOK_DIR.glob("[0-9]*.md"))[:chapters]:
            shutil.copy(path, directory)
        course = textbook_load(
            index_page=content["catalogue"],
            directory=Path(directory),
            slug="textbook",
            title=TEXTBOOK_TITLE,
            summary=TEXTBOOK_SUMMARY,
            code_prefix="TB",
        )
    if bank_lessons:
        resource_bank_load(bank=content["bank"], count=bank_lessons, seed=1)
    # Rules the textbook does not set itself: every fifth lesson is a video to
    # watch, and the course ends with an exam. Page rows only (no revision): this
    # is a scratch database.
    course_lessons = list(
        LessonPage.objects.live().descendant_of(course).order_by("path")
    )
    video_ids = [lesson.pk for lesson in course_lessons[4::5]]
    LessonPage.objects.filter(pk__in=video_ids).update(
        completion_rule=CompletionRule.VIDEO, completion_video_percent=90
    )
    bank_ids = list(
        LessonPage.objects.live()
        .child_of(content["bank"])
        .order_by("path")
        .values_list("pk", flat=True)
    )
    LessonPage.objects.filter(pk__in=bank_ids[:1]).update(
        completion_rule=CompletionRule.OPENED
    )
    CoursePage.objects.filter(pk=course.pk).update(
        completion_rule=CourseCompletionRule.LESSONS_AND_EXAM,
        final_quiz_code=FINAL_EXAM_CODE,
    )
    content_version_bump()
    refs = lesson_refs([lesson.pk for lesson in course_lessons] + bank_ids)
    return course, [refs[pk] for pk in sorted(refs)]


def bench_people_ensure(*, learners: int) -> list[LearnerProfile]:
    """60 units (a bureau, 6 facilities with 2 brigades and 5 centres each, 11
    community offices) and the learners, through the roster import."""
    from courses.catalogue import catalogue_ensure
    from courses.management.commands.bench_roster import province_records
    from courses.services.roster import roster_apply, roster_from_records

    catalogue_ensure()
    records = province_records(facilities=6, offices=11, people=learners)
    roster_apply(roster=roster_from_records(sheets=records))
    return list(
        LearnerProfile.objects.filter(id_number__startswith=ID_PREFIX)
        .select_related("unit")
        .order_by("id_number")[:learners]
    )


def bench_assignment_ensure(*, course: CoursePage, year: int) -> Assignment:
    """The course made mandatory for the education officers of the whole province,
    so learners who never opened it still get a course-progress row."""
    bureau = OrgUnit.objects.get(code="BJ")
    admin, _ = get_user_model().objects.get_or_create(
        username="bench-records-admin", defaults={"password": "!"}
    )
    assignment, created = Assignment.objects.get_or_create(
        course=course,
        unit=bureau,
        training_year=year,
        withdrawn_at=None,
        defaults={
            "course_title": course.title,
            "due_on": date(year, 12, 31),
            "assigned_by": admin,
        },
    )
    if created:
        assignment.positions.set(Position.objects.filter(name="教育矫治岗"))
    return assignment


# ----------------------------------------------------------------------- facts

AGGREGATES = (
    LessonProgress,
    CourseProgress,
    LearnerYear,
    UnitYear,
    UnitMonth,
    RecordStale,
)


def bench_records_clear() -> None:
    """Erase every fact, credit and aggregate (scratch databases only)."""
    models = [HourCredit, LearningFact, *AGGREGATES]
    # TRUNCATE is the fast way on a scratch PostgreSQL database, but not inside
    # a transaction with deferred constraint checks pending (the smoke test).
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for model in models:
            cursor.execute(
                f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}"
            )


FACT_COLUMNS = (
    "id",
    "learner_id",
    "kind",
    "key",
    "lesson_id",
    "quiz_code",
    "unit_id",
    "occurred_at",
    "seconds",
    "value",
    "title",
    "reason",
    "recorded_by_id",
)
CREDIT_COLUMNS = (
    "id",
    "learner_id",
    "key",
    "fact_id",
    "reason",
    "hours",
    "training_year",
    "unit_id",
    "title",
    "credited_at",
)


class _Writer:
    """Numbers facts and credits itself, so a credit can name its fact before
    either is written."""

    def __init__(self):
        self.facts: list[tuple] = []
        self.credits: list[tuple] = []
        self.fact_id = 0
        self.credit_id = 0

    def fact(
        self,
        learner: LearnerProfile,
        kind: str,
        key: str,
        at: datetime,
        *,
        lesson_id=None,
        quiz_code="",
        seconds=None,
        value=None,
        title="",
        reason="",
    ) -> int:
        self.fact_id += 1
        self.facts.append(
            (
                self.fact_id,
                learner.pk,
                kind,
                key,
                lesson_id,
                quiz_code,
                learner.unit_id,
                at,
                seconds,
                value,
                title[:255],
                reason,
                None,
            )
        )
        return self.fact_id

    def credit(self, learner, key, fact_id, reason, hours, year, title, at) -> None:
        self.credit_id += 1
        self.credits.append(
            (
                self.credit_id,
                learner.pk,
                key,
                fact_id,
                reason,
                hours,
                year,
                learner.unit_id,
                title[:255],
                at,
            )
        )


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def _learner_facts(
    writer: _Writer,
    rng: random.Random,
    learner: LearnerProfile,
    lessons: list[LessonRef],
    target: int,
    now: datetime,
) -> None:
    policy = policy_for_unit_path(learner.unit.path)
    start = writer.fact_id
    for lesson in rng.sample(lessons, len(lessons)):
        if writer.fact_id - start >= target:
            break
        at = _minute(now - timedelta(days=rng.uniform(2, 400)))
        done_at = None
        if lesson.rule == CompletionRule.OPENED:
            done_at = at
        else:
            writer.fact(
                learner,
                FactKind.LESSON_OPENED,
                f"open:L{lesson.id}",
                at,
                lesson_id=lesson.id,
                title=lesson.title,
            )
        if lesson.rule == CompletionRule.TIME:
            cap = int(lesson.minutes * 2)
            needed = lesson.needed_seconds() // BEAT_SECONDS
            beats = rng.randint(3, cap + 10)
            for minute in range(beats):
                beat_at = at + timedelta(minutes=minute, seconds=rng.randint(0, 50))
                writer.fact(
                    learner,
                    FactKind.TIME_ON_TASK,
                    f"beat:L{lesson.id}:{int(beat_at.timestamp()) // BEAT_SECONDS}",
                    beat_at,
                    lesson_id=lesson.id,
                    seconds=BEAT_SECONDS,
                )
                if minute + 1 == needed:
                    done_at = beat_at + timedelta(seconds=5)
        elif lesson.rule == CompletionRule.VIDEO:
            duration = min(lesson.minutes, 15) * 60  # the lesson's video
            segments = -(-duration // VIDEO_SEGMENT_SECONDS)
            played = rng.randint(segments // 4, segments)
            for segment in range(played):
                seen_at = at + timedelta(seconds=segment * VIDEO_SEGMENT_SECONDS)
                writer.fact(
                    learner,
                    FactKind.VIDEO,
                    f"video:L{lesson.id}:{segment}",
                    seen_at,
                    lesson_id=lesson.id,
                    seconds=segment * VIDEO_SEGMENT_SECONDS,
                    value=Decimal(duration),
                )
                if (segment + 1) * 100 // segments >= lesson.video_percent:
                    done_at = done_at or seen_at + timedelta(seconds=5)
        # One reader in twenty closes the tab before the browser reports the
        # lesson complete: the batch completes it.
        if done_at is None or rng.random() < 0.05:
            continue
        fact_id = writer.fact(
            learner,
            FactKind.LESSON_COMPLETED,
            f"done:L{lesson.id}",
            done_at,
            lesson_id=lesson.id,
            title=lesson.title,
        )
        if lesson.class_hours > 0:
            writer.credit(
                learner,
                f"lesson:L{lesson.id}",
                fact_id,
                CreditReason.LESSON,
                lesson.class_hours,
                policy.training_year_of(done_at),
                lesson.title,
                done_at,
            )
    if rng.random() < 0.25:  # the course's final exam, once or twice passed
        for attempt in range(rng.choice([1, 1, 1, 2])):
            passed_at = now - timedelta(days=rng.uniform(1, 300))
            fact_id = writer.fact(
                learner,
                FactKind.QUIZ_PASSED,
                f"quiz:bench-{learner.pk}-{attempt}",
                passed_at,
                quiz_code=FINAL_EXAM_CODE,
                value=Decimal(rng.randint(60, 100)),
                title="社区禁毒专干培训教材结业考试",
            )
            if attempt == 0:
                writer.credit(
                    learner,
                    f"exam:{FINAL_EXAM_CODE}",
                    fact_id,
                    CreditReason.EXAM,
                    policy.exam_pass_hours,
                    policy.training_year_of(passed_at),
                    "社区禁毒专干培训教材结业考试",
                    passed_at,
                )
    if rng.random() < 0.03:  # an administrator's adjustment
        adjusted_at = now - timedelta(days=rng.uniform(1, 300))
        hours = Decimal(rng.choice([-2, 1, 2, 4]))
        reason = "补录省厅集中轮训学时"
        fact_id = writer.fact(
            learner,
            FactKind.ADJUSTMENT,
            f"adjust:bench-{learner.pk}",
            adjusted_at,
            value=hours,
            title=f"学时调整：{reason}",
            reason=reason,
        )
        writer.credit(
            learner,
            f"adjust:bench-{learner.pk}",
            fact_id,
            CreditReason.ADJUSTMENT,
            hours,
            policy.training_year_of(adjusted_at),
            f"学时调整：{reason}",
            adjusted_at,
        )


def _rows_write(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    # TRUNCATE is the fast way on a scratch PostgreSQL database, but not inside
    # a transaction with deferred constraint checks pending (the smoke test).
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        # psycopg's COPY: the rows stream to the server without SQL per row.
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    model.objects.bulk_create(
        (model(**dict(zip(columns, row, strict=True))) for row in rows),
        batch_size=2000,
    )


def _foreign_key_checks_defer() -> None:
    """On PostgreSQL as a superuser, skip the per-row foreign-key triggers for
    this transaction: every id written comes from a row just read, and the
    checks would take longer than the COPY itself. Unique indexes still apply."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


def _sequences_reset(*models) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def bench_facts_generate(
    *,
    learners: list[LearnerProfile],
    lessons: list[LessonRef],
    facts_per_learner: int,
    seed: int = 7,
    now: datetime | None = None,
    chunk: int = 500,
) -> dict[str, int]:
    """Facts and credits for every learner, written in chunks of learners; every
    learner is left marked stale, as the events would have left them."""
    now = now or timezone.now()
    rng = random.Random(seed)
    writer = _Writer()
    base = (
        LearningFact.objects.order_by("-id").values_list("id", flat=True).first() or 0
    )
    credit_base = (
        HourCredit.objects.order_by("-id").values_list("id", flat=True).first() or 0
    )
    writer.fact_id, writer.credit_id = base, credit_base
    counts = {"facts": 0, "credits": 0}
    with transaction.atomic():
        _foreign_key_checks_defer()
        for group in _chunks(learners, chunk):
            for learner in group:
                target = int(facts_per_learner * rng.uniform(0.5, 1.5))
                _learner_facts(writer, rng, learner, lessons, target, now)
            _rows_write(LearningFact, FACT_COLUMNS, writer.facts)
            _rows_write(HourCredit, CREDIT_COLUMNS, writer.credits)
            counts["facts"] += len(writer.facts)
            counts["credits"] += len(writer.credits)
            writer.facts, writer.credits = [], []
        _sequences_reset(LearningFact, HourCredit)
        RecordStale.objects.bulk_create(
            [RecordStale(learner_id=learner.pk) for learner in learners],
            ignore_conflicts=True,
            batch_size=2000,
        )
    return counts


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
