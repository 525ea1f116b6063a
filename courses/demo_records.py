"""Demo data of the training record, for `manage.py load_demo`.

Loaded after the people, the course content and the quizzes, it gives every
screen of the record something real to show: the bureau's hour rules and yearly
requirements per position, mandatory courses (some due in a few weeks, one
already overdue), five weeks of lesson reading by the demo officer, the demo
community worker and twenty colleagues, a manual adjustment by the facility
administrator, and the aggregates built from all of it.

Reading goes through the record's own services with the moments a browser would
have sent (`now=`): the lesson opened, a heartbeat a minute while the reader is
active, "complete" when the time rule is met. So the demo exercises the real
write path, and every credited hour has its source fact.

Deterministic: one seeded generator, and a plan that depends only on `today` and
the demo roster. Idempotent: the policy, requirements and assignments are found
before they are made, the adjustment has a fixed token, and a lesson a learner
already has facts for is never read again by the demo, so a second load, even on
another day, adds nothing.
"""

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from courses.demo import PERSONAS, TEXTBOOK_TITLE
from courses.models import (
    Assignment,
    CoursePage,
    FactKind,
    HourCredit,
    HourRequirement,
    LearnerProfile,
    LearningFact,
    LessonPage,
    OrgUnit,
    Position,
    TrainingPolicy,
)
from courses.selectors.records import assigned_learner_ids
from courses.services.records.aggregate import records_refresh_stale
from courses.services.records.exams import quiz_attempt_record
from courses.services.records.facts import LearnerRef, stale_mark
from courses.services.records.lessons import (
    BEAT_SECONDS,
    LessonRef,
    lesson_complete_record,
    lesson_heartbeat_record,
    lesson_opened_record,
    lesson_refs,
)
from courses.services.records.manual import assignment_create, hours_adjust
from courses.services.records.policy import policy_for_unit_path

DEMO_SEED = 20260105
BUREAU_CODE = "GD-JJ"

# ---------------------------------------------------------------- the rules

POLICY_DEFAULTS = {
    "year_starts_month": 1,
    "year_starts_day": 1,
    "exam_pass_hours": Decimal("2.0"),
    "offline_day_hours": Decimal("6.0"),
    "time_cap_ratio": Decimal("2.0"),
}
POLICE_YEARLY_HOURS = Decimal("72")
# Volunteers have open courses and lighter tracking: no yearly requirement.
YEARLY_HOURS = {
    "management": POLICE_YEARLY_HOURS,
    "education": POLICE_YEARLY_HOURS,
    "medical": POLICE_YEARLY_HOURS,
    "psychology": POLICE_YEARLY_HOURS,
    "rehabilitation": POLICE_YEARLY_HOURS,
    "assessment": POLICE_YEARLY_HOURS,
    "enforcement": POLICE_YEARLY_HOURS,
    "community": Decimal("48"),
}


# ---------------------------------------------------------------- assignments


@dataclass(frozen=True)
class AssignmentSpec:
    unit: str  # code of the unit whose subtree is assigned
    positions: tuple[str, ...]  # position codes; empty for everyone
    due_in_days: int  # from `today`; negative: already past
    by: str  # username of the administrator who assigns it
    note: str
    assigned_days_ago: int = 0


# All of the textbook: the only course of the demo catalogue (the resource bank's
# lessons belong to no course).
ASSIGNMENTS = (
    AssignmentSpec(
        "GD-JDB-A",
        ("community",),
        42,
        "bureau_admin",
        "社区禁毒专干全员培训：学完教材全部必修课。",
    ),
    AssignmentSpec(
        "GD-JDB-B",
        ("community",),
        42,
        "bureau_admin",
        "社区禁毒专干全员培训：学完教材全部必修课。",
    ),
    AssignmentSpec(
        "GD-S02",
        ("education", "management"),
        10,
        "bureau_admin",
        "所社衔接专题学习：教育矫治岗、管理岗民警学习社区禁毒专干培训教材。",
    ),
    # Made five weeks ago with three weeks to do it: overdue now.
    AssignmentSpec(
        "GD-S01",
        (),
        -12,
        "facility_admin",
        "所社衔接专题学习：全所民警学习社区禁毒专干培训教材。",
        assigned_days_ago=35,
    ),
)

# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class PersonaPlan:
    """What a demo persona has read: lessons finished, then lessons begun (codes)."""

    id_number: str
    finished: tuple[str, ...]
    begun: tuple[str, ...]


PERSONA_PLANS = (
    # The officer (一所一大队, 执法管理岗): the four-phase model and the hand-over
    # to the community first, then lessons of the bank for his post.
    PersonaPlan(
        "320001",
        finished=(
            "TB-07-01",
            "TB-07-02",
            "ZYK-00006",
            "TB-07-03",
            "TB-07-04",
            "ZYK-00023",
            "TB-03-01",
        ),
        begun=("TB-02-01", "ZYK-00053"),
    ),
    # The community worker: the textbook in order, nearly a third of it.
    PersonaPlan(
        "SQ0001",
        finished=(
            "TB-01-01",
            "TB-01-02",
            "TB-01-03",
            "TB-01-04",
            "ZYK-00017",
            "TB-02-01",
            "TB-02-02",
            "TB-02-03",
            "TB-02-04",
            "ZYK-00049",
            "TB-03-01",
        ),
        begun=("TB-03-02",),
    ),
)
PERSONA_IDS = frozenset(plan.id_number for plan in PERSONA_PLANS)
OTHER_LEARNERS = 20
# A community worker (某县) and an officer of the demo officer's brigade have
# read the whole textbook: the course is complete for them.
COURSE_FINISHERS = frozenset({"SQ0132", "320103"})
# Officers studying the textbook for the hand-over start where it concerns them.
POLICE_TEXTBOOK_CHAPTERS = ("TB-07", "TB-03", "TB-08", "TB-04")
WEEKS_BACK = 5
# When people read: before the morning's work, after lunch, in the evening.
SITTING_STARTS = (time(8, 30), time(10, 0), time(14, 30), time(16, 0), time(20, 0))
PAUSE_CHANCE = 0.08  # a minute without a heartbeat: the reader looked away

ADJUSTMENT = {
    "learner": "320001",
    "by": "facility_admin",
    "hours": Decimal("12.0"),
    "token": "demo-rotation-320001",
    "title": "学时补录：参加省局集中轮训",
    "reason": "参加省局集中轮训2天（每天6学时），按培训班签到表补录。",
}


@dataclass(frozen=True)
class Lesson:
    code: str
    ref: LessonRef
    positions: frozenset[str] = frozenset()  # meant for; empty: everyone


@dataclass(frozen=True)
class Reading:
    lesson: Lesson
    beats: int
    finished: bool


def _policy_ensure(bureau: OrgUnit) -> tuple[bool, int]:
    policy = TrainingPolicy.objects.filter(bureau=bureau).first()
    created = policy is None
    if created:
        policy = TrainingPolicy(bureau=bureau, **POLICY_DEFAULTS)
        policy.full_clean()
        policy.save()
    positions = dict(
        Position.objects.filter(code__in=list(YEARLY_HOURS)).values_list("code", "id")
    )
    made = 0
    for code, hours in YEARLY_HOURS.items():
        if code in positions:
            _, new = HourRequirement.objects.get_or_create(
                policy=policy, position_id=positions[code], defaults={"hours": hours}
            )
            made += new
    return created, made


