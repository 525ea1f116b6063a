"""Checking a lesson sheet against itself and the database, into a plan to write.

`_context_load` reads what the import needs in a handful of queries, whatever
the size of the file (codes, programmes, positions, the bank's slugs, tags);
`_check` turns that and the rows into every error at once, plus the plan.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from taggit.models import Tag
from wagtail.models import Page

from courses.models import LessonPage, Position, Programme
from courses.services.lessons.types import (
    CLASS_HOURS,
    CLASS_HOURS_MAX,
    CLASS_HOURS_STEP,
    CODE,
    CODE_MAX,
    CODE_RE,
    COLUMNS,
    FORMAT,
    FORMAT_BY_LABEL,
    FORMAT_CHOICES_TEXT,
    LIST_SEPARATORS,
    MINUTES,
    MINUTES_MAX,
    MINUTES_MIN,
    POSITIONS,
    PROGRAMME,
    PROGRAMME_CODE_MAX,
    PROGRAMME_CODE_RE,
    PROGRAMME_NAME_MAX,
    PROGRAMME_SEPARATOR,
    TITLE,
    TITLE_MAX,
    TOPIC_MAX,
    TOPICS,
    LessonError,
    LessonRow,
    LessonSheet,
)


@dataclass(frozen=True)
class _Lesson:
    pk: int
    code: str
    title: str
    in_bank: bool


@dataclass
class _Context:
    """What the database holds that the sheet touches."""

    lessons: dict[str, _Lesson]  # by code, lower-cased
    bank_slugs: dict[str, str]  # slug → title of the bank's pages
    programmes: dict[str, Programme]  # by code (lower-cased) and by name
    programmes_by_code: dict[str, Programme]  # by code, lower-cased
    positions: dict[str, Position]  # by name and by code (lower-cased)
    position_names: list[str]
    tags: set[str]


def _context_load(*, bank) -> _Context:
    bank_path, step = bank.path, bank.steplen
    lessons = {}
    for pk, code, title, path in LessonPage.objects.exclude(code=None).values_list(
        "pk", "code", "title", "path"
    ):
        in_bank = path.startswith(bank_path) and len(path) == len(bank_path) + step
        lessons[code.lower()] = _Lesson(pk, code, title, in_bank)
    bank_slugs = dict(Page.objects.child_of(bank).values_list("slug", "title"))
    programmes: dict[str, Programme] = {}
    by_code: dict[str, Programme] = {}
    for programme in Programme.objects.all():
        by_code[programme.code.lower()] = programme
        programmes[programme.code.lower()] = programme
        programmes[programme.name] = programme
    positions: dict[str, Position] = {}
    names = []
    for position in Position.objects.all():
        positions[position.code.lower()] = position
        positions[position.name] = position
        names.append(position.name)
    tags = set(Tag.objects.values_list("name", flat=True))
    return _Context(lessons, bank_slugs, programmes, by_code, positions, names, tags)


def body_html(text: str) -> str:
    """Plain text as rich-text paragraphs: every non-blank line one <p>, escaped,
    so markup typed into the sheet is shown as text and never runs."""
    return "".join(
        f"<p>{html.escape(line.strip(), quote=False)}</p>"
        for line in text.splitlines()
        if line.strip()
    )


def _split(text: str) -> list[str]:
    items = (item.strip() for item in LIST_SEPARATORS.split(text))
    return list(dict.fromkeys(item for item in items if item))


@dataclass
class LessonPlan:
    """One checked row, resolved against the database, ready to write."""

    row: LessonRow
    existing_pk: int | None
    slug: str
    title: str
    summary: str
    format: str
    class_hours: Decimal
    minutes: int
    programme_code: str | None  # key into the plan's programmes; None: no programme
    topics: list[str]
    position_ids: set[int]
    body: str | None  # rich-text HTML; None keeps the lesson's body


@dataclass
class Plan:
    lessons: list[LessonPlan] = field(default_factory=list)
    new_programmes: dict[str, str] = field(default_factory=dict)  # code → name
    new_topics: list[str] = field(default_factory=list)


class _Checker:
    def __init__(self, ctx: _Context, *, allow_new_topics: bool) -> None:
        self.ctx = ctx
        self.allow_new_topics = allow_new_topics
        self.errors: list[LessonError] = []
        self.codes: dict[str, int] = {}  # lower-cased code → first row
        # Programmes the file creates: code (lower) → (code, name, first row).
        self.new_programmes: dict[str, tuple[str, str, int]] = {}
        self.new_programme_names: dict[str, str] = {}  # name → code (lower)
        self.row_programme: dict[int, str] = {}  # row → code of a “代码|名称” cell
        self.plan = Plan()

    def error(self, row: LessonRow, column: str | None, message: str) -> None:
        self.errors.append(LessonError(row.row, column, message))

    # ------------------------------------------------------------------ columns

    def code(self, row: LessonRow) -> tuple[_Lesson | None, str]:
        code = row.code
        if not code:
            self.error(
                row, CODE, "编码不能为空；每一课要有唯一的编码，导入时据此更新。"
            )
            return None, ""
        if len(code) > CODE_MAX:
            self.error(row, CODE, f"编码“{code}”太长，不能超过 {CODE_MAX} 个字符。")
            return None, ""
        if not CODE_RE.match(code):
            self.error(
                row,
                CODE,
                f"编码“{code}”只能包含英文字母、数字、“-”和“_”，"
                "且以字母或数字开头（编码会用作课程网址）。",
            )
            return None, ""
        key = code.lower()
        if key in self.codes:
            self.error(
                row,
                CODE,
                f"编码“{code}”与第 {self.codes[key]} 行重复（不区分大小写），"
                "同一个文件中每课的编码必须不同。",
            )
            return None, ""
        self.codes[key] = row.row
        existing = self.ctx.lessons.get(key)
        if existing is None:
            slug = key
            if slug in self.ctx.bank_slugs:
                self.error(
                    row,
                    CODE,
                    f"资源库中已有网址为“{slug}”的页面《{self.ctx.bank_slugs[slug]}》"
                    "（没有这个编码），请换一个编码。",
                )
            return None, slug
        if existing.code != code:
            self.error(
                row,
                CODE,
                f"编码“{code}”与系统中已有的编码“{existing.code}”只有大小写不同，"
                f"请填写“{existing.code}”以更新该课，或换一个编码。",
            )
        elif not existing.in_bank:
            self.error(
                row,
                CODE,
                f"编码“{code}”已被资源库以外的课《{existing.title}》使用"
                "（例如教材中的一节），请换一个编码。",
            )
        return existing, ""

    def title(self, row: LessonRow) -> str:
        if not row.title:
            self.error(row, TITLE, "标题不能为空。")
        elif len(row.title) > TITLE_MAX:
            self.error(
                row,
                TITLE,
                f"标题不能超过 {TITLE_MAX} 个字（现有 {len(row.title)} 个字）。",
            )
        return " ".join(row.title.split())

    def programme_define(self, row: LessonRow) -> None:
        """First pass: a “代码|名称” cell defines (or names exactly) a programme,
        so that other rows may refer to it by code or name in any order."""
        code, name = (p.strip() for p in PROGRAMME_SEPARATOR.split(row.programme, 1))
        name = " ".join(name.split())
        if not code or not name:
            self.error(
                row,
                PROGRAMME,
                f"“{row.programme}”应写成“代码|名称”，两部分都要填写，"
                "例如“JP01|正念防复发”。",
            )
            return
        if len(code) > PROGRAMME_CODE_MAX or not PROGRAMME_CODE_RE.match(code):
            self.error(
                row,
                PROGRAMME,
                f"教育项目代码“{code}”只能包含英文字母、数字、“-”和“_”，"
                f"不超过 {PROGRAMME_CODE_MAX} 个字符。",
            )
            return
        if len(name) > PROGRAMME_NAME_MAX:
            self.error(
                row,
                PROGRAMME,
                f"教育项目名称不能超过 {PROGRAMME_NAME_MAX} 个字"
                f"（现有 {len(name)} 个字）。",
            )
            return
        key = code.lower()
        existing = self.ctx.programmes_by_code.get(key)
        if existing is not None:
            if existing.name != name:
                self.error(
                    row,
                    PROGRAMME,
                    f"教育项目代码“{existing.code}”已存在，名称是“{existing.name}”，"
                    f"与本行填写的“{name}”不同。引用已有项目只需填写代码或名称；"
                    "项目改名请在后台修改。",
                )
            else:
                self.row_programme[row.row] = existing.code
            return
        by_name = self.ctx.programmes.get(name)
        if by_name is not None:
            self.error(
                row,
                PROGRAMME,
                f"教育项目名称“{name}”已被代码为“{by_name.code}”的项目使用，"
                f"请填写“{by_name.code}|{name}”或只填“{name}”。",
            )
            return
        earlier = self.new_programmes.get(key)
        if earlier is not None and earlier[1] != name:
            self.error(
                row,
                PROGRAMME,
                f"新项目代码“{code}”在第 {earlier[2]} 行的名称是“{earlier[1]}”，"
                f"与本行的“{name}”不同；同一代码只能对应一个名称。",
            )
            return
        other = self.new_programme_names.get(name)
        if other is not None and other != key:
            first = self.new_programmes[other]
            self.error(
                row,
                PROGRAMME,
                f"新项目名称“{name}”在第 {first[2]} 行的代码是“{first[0]}”，"
                f"与本行的“{code}”不同；同一名称只能对应一个代码。",
            )
            return
        if earlier is None:
            self.new_programmes[key] = (code, name, row.row)
            self.new_programme_names[name] = key
        self.row_programme[row.row] = self.new_programmes[key][0]

    def programme(self, row: LessonRow) -> str | None:
        """The code of the row's programme (existing or new); None when blank."""
        text = row.programme
        if not text:
            return None
        if PROGRAMME_SEPARATOR.search(text):
            return self.row_programme.get(row.row)  # errors already reported
        found = self.ctx.programmes.get(text) or self.ctx.programmes.get(text.lower())
        if found is not None:
            return found.code
        key = self.new_programme_names.get(text) or text.lower()
        if key in self.new_programmes:
            return self.new_programmes[key][0]
        self.error(
            row,
            PROGRAMME,
            f"教育项目“{text}”不存在。请填写已有项目的名称或代码；"
            "要新建项目，请在任一行填写“代码|名称”，例如“JP01|正念防复发”。",
        )
        return None

    def format(self, row: LessonRow) -> str:
        text = "".join(row.format.split())
        value = FORMAT_BY_LABEL.get(text) or FORMAT_BY_LABEL.get(text.lower())
        if value is None:
            shown = f"“{row.format}”不是可用的形式" if text else "形式不能为空"
            self.error(row, FORMAT, f"{shown}，可填：{FORMAT_CHOICES_TEXT}。")
            return ""
        return value

    def class_hours(self, row: LessonRow) -> Decimal:
        text = row.class_hours
        if not text:
            self.error(row, CLASS_HOURS, "课时不能为空，填写 0.5 到 20 之间的数字。")
            return Decimal(0)
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            self.error(
                row, CLASS_HOURS, f"课时“{text}”不是数字，应填写如 0.5、1、1.5、2。"
            )
        elif value <= 0 or value > CLASS_HOURS_MAX:
            self.error(
                row,
                CLASS_HOURS,
                f"课时应大于 0 且不超过 {CLASS_HOURS_MAX}（现为 {text}）。",
            )
        elif value % CLASS_HOURS_STEP:
            self.error(
                row,
                CLASS_HOURS,
                f"课时应为 0.5 的整数倍，例如 0.5、1、1.5、2（现为 {text}）。",
            )
        else:
            return value.quantize(Decimal("0.1"))
        return Decimal(0)

    def minutes(self, row: LessonRow) -> int:
        text = row.minutes
        span = f"{MINUTES_MIN} 到 {MINUTES_MAX}"
        if not text:
            self.error(row, MINUTES, f"时长不能为空，填写 {span} 之间的整数分钟。")
            return 0
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            self.error(row, MINUTES, f"时长“{text}”不是数字，应填写整数分钟，如 45。")
        elif value != value.to_integral_value():
            self.error(row, MINUTES, f"时长应为整数分钟（现为 {text}）。")
        elif not MINUTES_MIN <= value <= MINUTES_MAX:
            self.error(row, MINUTES, f"时长应在 {span} 分钟之间（现为 {text}）。")
        else:
            return int(value)
        return 0

    def topics(self, row: LessonRow) -> list[str]:
        topics = [" ".join(t.split()) for t in _split(row.topics)]
        for topic in topics:
            if len(topic) > TOPIC_MAX:
                self.error(
                    row,
                    TOPICS,
                    f"专题“{topic[:20]}…”太长（{len(topic)} 个字），每个专题不超过 "
                    f"{TOPIC_MAX} 个字；多个专题之间用“、”分隔。",
                )
        unknown = [t for t in topics if t not in self.ctx.tags]
        if unknown and not self.allow_new_topics:
            self.error(
                row,
                TOPICS,
                f"专题{'、'.join(f'“{t}”' for t in unknown)}不是系统中已有的专题"
                "（本次导入不允许新建专题），请检查是否写错。",
            )
        return sorted(topics)

    def positions(self, row: LessonRow) -> set[int]:
        found, unknown = set(), []
        for name in _split(row.positions):
            key = unicodedata.normalize("NFKC", "".join(name.split()))
            position = self.ctx.positions.get(key) or self.ctx.positions.get(
                key.lower()
            )
            if position is None:
                unknown.append(name)
            else:
                found.add(position.pk)
        if unknown:
            self.error(
                row,
                POSITIONS,
                f"岗位{'、'.join(f'“{n}”' for n in unknown)}不存在。"
                f"可填写的岗位：{'、'.join(self.ctx.position_names)}"
                "（多个岗位用“、”分隔，留空表示所有岗位适用）。",
            )
        return found

    # ------------------------------------------------------------------ rows

    def check(self, sheet: LessonSheet) -> None:
        for row in sheet.rows:
            if PROGRAMME_SEPARATOR.search(row.programme):
                self.programme_define(row)
        for row in sheet.rows:
            existing, slug = self.code(row)
            lesson = LessonPlan(
                row=row,
                existing_pk=existing.pk if existing else None,
                slug=slug,
                title=self.title(row),
                summary=row.summary,
                format=self.format(row),
                class_hours=self.class_hours(row),
                minutes=self.minutes(row),
                programme_code=self.programme(row),
                topics=self.topics(row),
                position_ids=self.positions(row),
                body=body_html(row.body) if row.body else None,
            )
            self.plan.lessons.append(lesson)
        self.plan.new_programmes = {
            code: name for code, name, _ in self.new_programmes.values()
        }
        self.plan.new_topics = sorted(
            {t for lesson in self.plan.lessons for t in lesson.topics} - self.ctx.tags
        )
        # The plan is written only when no row has an error (see lessons_apply).


COLUMN_ORDER = {column: index for index, column in enumerate(COLUMNS)}


def _check(
    *, sheet: LessonSheet, ctx: _Context, allow_new_topics: bool = True
) -> tuple[list[LessonError], Plan]:
    checker = _Checker(ctx, allow_new_topics=allow_new_topics)
    checker.check(sheet)
    errors = sorted(
        checker.errors,
        key=lambda e: (e.row or 0, COLUMN_ORDER.get(e.column or "", -1)),
    )
    return errors, checker.plan


def lessons_validate(
    *, sheet: LessonSheet, bank, allow_new_topics: bool = True
) -> list[LessonError]:
    """Every problem of the sheet against itself and the database; [] when none."""
    errors, _plan = _check(
        sheet=sheet, ctx=_context_load(bank=bank), allow_new_topics=allow_new_topics
    )
    return errors
