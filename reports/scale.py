"""Scale data for the reports: organisations, people, assignments, facts, credits,
exam attempts and their aggregates, at the sizes of ../shared/DOMAIN.md.

`generate_scale` runs this on a scratch database. The facts come from the
training-record benchmark (`courses.services.records.bench`): the services' own
keys and rules, lesson pages built through Wagtail. Around them this adds what
the reports need: bureaus with facilities (brigades and the five centres) and
community offices with stations under realistic names; learners with their
account, position and open membership; mandatory assignments (to a whole
bureau, to positions, to single facilities; some already past due); exam-mode
quizzes with marked attempts, passed and failed.

Everything generated is recognisable by its prefix (unit codes, id numbers,
usernames, quiz codes), so a database holding anything else is refused, and a
second run can clear what the first made.

Rows are written in bulk: COPY on PostgreSQL, bulk_create on SQLite. The
aggregates are either rebuilt afterwards by `records_rebuild` (tiny, province)
or computed here while the facts are still in memory and written with COPY
(national, where the rebuild would take hours): the same functions decide,
and a test proves both ways give identical rows.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.management.commands.bench_roster import CENTRES
from courses.models import (
    Assignment,
    CourseProgress,
    CreditReason,
    FactKind,
    HourCredit,
    HourRequirement,
    LearnerProfile,
    LearnerYear,
    LearningFact,
    LessonPage,
    LessonProgress,
    OrgUnit,
    Position,
    TrainingPolicy,
    UnitKind,
    UnitMembership,
    UnitMonth,
    UnitYear,
    User,
)
from courses.models.learners import IdentityKind, MembershipSource
from courses.models.pages import CoursePage
from courses.models.roles import Role, RoleAssignment
from courses.services.records import bench
from courses.services.records.aggregate import (
    _course_progress_row,
    _lesson_progress_row,
    _prerequisites_apply,
    _with_prerequisites,
    _years_complete,
    course_structure,
)
from courses.services.records.lessons import LessonRef, lesson_status_from_facts
from courses.services.records.policy import policy_for_unit_path

PREFIX = "SIM"  # unit codes and id numbers; usernames and quiz codes in lower case
USER_PREFIX = PREFIX.lower()


@dataclass(frozen=True)
class Scale:
    name: str
    bureaus: int
    facilities: int  # per bureau, each with brigades and the five centres
    brigades: int
    centres: int
    offices: int  # community offices per bureau, each with stations
    stations: int
    learners: int
    facts_per_learner: int  # as in bench.Scale: about 15% more are made
    bank_lessons: int
    chapters: int
    practice_attempts: int  # practice attempts per learner, besides the exams


SCALES = {
    "tiny": Scale("tiny", 1, 2, 2, 2, 1, 2, 36, 40, 2, 2, 2),
    # DOMAIN.md: ~6,000 learners, ~1.5 M facts, ~200 K quiz attempts a year.
    "province": Scale("province", 1, 12, 2, 5, 8, 3, 6000, 215, 40, 9, 28),
    # DOMAIN.md: ~4,000 units (360 facilities), ~150,000 learners, ~40 M facts,
    # ~5 M quiz attempts a year.
    "national": Scale("national", 31, 12, 2, 5, 8, 3, 150_000, 230, 40, 9, 28),
}


def _words(text: str) -> list[str]:
    return text.split()


PROVINCES = _words(
    "湖南省 湖北省 广东省 广西壮族自治区 四川省 贵州省 云南省 江西省 浙江省 "
    "江苏省 安徽省 福建省 山东省 河南省 河北省 山西省 陕西省 甘肃省 青海省 "
    "宁夏回族自治区 新疆维吾尔自治区 内蒙古自治区 黑龙江省 吉林省 辽宁省 "
    "海南省 重庆市 北京市 天津市 上海市 西藏自治区"
)
NUMERALS = _words("一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五")
DISTRICTS = _words(
    "城关区 城东区 城西区 高新区 经开区 江北区 江南区 新城区 "
    "临江县 青山县 白水县 东山县"
)
STREETS = _words(
    "解放路 人民路 建设路 和平路 中山路 新华路 胜利路 文化路 朝阳路 光明路"
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许"
    "韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰晓东海峰"
CENTRE_POSITIONS = (
    "medical",
    "education",
    "psychology",
    "rehabilitation",
    "assessment",
)
REQUIRED_HOURS = {
    "management": Decimal("40"),
    "education": Decimal("60"),
    "medical": Decimal("50"),
    "psychology": Decimal("50"),
    "rehabilitation": Decimal("50"),
    "assessment": Decimal("50"),
    "enforcement": Decimal("48"),
    "community": Decimal("40"),
}
# Extra courses, each one chapter of the textbook under its own title.
EXTRA_COURSES = (
    ("sim-law", "戒毒人民警察执法规范", "SIMB", 2),
    ("sim-method", "科学戒治方法与心理矫治", "SIMC", 5),
)
EXAMS = (  # code suffix, title
    ("business", "年度综合业务考核"),
    ("mustknow", "岗位应知应会测试"),
)
FINAL_EXAM_TITLE = "社区禁毒专干培训教材结业考试"


# ------------------------------------------------------------------ safety


def scale_database_refusal() -> str | None:
    """Why this database must not receive scale data (it holds people or units
    that were not generated), or None."""
    others = LearnerProfile.objects.exclude(id_number__startswith=PREFIX).count()
    if others:
        return _("%(n)s 名非生成的学员") % {"n": others}
    units = OrgUnit.objects.exclude(code__startswith=PREFIX).count()
    if units:
        return _("%(n)s 个非生成的单位") % {"n": units}
    return None


def generated_users():
    """The learners' accounts (sim0000001 …) and the administrators' (sim-…)."""
    return User.objects.filter(username__regex=rf"^{USER_PREFIX}(-|[0-9])")


def scale_present() -> bool:
    return OrgUnit.objects.filter(code__startswith=PREFIX).exists()


def scale_clear() -> None:
    """Erase everything a previous run generated (call only after
    `scale_database_refusal` found nothing else)."""
    bench.bench_records_clear()  # facts, credits, aggregates: all generated
    from quizzes.models import Attempt

    users = generated_users()
    units = OrgUnit.objects.filter(code__startswith=PREFIX)
    with transaction.atomic():
        Attempt.objects.filter(user__in=users)._raw_delete(connection.alias)
        assignments = Assignment.objects.filter(unit__in=units)
        Assignment.positions.through.objects.filter(
            assignment__in=assignments
        )._raw_delete(connection.alias)
        assignments._raw_delete(connection.alias)
        UnitMembership.objects.filter(unit__in=units)._raw_delete(connection.alias)
        LearnerProfile.objects.filter(unit__in=units)._raw_delete(connection.alias)
        RoleAssignment.objects.filter(unit__in=units).delete()
        User.groups.through.objects.filter(user__in=users).delete()
        users._raw_delete(connection.alias)
        HourRequirement.objects.filter(policy__bureau__in=units).delete()
        TrainingPolicy.objects.filter(bureau__in=units).delete()
        units._raw_delete(connection.alias)


# ----------------------------------------------------------------- writing


def rows_copy(model, columns: tuple[str, ...], rows: list[tuple]) -> int:
    """Write rows in bulk with the benchmark's writer (COPY on PostgreSQL outside
    a transaction, bulk_create otherwise); returns how many."""
    bench._rows_write(model, columns, rows)
    return len(rows)


@contextmanager
def foreign_key_triggers_off():
    """On PostgreSQL as a superuser, outside a transaction (where COPY is used),
    skip the per-row foreign-key triggers for this session while generating:
    every id written was just generated or read. Unique indexes still apply."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        superuser = cursor.fetchone()[0]
        if superuser:
            cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        if superuser:
            with connection.cursor() as cursor:
                cursor.execute("RESET session_replication_role")