def _assignment_ensure(
    spec: AssignmentSpec, *, course: CoursePage, today: date, users: dict
) -> bool:
    unit = OrgUnit.objects.filter(code=spec.unit).first()
    by = users.get(spec.by)
    if unit is None or by is None:
        return False
    policy = policy_for_unit_path(unit.path)
    due_on = today + timedelta(days=spec.due_in_days)
    if due_on >= today:
        # Within the training year it belongs to, even late in December.
        year = policy.training_year_of(today)
        due_on = min(due_on, policy.year_bounds(year)[1] - timedelta(days=1))
    else:
        year = policy.training_year_of(due_on)
    if Assignment.objects.filter(
        course=course, unit=unit, training_year=year, withdrawn_at__isnull=True
    ).exists():
        return False
    positions = list(Position.objects.filter(code__in=spec.positions))
    if due_on >= timezone.localdate():
        assignment_create(
            course=course,
            unit=unit,
            positions=positions,
            training_year=year,
            due_on=due_on,
            by=by,
            note=spec.note,
        )
        return True
    # Assigned weeks ago, when the date was still ahead: the service refuses a
    # due date in the past, so the row is written as it stands today.
    assignment = Assignment(
        course=course,
        course_title=course.title,
        unit=unit,
        training_year=year,
        due_on=due_on,
        note=spec.note,
        assigned_by=by,
    )
    assignment.full_clean()
    assignment.save()
    assignment.positions.set(positions)
    assigned_at = timezone.make_aware(
        datetime.combine(today - timedelta(days=spec.assigned_days_ago), time(9, 0))
    )
    Assignment.objects.filter(pk=assignment.pk).update(created_at=assigned_at)
    stale_mark(learner_ids=sorted(assigned_learner_ids(assignment=assignment)))
    return True


def _assigned_to_textbook(course: CoursePage | None) -> set[int]:
    if course is None:
        return set()
    ids: set[int] = set()
    for assignment in Assignment.objects.filter(
        course=course, withdrawn_at__isnull=True
    ):
        ids |= assigned_learner_ids(assignment=assignment)
    return ids


def _learners_pick(rng: random.Random) -> list[LearnerProfile]:
    """The personas with a plan, the course finishers, every other community
    worker, and officers drawn from the roster (not the trainer and the
    administrators, whose screens are the admin ones)."""
    profiles = list(
        LearnerProfile.objects.select_related("unit", "position")
        .filter(user__isnull=False)
        .order_by("id_number")
    )
    planned = PERSONA_IDS | COURSE_FINISHERS
    staff = {p.id_number for p in PERSONAS} - planned
    chosen = [p for p in profiles if p.id_number in planned]
    others = [p for p in profiles if p.id_number not in planned | staff]
    community = [p for p in others if p.position and p.position.code == "community"]
    police = [
        p
        for p in others
        if p.position and p.position.code not in ("community", "volunteer")
    ]
    colleagues = len(chosen) - len(PERSONA_IDS) + len(community)
    count = max(0, min(len(police), OTHER_LEARNERS - colleagues))
    drawn = rng.sample(police, count)
    return chosen + community + sorted(drawn, key=lambda p: p.id_number)


