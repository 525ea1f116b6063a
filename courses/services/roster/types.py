"""The roster's vocabulary: sheets, columns, accepted labels, rows and errors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from courses.models import LearnerProfile, OrgUnit
from courses.models.learners import IdentityKind
from courses.models.organisation import ALLOWED_PARENT_KINDS, UnitKind

UNIT_SHEET = "单位"
PEOPLE_SHEET = "人员"
SHEETS = (UNIT_SHEET, PEOPLE_SHEET)

UNIT_CODE = "单位编码"
UNIT_NAME = "单位名称"
UNIT_PARENT = "上级单位编码"
UNIT_KIND = "单位类型"
UNIT_COLUMNS = (UNIT_CODE, UNIT_NAME, UNIT_PARENT, UNIT_KIND)

PERSON_ID = "编号"
PERSON_NAME = "姓名"
PERSON_IDENTITY = "身份类型"
PERSON_POSITION = "岗位"
PERSON_UNIT = "单位编码"
PERSON_PHONE = "手机号"
PEOPLE_COLUMNS = (
    PERSON_ID,
    PERSON_NAME,
    PERSON_IDENTITY,
    PERSON_POSITION,
    PERSON_UNIT,
    PERSON_PHONE,
)

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    UNIT_SHEET: UNIT_COLUMNS,
    PEOPLE_SHEET: tuple(c for c in PEOPLE_COLUMNS if c != PERSON_PHONE),
}
KNOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    UNIT_SHEET: UNIT_COLUMNS,
    PEOPLE_SHEET: PEOPLE_COLUMNS,
}

# What people actually type in the 单位类型 column, beside the catalogue labels.
UNIT_KIND_ALIASES: dict[str, str] = {
    "局": UnitKind.BUREAU,
    "管理局": UnitKind.BUREAU,
    "戒毒管理局": UnitKind.BUREAU,
    "所": UnitKind.FACILITY,
    "戒毒所": UnitKind.FACILITY,
    "强制隔离戒毒所": UnitKind.FACILITY,
    "大队": UnitKind.BRIGADE,
    "中心": UnitKind.CENTRE,
    "专业中心": UnitKind.CENTRE,
    "科室": UnitKind.DEPARTMENT,
    "科": UnitKind.DEPARTMENT,
    "禁毒办": UnitKind.COMMUNITY_OFFICE,
    "禁毒委员会办公室": UnitKind.COMMUNITY_OFFICE,
    "工作站": UnitKind.COMMUNITY_STATION,
    "社区康复工作站": UnitKind.COMMUNITY_STATION,
    "社区戒毒社区康复工作站": UnitKind.COMMUNITY_STATION,
}
IDENTITY_ALIASES: dict[str, str] = {
    "民警": IdentityKind.OFFICER,
    "警察": IdentityKind.OFFICER,
    "戒毒民警": IdentityKind.OFFICER,
    "戒毒人民警察": IdentityKind.OFFICER,
    "社区禁毒专干": IdentityKind.COMMUNITY_WORKER,
    "社区专干": IdentityKind.COMMUNITY_WORKER,
    "禁毒专干": IdentityKind.COMMUNITY_WORKER,
    "专干": IdentityKind.COMMUNITY_WORKER,
    "禁毒志愿者": IdentityKind.VOLUNTEER,
    "志愿者": IdentityKind.VOLUNTEER,
}

PHONE_RE = re.compile(r"^1\d{10}$")
# The id number becomes the login name, so it must pass Django's username rule.
ID_NUMBER_RE = re.compile(r"^[\w.@+-]+\Z")
ID_NUMBER_MAX = LearnerProfile._meta.get_field("id_number").max_length
REAL_NAME_MAX = LearnerProfile._meta.get_field("real_name").max_length
UNIT_CODE_MAX = OrgUnit._meta.get_field("code").max_length
UNIT_NAME_MAX = OrgUnit._meta.get_field("name").max_length


def _kind_label(kind: str | None) -> str:
    return str(UnitKind(kind).label) if kind else "顶级（无上级）"


def _allowed_parents_text(kind: str) -> str:
    return "或".join(
        str(UnitKind(k).label) for k in sorted(ALLOWED_PARENT_KINDS[kind] - {None})
    )


UNIT_KIND_CHOICES_TEXT = "、".join(str(k.label) for k in UnitKind)
IDENTITY_CHOICES_TEXT = "、".join(str(k.label) for k in IdentityKind)


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class RosterError:
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.sheet or ""
        if self.row is not None:
            where = f"{where} 第 {self.row} 行".strip()
        if self.column:
            where = f"{where}（{self.column}）"
        return f"{where}：{self.message}" if where else self.message

    def as_dict(self) -> dict:
        return asdict(self)


class RosterInvalid(Exception):
    """The roster cannot be imported; `errors` lists every reason found."""

    def __init__(self, errors: Sequence[RosterError]):
        self.errors: list[RosterError] = list(errors)
        shown = "；".join(map(str, self.errors[:3]))
        super().__init__(f"花名册有 {len(self.errors)} 处错误：{shown}")


@dataclass(frozen=True)
class UnitRow:
    row: int
    code: str
    name: str
    parent_code: str  # "" for a top-level unit
    kind_label: str


@dataclass(frozen=True)
class PersonRow:
    row: int
    id_number: str
    real_name: str
    identity_label: str
    position_name: str
    unit_code: str
    phone: str  # "" keeps whatever the system already holds


@dataclass
class Roster:
    units: list[UnitRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.units) + len(self.people)