def instances_copy(model, instances: list) -> int:
    """Unsaved model instances through `rows_copy` (their id left to the database)."""
    columns = tuple(f.attname for f in model._meta.concrete_fields if not f.primary_key)
    return rows_copy(
        model, columns, [tuple(getattr(o, c) for c in columns) for o in instances]
    )


def _next_id(model) -> int:
    return (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1


# ------------------------------------------------------------ organisation


@dataclass
class UnitRef:
    """What the generator and the aggregate functions need of a unit."""

    id: int
    path: str
    code: str
    kind: str


@dataclass
class LearnerRow:
    """A generated learner, light enough to hold 150,000 of them: it has the
    attributes of a LearnerProfile that the record functions read."""

    pk: int
    user_id: int
    unit: UnitRef
    position_id: int

    @property
    def unit_id(self) -> int:
        return self.unit.id


def _tree_rows(scale: Scale) -> list[tuple[str, str, str, str | None]]:
    """(code, name, kind, parent code) of every unit, parents first."""
    rows = []
    for b in range(1, scale.bureaus + 1):
        province = PROVINCES[(b - 1) % len(PROVINCES)]
        bureau = f"{PREFIX}{b:02d}"
        rows.append((bureau, f"{province}戒毒管理局", UnitKind.BUREAU, None))
        for f in range(1, scale.facilities + 1):
            code = f"{bureau}-S{f:02d}"
            name = (
                f"{province}女子强制隔离戒毒所"
                if f == scale.facilities and f > 2
                else f"{province}第{NUMERALS[f - 1]}强制隔离戒毒所"
            )
            rows.append((code, name, UnitKind.FACILITY, bureau))
            for d in range(1, scale.brigades + 1):
                rows.append(
                    (
                        f"{code}-D{d}",
                        f"{name}{NUMERALS[d - 1]}大队",
                        UnitKind.BRIGADE,
                        code,
                    )
                )
            for c, centre in enumerate(CENTRES[: scale.centres], 1):
                rows.append((f"{code}-C{c}", f"{name}{centre}", UnitKind.CENTRE, code))
        for o in range(1, scale.offices + 1):
            code = f"{bureau}-O{o:02d}"
            district = DISTRICTS[(o - 1) % len(DISTRICTS)]
            rows.append((code, f"{district}禁毒办", UnitKind.COMMUNITY_OFFICE, bureau))
            for s in range(1, scale.stations + 1):
                street = STREETS[(o * 3 + s) % len(STREETS)]
                rows.append(
                    (
                        f"{code}-Z{s}",
                        f"{district}{street}街道社区康复工作站",
                        UnitKind.COMMUNITY_STATION,
                        code,
                    )
                )
    return rows


def units_create(scale: Scale) -> dict[str, UnitRef]:
    """The tree in one bulk insert: materialised paths computed here, siblings in
    code order as treebeard's `node_order_by` keeps them."""
    rows = _tree_rows(scale)
    children: dict[str | None, list[str]] = defaultdict(list)
    for code, _name, _kind, parent in rows:
        children[parent].append(code)
    roots = OrgUnit.get_root_nodes().count()
    path: dict[str, str] = {}
    for code, _name, _kind, parent in rows:
        siblings = sorted(children[parent])
        step = siblings.index(code) + 1 + (roots if parent is None else 0)
        base = path[parent] if parent else ""
        path[code] = OrgUnit._get_path(base, len(base) // OrgUnit.steplen + 1, step)
    OrgUnit.objects.bulk_create(
        [
            OrgUnit(
                code=code,
                name=name,
                kind=kind,
                path=path[code],
                depth=len(path[code]) // OrgUnit.steplen,
                numchild=len(children[code]),
            )
            for code, name, kind, _parent in rows
        ],
        batch_size=1000,
    )
    return {
        code: UnitRef(pk, p, code, kind)
        for pk, p, code, kind in OrgUnit.objects.filter(
            code__startswith=PREFIX
        ).values_list("id", "path", "code", "kind")
    }


def _leaf_slots(units: dict[str, UnitRef], positions: dict[str, int]):
    """Where people sit, with weights: brigades hold most officers, each centre
    its own position, a facility's head office its managers; stations the
    community workers."""
    slots = []
    for code, unit in units.items():
        if unit.kind == UnitKind.FACILITY:
            slots.append((unit, IdentityKind.OFFICER, ("management",), 3))
        elif unit.kind == UnitKind.BRIGADE:
            slots.append((unit, IdentityKind.OFFICER, ("enforcement", "education"), 14))
        elif unit.kind == UnitKind.CENTRE:
            position = CENTRE_POSITIONS[int(code[-1]) - 1]
            slots.append((unit, IdentityKind.OFFICER, (position,), 4))
        elif unit.kind == UnitKind.COMMUNITY_OFFICE:
            slots.append((unit, IdentityKind.COMMUNITY_WORKER, ("community",), 2))
        elif unit.kind == UnitKind.COMMUNITY_STATION:
            slots.append((unit, IdentityKind.COMMUNITY_WORKER, ("community",), 10))
    return [(u, i, [positions[p] for p in ps], w) for u, i, ps, w in slots]


def people_create(
    *, scale: Scale, units: dict[str, UnitRef], year: int, rng: random.Random
) -> tuple[list[LearnerRow], dict[str, int]]:
    """Users, learner profiles and open memberships, with ids chosen here so
    the three tables are written with COPY without reading anything back."""
    positions = dict(Position.objects.values_list("code", "id"))
    slots = _leaf_slots(units, positions)
    weights = [w for *_rest, w in slots]
    user_id, learner_id = _next_id(User), _next_id(LearnerProfile)
    now = timezone.now()
    users, profiles, memberships, learners = [], [], [], []
    for n in range(scale.learners):
        unit, identity, choices, _w = rng.choices(slots, weights)[0]
        position_id = rng.choice(choices)
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        uid, lid = user_id + n, learner_id + n
        number = f"{PREFIX}{n + 1:07d}"
        users.append((uid, "!", False, number.lower(), "", "", "", False, True, now))
        profiles.append(
            (lid, uid, name, number, identity, position_id, unit.id, "", now, now)
        )
        started = date(year - rng.randint(1, 12), rng.randint(1, 12), 1)
        memberships.append(
            (lid, unit.id, started, None, MembershipSource.DEMO, None, None, now)
        )
        learners.append(LearnerRow(lid, uid, unit, position_id))
    counts = {
        "users": rows_copy(
            User,
            (
                "id",
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
            ),
            users,
        ),
        "learners": rows_copy(
            LearnerProfile,
            (
                "id",
                "user_id",
                "real_name",
                "id_number",
                "identity",
                "position_id",
                "unit_id",
                "phone",
                "created_at",
                "updated_at",
            ),
            profiles,
        ),
        "memberships": rows_copy(
            UnitMembership,
            (
                "learner_id",
                "unit_id",
                "started_on",
                "ended_on",
                "source",
                "roster_import_id",
                "recorded_by_id",
                "recorded_at",
            ),
            memberships,
        ),
    }
    bench._sequences_reset(User, LearnerProfile)
    return learners, counts


def administrators_create(units: dict[str, UnitRef]) -> int:
    """A bureau administrator per bureau (sim-admin-01 …), a facility
    administrator of the first facility, and a superuser (sim-superuser): the
    accounts `bench_reports` reads as. No password: log in with force_login."""
    from courses.services.roles import role_grant

    def account(name: str, **flags) -> User:
        return User.objects.create(
            username=f"{USER_PREFIX}-{name}", password="!", **flags
        )

    for code, unit in units.items():
        if unit.kind == UnitKind.BUREAU:
            role_grant(
                user=account(f"admin-{code[-2:]}"),
                role=Role.BUREAU_ADMIN,
                unit=OrgUnit.objects.get(pk=unit.id),
            )
    role_grant(
        user=account("facility-admin"),
        role=Role.FACILITY_ADMIN,
        unit=OrgUnit.objects.get(code=f"{PREFIX}01-S01"),
    )
    account("superuser", is_superuser=True, is_staff=True)
    return User.objects.filter(username__startswith=f"{USER_PREFIX}-").count()


def policies_create(units: dict[str, UnitRef]) -> None:
    positions = dict(Position.objects.values_list("code", "id"))
    for unit in units.values():
        if unit.kind != UnitKind.BUREAU:
            continue
        policy = TrainingPolicy.objects.create(bureau_id=unit.id)
        HourRequirement.objects.bulk_create(
            HourRequirement(policy=policy, position_id=positions[code], hours=hours)
            for code, hours in REQUIRED_HOURS.items()
        )
    from courses.services.records.policy import policy_version_bump

    policy_version_bump()


# ---------------------------------------------------------- courses, exams


def courses_ensure(scale: Scale) -> tuple[list[CoursePage], list[LessonRef]]:
    """The benchmark's textbook course and bank lessons, and two more courses
    (one chapter of the textbook each) so that assignments can differ."""
    from courses.demo import TEXTBOOK_DIR
    from courses.management.commands.import_lessons import _wagtail_page_logs_quiet
    from courses.models import CourseIndexPage
    from courses.services.records.lessons import lesson_refs
    from courses.textbook import textbook_load

    with _wagtail_page_logs_quiet():
        textbook, refs = bench.bench_pages_ensure(
            bank_lessons=scale.bank_lessons, chapters=scale.chapters
        )
        catalogue = CourseIndexPage.objects.live().first()
        courses = [textbook]
        chapters = sorted(TEXTBOOK_DIR.glob("[0-9]*.md"))
        for slug, title, prefix, chapter in EXTRA_COURSES:
            with tempfile.TemporaryDirectory() as directory:
                shutil.copy(chapters[chapter - 1], directory)
                courses.append(
                    textbook_load(
                        index_page=catalogue,
                        directory=Path(directory),
                        slug=slug,
                        title=title,
                        summary=title,
                        code_prefix=prefix,
                    )
                )
    from courses.cache import content_version_bump

    content_version_bump()
    more = lesson_refs(
        pk
        for course in courses[1:]
        for pk in LessonPage.objects.live()
        .descendant_of(course)
        .values_list("id", flat=True)
    )
    return courses, refs + [more[pk] for pk in sorted(more)]


def quizzes_ensure(year: int) -> dict[str, object]:
    """The exam-mode quizzes learners sit (the textbook's final exam, whose code
    the benchmark's facts use, and two yearly exams) and a practice quiz."""
    from quizzes.models import Quiz, QuizMode
    from quizzes.models.quizzes import ReviewPolicy

    closes = timezone.make_aware(datetime(year, 12, 31, 18))
    specs = [(bench.FINAL_EXAM_CODE, FINAL_EXAM_TITLE, QuizMode.EXAM)]
    specs += [
        (f"{USER_PREFIX}-{year}-{code}", f"{year}年{title}", QuizMode.EXAM)
        for code, title in EXAMS
    ]
    specs.append((f"{USER_PREFIX}-practice", "禁毒法律法规练习", QuizMode.PRACTICE))
    quizzes = {}
    for slug, title, mode in specs:
        exam = mode == QuizMode.EXAM
        quizzes[slug], _ = Quiz.objects.get_or_create(
            slug=slug,
            defaults={
                "title": title,
                "mode": mode,
                "review_policy": ReviewPolicy.AFTER_SUBMIT
                if exam
                else ReviewPolicy.IMMEDIATELY,
                "closes_at": closes if exam else None,
                "time_limit": 90 if exam else None,
                "is_published": True,
            },
        )
    return quizzes


def assignments_create(
    *, courses: list[CoursePage], units: dict[str, UnitRef], year: int
) -> int:
    """Per bureau: the textbook for education officers and community workers
    (due mid-year, past), the law course for everyone (due at the year's end),
    the methods course for every other facility alone (due in September), and
    last year's textbook for managers."""
    admin = User.objects.filter(username__startswith=f"{USER_PREFIX}-admin").first()
    positions = dict(Position.objects.values_list("code", "id"))
    textbook, law, method = courses
    made = []
    for code, unit in units.items():
        if unit.kind == UnitKind.BUREAU:
            made += [
                (textbook, unit, year, date(year, 6, 30), ("education", "community")),
                (law, unit, year, date(year, 12, 31), ()),
                (textbook, unit, year - 1, date(year - 1, 12, 31), ("management",)),
            ]
        elif unit.kind == UnitKind.FACILITY and int(code[-2:]) % 2:
            made.append((method, unit, year, date(year, 9, 30), ()))
    for course, unit, training_year, due_on, position_codes in made:
        assignment = Assignment.objects.create(
            course=course,
            course_title=course.title,
            unit_id=unit.id,
            training_year=training_year,
            due_on=due_on,
            assigned_by=admin,
        )
        if position_codes:
            assignment.positions.set([positions[c] for c in position_codes])
    return len(made)


# ---------------------------------------------------------------- learners

ATTEMPT_COLUMNS = (
    "token",
    "user_id",
    "quiz_id",
    "number",
    "status",
    "started_at",
    "deadline",
    "submitted_at",
    "submit_reason",
    "score",
    "max_score",
    "percent",
    "passed",
    "marked_at",
)


@dataclass
class Totals:
    """Rows written so far, and the unit totals of the credits written."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unit_years: dict = field(
        default_factory=lambda: defaultdict(lambda: [Decimal(0), 0, set()])
    )
    unit_months: dict = field(
        default_factory=lambda: defaultdict(lambda: [Decimal(0), 0])
    )


class Generator:
    """Facts, credits and attempts learner by learner, written per chunk; with
    `aggregates=True` also the aggregates, computed from what is in memory."""

    def __init__(
        self,
        *,
        lessons: list[LessonRef],
        quizzes: dict,
        facts_per_learner: int,
        practice_attempts: int,
        now: datetime,
        seed: int,
        aggregates: bool,
    ):
        from quizzes.models import QuizMode

        self.lessons = lessons
        self.refs = {ref.id: ref for ref in lessons}
        self.final = quizzes[bench.FINAL_EXAM_CODE]
        self.exams = [
            q
            for slug, q in quizzes.items()
            if q.mode == QuizMode.EXAM and slug != bench.FINAL_EXAM_CODE
        ]
        self.practice = [q for q in quizzes.values() if q.mode == QuizMode.PRACTICE]
        self.facts_per_learner = facts_per_learner
        self.practice_attempts = practice_attempts
        self.now = now
        self.rng = random.Random(seed)
        self.aggregates = aggregates
        self.writer = bench._Writer()
        self.writer.fact_id = _next_id(LearningFact) - 1
        self.writer.credit_id = _next_id(HourCredit) - 1
        self.attempts: list[tuple] = []
        self.attempt_serial = 0
        self.totals = Totals()
        self.courses = course_structure() if aggregates else {}

    # ---- per learner

    def learner(self, learner: LearnerRow) -> list[dict]:
        """Generate one learner's record; returns their facts (as the aggregate
        functions read them)."""
        first = len(self.writer.facts)
        target = int(self.facts_per_learner * self.rng.uniform(0.5, 1.5))
        bench._learner_facts(
            self.writer, self.rng, learner, self.lessons, target, self.now
        )
        self._final_exam_attempts(learner, first)
        for quiz in self.exams:
            if self.rng.random() < 0.6:
                self._exam_attempts(learner, quiz)
        for number in range(1, self.practice_attempts + 1):
            self._attempt(
                learner, self.practice[0], number, self._percent(), self._marked_at()
            )
        return [
            {
                "kind": row[2],
                "lesson_id": row[4],
                "quiz_code": row[5],
                "occurred_at": row[7],
                "seconds": row[8],
                "value": row[9],
            }
            for row in self.writer.facts[first:]
        ]

    def _percent(self) -> Decimal:
        return Decimal(min(100, max(20, round(self.rng.gauss(72, 14) * 2) / 2)))

    def _marked_at(self) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(1, 330))

    def _attempt(self, learner, quiz, number, percent, marked_at, token=None) -> str:
        self.attempt_serial += 1
        token = token or f"{USER_PREFIX}{self.attempt_serial:x}"
        started = marked_at - timedelta(minutes=self.rng.randint(10, 80))
        self.attempts.append(
            (
                token,
                learner.user_id,
                quiz.pk,
                number,
                "marked",
                started,
                started + timedelta(minutes=90) if quiz.time_limit else None,
                marked_at,
                "learner",
                percent,
                Decimal(100),
                percent,
                percent >= quiz.pass_mark,
                marked_at,
            )
        )
        return token

    def _final_exam_attempts(self, learner: LearnerRow, first: int) -> None:
        """An attempt for each pass of the final exam the benchmark's facts hold
        (keyed by the attempt's token), after a failed one now and then."""
        passes = [
            row
            for row in self.writer.facts[first:]
            if row[2] == FactKind.QUIZ_PASSED and row[5] == bench.FINAL_EXAM_CODE
        ]
        number = 0
        if (passes and self.rng.random() < 0.2) or (
            not passes and self.rng.random() < 0.08
        ):
            number += 1
            at = (min(r[7] for r in passes) if passes else self.now) - timedelta(
                days=self.rng.uniform(1, 20)
            )
            percent = Decimal(self.rng.randint(20, 59))
            self._attempt(learner, self.final, number, percent, at)
        for row in sorted(passes, key=lambda r: r[7]):
            number += 1
            token = row[3].removeprefix("quiz:")
            self._attempt(learner, self.final, number, row[9], row[7], token=token)

    def _exam_attempts(self, learner: LearnerRow, quiz) -> None:
        """One or two attempts; a passed one is a fact, the first pass earns the
        policy's exam hours (as `quiz_attempt_record` records them)."""
        credited = False
        at = self._marked_at()
        for number in range(1, self.rng.choice((1, 1, 2)) + 1):
            percent = self._percent()
            token = self._attempt(learner, quiz, number, percent, at)
            if percent >= quiz.pass_mark:
                fact_id = self.writer.fact(
                    learner,
                    FactKind.QUIZ_PASSED,
                    f"quiz:{token}",
                    at,
                    quiz_code=quiz.slug,
                    value=percent,
                    title=quiz.title,
                )
                policy = policy_for_unit_path(learner.unit.path)
                if not credited and policy.exam_pass_hours > 0:
                    self.writer.credit(
                        learner,
                        f"exam:{quiz.slug}",
                        fact_id,
                        CreditReason.EXAM,
                        policy.exam_pass_hours,
                        policy.training_year_of(at),
                        quiz.title,
                        at,
                    )
                    credited = True
            at += timedelta(days=self.rng.uniform(1, 15))

    def lesson_statuses(self, learner: LearnerRow, facts: list[dict]) -> dict:
        """Where the learner stands on each lesson. A lesson whose rule is met
        but that the browser never reported complete is completed here, as the
        batch would (a fact at the last moment seen, and its credit), so the
        record is final and the rebuild adds nothing."""
        # The generator never revokes a pass, so every pass stands.
        passes = [f for f in facts if f["kind"] == FactKind.QUIZ_PASSED]
        passed = {f["quiz_code"] for f in passes}
        by_lesson: dict[int, list[dict]] = defaultdict(list)
        for fact in facts:
            if fact["lesson_id"]:
                by_lesson[fact["lesson_id"]].append(fact)
        statuses = {}
        for lesson_id, lesson_facts in by_lesson.items():
            lesson = self.refs[lesson_id]
            status = lesson_status_from_facts(
                lesson=lesson,
                facts=lesson_facts,
                passed_quiz_codes=passed,
                unit_path=learner.unit.path,
            )
            if status.rule_met and status.completed_at is None:
                at = status.last_seen_at
                fact_id = self.writer.fact(
                    learner,
                    FactKind.LESSON_COMPLETED,
                    f"done:L{lesson.id}",
                    at,
                    lesson_id=lesson.id,
                    title=lesson.title,
                )
                if lesson.class_hours > 0:
                    self.writer.credit(
                        learner,
                        f"lesson:L{lesson.id}",
                        fact_id,
                        CreditReason.LESSON,
                        lesson.class_hours,
                        policy_for_unit_path(learner.unit.path).training_year_of(at),
                        lesson.title,
                        at,
                    )
                status.completed_at = at
                facts.append(
                    {
                        "kind": FactKind.LESSON_COMPLETED,
                        "lesson_id": lesson.id,
                        "quiz_code": "",
                        "occurred_at": at,
                        "seconds": None,
                        "value": None,
                    }
                )
            statuses[lesson_id] = status
        return {"statuses": statuses, "by_lesson": by_lesson, "passes": passes}

    # ---- per chunk

    def chunk(self, learners: list[LearnerRow], assignments: dict | None) -> None:
        """Generate, then write, a chunk of learners in one transaction."""
        rows = []
        for learner in learners:
            facts = self.learner(learner)
            state = self.lesson_statuses(learner, facts)
            if self.aggregates:
                rows.append((learner, facts, state))
        with foreign_key_triggers_off():
            counts = self.totals.counts
            counts["facts"] += rows_copy(
                LearningFact, bench.FACT_COLUMNS, self.writer.facts
            )
            counts["credits"] += rows_copy(
                HourCredit, bench.CREDIT_COLUMNS, self.writer.credits
            )
            counts["attempts"] += rows_copy(
                _attempt_model(), ATTEMPT_COLUMNS, self.attempts
            )
            if self.aggregates:
                self._aggregates_write(rows, assignments)
        self.writer.facts, self.writer.credits, self.attempts = [], [], []

    def _aggregates_write(self, rows, assignments) -> None:
        """What `learners_records_refresh` writes for these learners, from the
        facts and credits in memory (the attempts were just written: the exam
        figures read them)."""
        credits_of: dict[int, list[tuple]] = defaultdict(list)
        for credit in self.writer.credits:
            credits_of[credit[1]].append(credit)
            self._unit_totals(credit)
        learners, lesson_rows, course_rows, years = [], [], [], {}
        for learner, facts, state in rows:
            if not facts and not assignments[learner.pk]:
                continue  # the rebuild would not see this learner either
            learners.append(learner)
            completed = {}
            for lesson_id, status in state["statuses"].items():
                row = _lesson_progress_row(
                    learner.pk, lesson_id, status, state["by_lesson"][lesson_id]
                )
                lesson_rows.append(row)
                if row.completed_at is not None:
                    completed[lesson_id] = row.completed_at
            touched = {
                self.refs[lid].course_id
                for lid in state["by_lesson"]
                if self.refs[lid].course_id
            } | {course_id for course_id, _y, _d in assignments[learner.pk]}
            progress = {
                course_id: _course_progress_row(
                    learner.pk,
                    course_id,
                    self.courses[course_id],
                    completed,
                    state["passes"],
                )
                for course_id in sorted(_with_prerequisites(touched, self.courses))
            }
            _prerequisites_apply(progress, self.courses)
            course_rows.extend(progress.values())
            for credit in credits_of[learner.pk]:
                _learner_year_add(years, credit)
        _years_complete(learners, years, assignments, course_rows)
        counts = self.totals.counts
        counts["lesson_progress"] += instances_copy(LessonProgress, lesson_rows)
        counts["course_progress"] += instances_copy(CourseProgress, course_rows)
        counts["learner_years"] += instances_copy(LearnerYear, list(years.values()))

    def _unit_totals(self, credit: tuple) -> None:
        _id, learner_id, _key, _fact, _reason, hours, year, unit_id, _t, at = credit
        unit_year = self.totals.unit_years[unit_id, year]
        unit_year[0] += hours
        unit_year[1] += 1
        unit_year[2].add(learner_id)
        month = timezone.localtime(at).date().replace(day=1)
        unit_month = self.totals.unit_months[unit_id, year, month]
        unit_month[0] += hours
        unit_month[1] += 1

    def unit_aggregates_write(self) -> None:
        counts = self.totals.counts
        counts["unit_years"] += instances_copy(
            UnitYear,
            [
                UnitYear(
                    unit_id=unit_id,
                    training_year=year,
                    hours=hours,
                    credits=n,
                    learners_credited=len(learners),
                )
                for (unit_id, year), (hours, n, learners) in sorted(
                    self.totals.unit_years.items()
                )
            ],
        )
        counts["unit_months"] += instances_copy(
            UnitMonth,
            [
                UnitMonth(
                    unit_id=unit_id,
                    training_year=year,
                    month=month,
                    hours=hours,
                    credits=n,
                )
                for (unit_id, year, month), (hours, n) in sorted(
                    self.totals.unit_months.items()
                )
            ],
        )


def _attempt_model():
    from quizzes.models import Attempt

    return Attempt


def _learner_year_add(years: dict, credit: tuple) -> None:
    """A credit into its learner's year, as `learners_records_refresh` sums them."""
    from courses.services.records.aggregate import CREDIT_FIELDS

    _id, learner_id, _key, _fact, reason, hours, year, *_rest = credit
    row = years.setdefault(
        (learner_id, year), LearnerYear(learner_id=learner_id, training_year=year)
    )
    row.hours += hours
    name = CREDIT_FIELDS[reason]
    setattr(row, name, getattr(row, name) + hours)
    if reason == CreditReason.LESSON:
        row.lessons_completed += 1


# -------------------------------------------------------------------- main


def _assignments_of(learners: list[LearnerRow]) -> dict[int, list]:
    from courses.services.records.aggregate import _assignments_by_learner

    return _assignments_by_learner(learners)


def scale_generate(
    *,
    scale: Scale,
    year: int,
    seed: int = 7,
    aggregates: bool = False,
    chunk: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Generate everything on an empty (or cleared) database; returns the rows
    written by table. With `aggregates`, the aggregate rows too; otherwise the
    caller runs `records_rebuild`."""
    rng = random.Random(seed)
    today = timezone.localdate()
    end = date(year, 12, 31)
    now = (
        timezone.now()
        if today <= end
        else timezone.make_aware(datetime.combine(end, time(20)))
    )
    courses, lessons = courses_ensure(scale)
    quizzes = quizzes_ensure(year)
    with transaction.atomic():
        units = units_create(scale)
        policies_create(units)
        administrators = administrators_create(units)
    learners, counts = people_create(scale=scale, units=units, year=year, rng=rng)
    counts["users"] += administrators
    counts["units"] = len(units)
    counts["assignments"] = assignments_create(courses=courses, units=units, year=year)
    generator = Generator(
        lessons=lessons,
        quizzes=quizzes,
        facts_per_learner=scale.facts_per_learner,
        practice_attempts=scale.practice_attempts,
        now=now,
        seed=seed,
        aggregates=aggregates,
    )
    done = 0
    for start in range(0, len(learners), chunk):
        group = learners[start : start + chunk]
        generator.chunk(group, _assignments_of(group) if aggregates else None)
        done += len(group)
        if progress:
            progress(done, len(learners))
    bench._sequences_reset(LearningFact, HourCredit)
    if aggregates:
        with foreign_key_triggers_off():
            generator.unit_aggregates_write()
    counts.update(generator.totals.counts)
    counts["lessons"] = len(lessons)
    counts["quizzes"] = len(quizzes)
    return counts


AGGREGATE_COUNTS = {
    "lesson_progress": LessonProgress,
    "course_progress": CourseProgress,
    "learner_years": LearnerYear,
    "unit_years": UnitYear,
    "unit_months": UnitMonth,
}