def _beats_for(lesson: Lesson, *, finished: bool, rng: random.Random) -> int:
    needed = lesson.ref.needed_seconds() // BEAT_SECONDS
    if finished:
        # Read for 20 to 40 minutes on a 45-minute lesson: a little past the rule.
        return needed + rng.randint(0, max(2, needed * 2 // 3))
    return rng.randint(3, max(4, needed - 5))


def _plan_persona(
    plan: PersonaPlan, *, by_code: dict[str, Lesson], rng: random.Random
) -> list[Reading]:
    wanted = [(code, True) for code in plan.finished]
    wanted += [(code, False) for code in plan.begun]
    return [
        Reading(by_code[code], _beats_for(by_code[code], finished=done, rng=rng), done)
        for code, done in wanted
        if code in by_code
    ]


def _plan_other(
    learner: LearnerProfile,
    *,
    textbook: Sequence[Lesson],
    bank: Sequence[Lesson],
    assigned: bool,
    rng: random.Random,
) -> list[Reading]:
    """A colleague's reading: the assigned textbook (further along for community
    workers, who use it daily) and a few lessons of the bank meant for their post."""
    position = learner.position.code if learner.position else ""
    community = position == "community"
    book: list[Lesson] = []
    if assigned and community:
        book = list(textbook)
    elif assigned:
        book = [
            lesson
            for prefix in POLICE_TEXTBOOK_CHAPTERS
            for lesson in textbook
            if lesson.code.startswith(prefix)
        ]
        book += [lesson for lesson in textbook if lesson not in book]
    book_done = min(len(book), rng.randint(0, 14) if community else rng.randint(0, 6))
    if learner.id_number in COURSE_FINISHERS:
        book_done = len(book)
    book_track = [(lesson, True) for lesson in book[:book_done]]
    if book_done < len(book) and rng.random() < 0.7:
        book_track.append((book[book_done], False))

    own = [
        lesson
        for lesson in bank
        if not lesson.positions or position in lesson.positions
    ]
    extra = rng.sample(own, min(len(own), rng.randint(0, 2) if community else 3))
    extra_done = len(extra) if rng.random() < 0.6 else max(0, len(extra) - 1)
    bank_track = [(lesson, i < extra_done) for i, lesson in enumerate(extra)]

    merged: list[tuple[Lesson, bool]] = []  # both tracks, each in its own order
    while book_track or bank_track:
        from_book = book_track and (not bank_track or rng.random() < 0.7)
        merged.append((book_track if from_book else bank_track).pop(0))
    return [
        Reading(lesson, _beats_for(lesson, finished=done, rng=rng), done)
        for lesson, done in merged
    ]


def _sittings(
    readings: list[Reading], *, today: date, rng: random.Random
) -> list[tuple[datetime, list[Reading]]]:
    """Readings grouped into sittings of one to three lessons on distinct days of
    the last five weeks (never today, so nothing lies in the future), in order."""
    days_back = WEEKS_BACK * 7
    groups: list[list[Reading]] = []
    rest = list(readings)
    while rest:
        # Longer sittings when there is more to read than days to read it in.
        at_least = -(-len(rest) // (days_back - len(groups)))
        size = max(at_least, rng.choice((1, 2, 2, 3)))
        groups.append(rest[:size])
        rest = rest[size:]
    days = sorted(rng.sample(range(1, days_back + 1), len(groups)), reverse=True)
    sittings = []
    for days_ago, group in zip(days, groups, strict=True):
        start = datetime.combine(
            today - timedelta(days=days_ago), rng.choice(SITTING_STARTS)
        ) + timedelta(minutes=rng.randint(0, 25))
        sittings.append((timezone.make_aware(start), group))
    return sittings


def _beats_write(learner: LearnerRef, lesson: LessonRef, moments: list[datetime]):
    """The facts `lesson_heartbeat_record` makes for `moments`, in one statement:
    the demo's colleagues send thousands of heartbeats, and one call each would
    add seconds to the load. Same keys, so the service would add nothing to them
    (the demo's test checks it)."""
    LearningFact.objects.bulk_create(
        [
            LearningFact(
                learner_id=learner.id,
                unit_id=learner.unit_id,
                kind=FactKind.TIME_ON_TASK,
                key=f"beat:L{lesson.id}:{int(at.timestamp()) // BEAT_SECONDS}",
                occurred_at=at,
                lesson_id=lesson.id,
                seconds=BEAT_SECONDS,
            )
            for at in moments
        ],
        ignore_conflicts=True,
    )
    stale_mark(learner_ids=[learner.id])


def _read(
    learner: LearnerRef,
    reading: Reading,
    *,
    start: datetime,
    rng: random.Random,
    one_by_one: bool,
) -> datetime:
    """One lesson read from `start` as the reader's browser reports it: opened,
    a heartbeat in each active minute, complete once the rule is met. Returns
    when the reader left it. Heartbeats go through the service `one_by_one`,
    or else are written together."""
    lesson = reading.lesson.ref
    lesson_opened_record(learner=learner, lesson=lesson, now=start)
    moments = []
    minute = 0
    for _ in range(reading.beats):
        if rng.random() < PAUSE_CHANCE:
            minute += 1
        moments.append(
            start + timedelta(seconds=minute * BEAT_SECONDS + rng.randint(20, 55))
        )
        minute += 1
    if one_by_one:
        for at in moments:
            lesson_heartbeat_record(learner=learner, lesson=lesson, now=at)
    else:
        _beats_write(learner, lesson, moments)
    left = (moments[-1] if moments else start) + timedelta(seconds=10)
    if reading.finished:
        lesson_complete_record(learner=learner, lesson=lesson, now=left)
    return left


def _reading_seed(
    learners: Sequence[LearnerProfile],
    plans: dict[int, list[tuple[datetime, list[Reading]]]],
) -> tuple[int, int]:
    """Every planned reading not yet in the learner's record; returns how many
    lessons were read and how many of them finished."""
    touched = set(
        LearningFact.objects.filter(
            learner__in=list(learners), lesson__isnull=False
        ).values_list("learner_id", "lesson_id")
    )
    read = finished = 0
    for learner in learners:
        ref = LearnerRef.of(learner)
        for start, group in plans[learner.pk]:
            at = start
            for reading in group:
                if (learner.pk, reading.lesson.ref.id) in touched:
                    continue
                # Its own generator: what is drawn does not depend on what was
                # skipped.
                rng = random.Random(
                    f"{DEMO_SEED}:{learner.id_number}:{reading.lesson.code}"
                )
                left = _read(
                    ref,
                    reading,
                    start=at,
                    rng=rng,
                    one_by_one=learner.id_number in PERSONA_IDS,
                )
                at = left.replace(second=0, microsecond=0) + timedelta(
                    minutes=rng.randint(1, 5)
                )
                read += 1
                finished += reading.finished
    return read, finished


def _exams_record(learners: Iterable[LearnerProfile]) -> int:
    """Passed attempts of the demo learners not yet in their record. The quiz
    engine announces a result after its commit, which a surrounding transaction
    (a test's) holds back; recording is idempotent, so this only fills gaps."""
    from quizzes.models import Attempt

    user_ids = [learner.user_id for learner in learners if learner.user_id]
    recorded = set(
        LearningFact.objects.filter(
            kind=FactKind.QUIZ_PASSED, learner__user_id__in=user_ids
        ).values_list("key", flat=True)
    )
    made = 0
    for attempt in Attempt.objects.filter(
        passed=True, user_id__in=user_ids
    ).select_related("quiz"):
        if f"quiz:{attempt.token}" not in recorded:
            quiz_attempt_record(attempt=attempt)
            made += 1
    return made


def _adjustment_ensure(users: dict) -> bool:
    learner = (
        LearnerProfile.objects.select_related("unit")
        .filter(id_number=ADJUSTMENT["learner"])
        .first()
    )
    by = users.get(ADJUSTMENT["by"])
    if learner is None or by is None:
        return False
    key = f"adjust:{ADJUSTMENT['token']}"
    if LearningFact.objects.filter(learner=learner, key=key).exists():
        return False
    hours_adjust(
        learner=learner,
        hours=ADJUSTMENT["hours"],
        reason=ADJUSTMENT["reason"],
        by=by,
        token=ADJUSTMENT["token"],
        title=ADJUSTMENT["title"],
    )
    return True


def _lessons(
    textbook: CoursePage | None,
) -> tuple[list[Lesson], list[Lesson], dict[str, Lesson]]:
    """The textbook's lessons in book order, the bank's with the positions they
    are meant for, and every one by code."""
    rows = list(
        LessonPage.objects.live()
        .filter(code__isnull=False)
        .order_by("path")
        .values_list("id", "code", "path")
    )
    refs = lesson_refs([pk for pk, _code, _path in rows])
    targets: dict[int, set[str]] = {}
    for pk, code in LessonPage.target_positions.through.objects.filter(
        lessonpage_id__in=list(refs)
    ).values_list("lessonpage_id", "position__code"):
        targets.setdefault(pk, set()).add(code)
    textbook_lessons, bank, by_code = [], [], {}
    for pk, code, path in rows:
        if pk not in refs:
            continue
        lesson = Lesson(code, refs[pk], frozenset(targets.get(pk, ())))
        by_code[code] = lesson
        if textbook is not None and path.startswith(textbook.path):
            textbook_lessons.append(lesson)
        else:
            bank.append(lesson)
    return textbook_lessons, bank, by_code


def _counts() -> dict[str, int]:
    return {
        "facts": LearningFact.objects.count(),
        "credits": HourCredit.objects.count(),
    }


@transaction.atomic
def demo_records_load(*, today: date | None = None) -> dict[str, int]:
    """The training record of the demo: rules, assignments, five weeks of
    reading, an exam and an adjustment credited, current aggregates. Returns
    counts of what it added (all zero on a second run). Reading lies in the
    five weeks before `today` (default: the local date), never on it.

    Offline classes and certificates of the demo are loaded after this, by
    their own functions, once the people have a record to attend and finish.
    """
    today = today or timezone.localdate()
    before = _counts()
    summary = {
        "policy_created": 0,
        "requirements_created": 0,
        "assignments_created": 0,
        "lessons_read": 0,
        "lessons_finished": 0,
        "exams_recorded": 0,
        "adjustments_created": 0,
        "facts_created": 0,
        "credits_created": 0,
        "learners_refreshed": 0,
    }
    bureau = OrgUnit.objects.filter(code=BUREAU_CODE).first()
    if bureau is None:  # the demo people are not loaded
        return summary
    created, requirements = _policy_ensure(bureau)
    summary["policy_created"] = int(created)
    summary["requirements_created"] = requirements

    users = get_user_model().objects.in_bulk(
        ["facility_admin", "bureau_admin"], field_name="username"
    )
    textbook = CoursePage.objects.live().filter(title=TEXTBOOK_TITLE).first()
    if textbook is not None:
        for spec in ASSIGNMENTS:
            summary["assignments_created"] += _assignment_ensure(
                spec, course=textbook, today=today, users=users
            )

    textbook_lessons, bank, by_code = _lessons(textbook)
    learners = _learners_pick(random.Random(DEMO_SEED))
    assigned = _assigned_to_textbook(textbook)
    persona_plans = {plan.id_number: plan for plan in PERSONA_PLANS}
    plans = {}
    for learner in learners:
        rng = random.Random(f"{DEMO_SEED}:{learner.id_number}")
        plan = persona_plans.get(learner.id_number)
        if plan is not None:
            readings = _plan_persona(plan, by_code=by_code, rng=rng)
        else:
            readings = _plan_other(
                learner,
                textbook=textbook_lessons,
                bank=bank,
                assigned=learner.pk in assigned,
                rng=rng,
            )
        plans[learner.pk] = _sittings(readings, today=today, rng=rng)
    read, finished = _reading_seed(learners, plans)
    summary["lessons_read"] = read
    summary["lessons_finished"] = finished
    summary["exams_recorded"] = _exams_record(learners)
    summary["adjustments_created"] = int(_adjustment_ensure(users))

    # Everyone's yearly row, as the roster import would have asked for: reports
    # count the people who have not earned an hour yet too.
    stale_mark(
        learner_ids=LearnerProfile.objects.filter(years__isnull=True).values_list(
            "id", flat=True
        )
    )
    while batch := records_refresh_stale():
        summary["learners_refreshed"] += batch
    after = _counts()
    summary["facts_created"] = after["facts"] - before["facts"]
    summary["credits_created"] = after["credits"] - before["credits"]
    return summary
