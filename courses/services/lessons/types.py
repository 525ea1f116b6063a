"""The lesson sheet's vocabulary: columns, accepted values, rows and errors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from courses.models import LessonPage, Programme
from courses.models.pages import LessonFormat

SHEET = "课程"

CODE = "编码"
TITLE = "标题"
PROGRAMME = "教育项目"
FORMAT = "形式"
CLASS_HOURS = "课时"
MINUTES = "时长（分钟）"
TOPICS = "专题"
POSITIONS = "适用岗位"
SUMMARY = "内容提要"
BODY = "正文"
COLUMNS = (
    CODE,
    TITLE,
    PROGRAMME,
    FORMAT,
    CLASS_HOURS,
    MINUTES,
    TOPICS,
    POSITIONS,
    SUMMARY,
    BODY,
)

# What the file may hold at most. The size is checked before anything is read.
MAX_FILE_BYTES = 100 * 1024 * 1024
EXTENSIONS = (".xlsx", ".csv")

CODE_MAX = LessonPage._meta.get_field("code").max_length
# Codes become the page's slug (lower-cased), so only ASCII letters, digits, - and _.
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*\Z")
TITLE_MAX = LessonPage._meta.get_field("title").max_length
PROGRAMME_CODE_MAX = Programme._meta.get_field("code").max_length
PROGRAMME_NAME_MAX = Programme._meta.get_field("name").max_length
PROGRAMME_CODE_RE = re.compile(r"^[A-Za-z0-9_-]+\Z")
TOPIC_MAX = 50
CLASS_HOURS_MAX = Decimal(20)
CLASS_HOURS_STEP = Decimal("0.5")
MINUTES_MIN, MINUTES_MAX = 1, 600

# 专题 and 适用岗位 are lists in one cell; people type any of these between items.
LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")
# 教育项目 as “代码|名称” creates the programme when the code is new.
PROGRAMME_SEPARATOR = re.compile(r"[|｜]")

# 形式 by its label (图文) or its stored value (text, as in an export).
FORMAT_BY_LABEL: dict[str, str] = {
    **{str(f.label): f.value for f in LessonFormat},
    **{f.value: f.value for f in LessonFormat},
}
FORMAT_CHOICES_TEXT = "、".join(str(f.label) for f in LessonFormat)


@dataclass(frozen=True)
class LessonError:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" if self.row is not None else ""
        if self.column:
            where = f"{where}（{self.column}）" if where else f"“{self.column}”列"
        return f"{where}：{self.message}" if where else self.message

    def as_dict(self) -> dict:
        return asdict(self)


class LessonsInvalid(Exception):
    """The file cannot be imported; `errors` lists every reason found."""

    def __init__(self, errors: Sequence[LessonError]):
        self.errors: list[LessonError] = list(errors)
        shown = "；".join(map(str, self.errors[:3]))
        super().__init__(f"课程表有 {len(self.errors)} 处错误：{shown}")


def file_error(message: str) -> LessonsInvalid:
    return LessonsInvalid([LessonError(None, None, message)])


@dataclass(frozen=True)
class LessonRow:
    """One row as text, trimmed; row is the number Excel shows (header = 1)."""

    row: int
    code: str
    title: str
    programme: str
    format: str
    class_hours: str
    minutes: str
    topics: str
    positions: str
    summary: str
    body: str


@dataclass
class LessonSheet:
    rows: list[LessonRow] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.rows)


@dataclass
class LessonImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    programmes_created: list[str] = field(default_factory=list)
    topics_created: list[str] = field(default_factory=list)
    dry_run: bool = False

    def __str__(self) -> str:
        return self.as_text()

    def as_text(self) -> str:
        text = (
            f"新建课程 {self.created} 个，更新 {self.updated} 个，"
            f"未变化 {self.unchanged} 个"
        )
        if self.programmes_created:
            text += f"；新建教育项目 {len(self.programmes_created)} 个"
        if self.topics_created:
            shown = "、".join(self.topics_created[:20])
            more = "等" if len(self.topics_created) > 20 else ""
            text += f"；新专题 {len(self.topics_created)} 个（{shown}{more}）"
        return text + "。"
