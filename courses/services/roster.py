"""Roster import (花名册导入): the organisation tree and the people, from one workbook.

Three steps, each usable alone:

* `roster_read` / `roster_from_records` turn a workbook (or plain records) into a
  `Roster` of trimmed, normalised text rows, or raise `RosterInvalid` when the file
  itself is unusable (not a workbook, wrong sheets, missing columns);
* `roster_validate` checks every row against the file and the database and returns
  every problem at once, so an administrator fixes the file in one pass;
* `roster_apply` writes the tree and the people in one transaction: either the whole
  file is imported or nothing is.

`roster_import_process` runs a `RosterImport` job (from a Celery task or the admin)
around these steps and records its progress and outcome.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from courses.models import LearnerProfile, OrgUnit, Position, RosterImport
from courses.models.learners import IdentityKind, MembershipSource, UnitMembership
from courses.models.organisation import ALLOWED_PARENT_KINDS, UnitKind
from courses.selectors.scope import Capability, scope_root_paths
from courses.services.learners import learner_move

logger = logging.getLogger(__name__)

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
    PERSON_ID, PERSON_NAME, PERSON_IDENTITY, PERSON_POSITION, PERSON_UNIT, PERSON_PHONE
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

PROGRESS_SAVE_EVERY = 200
BULK_BATCH_SIZE = 500
QUERY_CHUNK_SIZE = 500

GENERIC_FAILURE = (
    "导入时发生系统错误，未写入任何数据。请稍后重试；如果问题持续，请联系系统管理员。"
)


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


# ------------------------------------------------------------------------ reading


def _file_error(message: str) -> RosterInvalid:
    return RosterInvalid([RosterError(None, None, None, message)])


def _text(value: object) -> str:
    """A cell as trimmed text; numbers typed into Excel lose their ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    # str.strip() covers the full-width space U+3000 and NBSP; Excel pastes also
    # bring zero-width spaces and byte-order marks.
    return str(value).strip().strip("\u200b\ufeff").strip()


def _code(value: str) -> str:
    """Codes and numbers typed with a Chinese IME come out full-width (３２０１)."""
    return unicodedata.normalize("NFKC", value).strip()


def _header(value: object) -> str:
    return re.sub(r"\s+", "", _text(value))


def _looks_like_text(data: bytes) -> tuple[str, str] | None:
    """(encoding, text) when `data` is plain text, e.g. a CSV saved instead."""
    if b"\x00" in data[:4096]:
        return None
    for encoding in ("utf-8-sig", "gbk", "gb18030"):
        try:
            return encoding, data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _sniff(data: bytes, filename: str) -> None:
    """Raise a helpful RosterInvalid unless `data` starts like an .xlsx (a zip)."""
    named = f"文件“{filename}”" if filename else "文件"
    save_as = "请在 Excel 中打开后另存为“Excel 工作簿（*.xlsx）”再导入。"
    if not data:
        raise _file_error(f"{named}是空的，请选择填写好的花名册 Excel 文件（.xlsx）。")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise _file_error(
            f"{named}是旧版 Excel 97-2003 工作簿（.xls），不能直接导入。{save_as}"
            "如果文件设置了打开密码，请先取消密码。"
        )
    if data.startswith(b"%PDF"):
        raise _file_error(
            f"{named}不是 Excel 工作簿（.xlsx），而是 PDF 文件。"
            "请上传按模板填写的 .xlsx 文件。"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _file_error(
            f"{named}是 Unicode 文本文件，不是 Excel 工作簿（.xlsx）。{save_as}"
        )
    decoded = _looks_like_text(data)
    if decoded is not None:
        encoding, text = decoded
        if "," in text or "\t" in text or "，" in text:
            if encoding == "utf-8-sig":
                raise _file_error(
                    f"{named}是 CSV 文本文件，不是 Excel 工作簿。{save_as}"
                )
            raise _file_error(
                f"这是 GBK 编码的 CSV 文件，不是 Excel 工作簿。{save_as}"
            )
        raise _file_error(
            f"{named}是文本文件，不是 Excel 工作簿（.xlsx）。"
            "请使用花名册模板填写后上传 .xlsx 文件。"
        )
    raise _file_error(
        f"{named}不是 Excel 工作簿（.xlsx），无法读取。"
        "请使用花名册模板填写，并在 Excel 中保存为 .xlsx 文件后上传。"
    )


def _read_bytes(file: BinaryIO | str | Path) -> bytes:
    if isinstance(file, str | Path):
        try:
            return Path(file).read_bytes()
        except OSError as exc:
            raise _file_error(f"无法打开文件“{file}”：{exc.strerror or exc}。") from exc
    if hasattr(file, "seek"):
        with contextlib.suppress(OSError, ValueError):
            file.seek(0)
    data = file.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    return data


def _worksheet_rows(ws) -> Iterator[tuple[int, tuple]]:
    yield from enumerate(ws.iter_rows(min_row=1, values_only=True), 1)


def _table(
    *,
    sheet: str,
    header: Sequence[object],
    rows: Iterable[tuple[int, Sequence[object]]],
) -> tuple[list[tuple[int, dict[str, str]]], list[RosterError]]:
    """Rows of one sheet as {column: text}, or the header errors."""
    names = [_header(value) for value in header]
    errors: list[RosterError] = []
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if name not in KNOWN_COLUMNS[sheet]:
            continue
        if name in positions:
            errors.append(RosterError(
                sheet, 1, name,
                f"“{name}”列出现了不止一次（第 {positions[name] + 1} 列和第 "
                f"{index + 1} 列），请删除多余的一列。",
            ))
        else:
            positions[name] = index
    required = REQUIRED_COLUMNS[sheet]
    if not any(names):
        return [], [RosterError(
            sheet, 1, None,
            f"工作表“{sheet}”第 1 行没有表头。第 1 行应依次填写列名："
            f"{'、'.join(KNOWN_COLUMNS[sheet])}。",
        )]
    for column in required:
        if column not in positions:
            errors.append(RosterError(
                sheet, 1, column,
                f"工作表“{sheet}”缺少“{column}”列。请在第 1 行加上列名“{column}”"
                f"（必需的列：{'、'.join(required)}）。",
            ))
    if errors:
        return [], errors
    table = []
    for number, values in rows:
        record = {
            column: _text(values[index]) if index < len(values) else ""
            for column, index in positions.items()
        }
        if any(record.values()):
            table.append((number, record))
    return table, []


def _roster_build(tables: dict[str, list[tuple[int, dict[str, str]]]]) -> Roster:
    units = [
        UnitRow(
            row=number,
            code=_code(r[UNIT_CODE]),
            name=r[UNIT_NAME],
            parent_code=_code(r[UNIT_PARENT]),
            kind_label=r[UNIT_KIND],
        )
        for number, r in tables[UNIT_SHEET]
    ]
    people = [
        PersonRow(
            row=number,
            id_number=_code(r[PERSON_ID]),
            real_name=r[PERSON_NAME],
            identity_label=r[PERSON_IDENTITY],
            position_name=r[PERSON_POSITION],
            unit_code=_code(r[PERSON_UNIT]),
            phone=re.sub(r"[\s-]", "", _code(r.get(PERSON_PHONE, ""))),
        )
        for number, r in tables[PEOPLE_SHEET]
    ]
    if not units and not people:
        raise _file_error(
            "文件中没有数据：“单位”和“人员”两个工作表除表头外都是空的。"
            "请从第 2 行起填写单位和人员。"
        )
    return Roster(units=units, people=people)


def roster_read(*, file: BinaryIO | str | Path, filename: str = "") -> Roster:
    """Read the two sheets of a roster workbook.

    Raises RosterInvalid when the file cannot be used at all; row problems are
    left to `roster_validate`.
    """
    from openpyxl import load_workbook

    if not filename and isinstance(file, str | Path):
        filename = Path(file).name
    data = _read_bytes(file)
    _sniff(data, filename)
    named = f"文件“{filename}”" if filename else "文件"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it ignores
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except zipfile.BadZipFile as exc:
        raise _file_error(
            f"{named}已损坏，无法作为 Excel 工作簿打开。"
            "请在 Excel 中打开确认内容后重新保存为 .xlsx 再导入。"
        ) from exc
    except Exception as exc:  # openpyxl raises many kinds for non-workbook zips
        raise _file_error(
            f"{named}无法作为 Excel 工作簿读取"
            "（可能是 Word 文档、压缩包或已损坏的文件）。"
            "请使用花名册模板填写并保存为 .xlsx 后再导入。"
        ) from exc
    try:
        by_name = {name.strip(): name for name in workbook.sheetnames}
        missing = [sheet for sheet in SHEETS if sheet not in by_name]
        if missing:
            found = "、".join(f"“{name}”" for name in workbook.sheetnames) or "（无）"
            raise _file_error(
                f"工作簿中应有名为“{UNIT_SHEET}”和“{PEOPLE_SHEET}”的两个工作表，"
                f"但缺少{'、'.join(f'“{s}”' for s in missing)}；文件中的工作表是："
                f"{found}。请按模板修改工作表名称后再导入。"
            )
        tables: dict[str, list[tuple[int, dict[str, str]]]] = {}
        errors: list[RosterError] = []
        for sheet in SHEETS:
            rows = _worksheet_rows(workbook[by_name[sheet]])
            first = next(rows, None)
            header = first[1] if first is not None else ()
            tables[sheet], sheet_errors = _table(sheet=sheet, header=header, rows=rows)
            errors += sheet_errors
    except RosterInvalid:
        raise
    except Exception as exc:
        raise _file_error(
            f"{named}的内容无法读取，文件可能已损坏。"
            "请在 Excel 中打开后重新保存为 .xlsx 再导入。"
        ) from exc
    finally:
        workbook.close()
    if errors:
        raise RosterInvalid(errors)
    return _roster_build(tables)


def roster_from_records(*, sheets: dict[str, list[dict[str, object]]]) -> Roster:
    """A roster from records shaped like the workbook; rows are numbered from 2."""
    sheets = {str(name).strip(): records for name, records in sheets.items()}
    missing = [sheet for sheet in SHEETS if sheet not in sheets]
    if missing:
        raise _file_error(
            f"花名册数据缺少{'、'.join(f'“{s}”' for s in missing)}部分"
            f"（应有“{UNIT_SHEET}”和“{PEOPLE_SHEET}”）。"
        )
    tables: dict[str, list[tuple[int, dict[str, str]]]] = {}
    errors: list[RosterError] = []
    for sheet in SHEETS:
        records = sheets[sheet]
        header = list(dict.fromkeys(key for record in records for key in record))
        if not records:
            tables[sheet] = []
            continue
        rows = (
            (number, [record.get(name) for name in header])
            for number, record in enumerate(records, 2)
        )
        tables[sheet], sheet_errors = _table(sheet=sheet, header=header, rows=rows)
        errors += sheet_errors
    if errors:
        raise RosterInvalid(errors)
    return _roster_build(tables)


# --------------------------------------------------------------------- validating


@dataclass
class _Unit:
    pk: int
    code: str
    name: str
    kind: str
    path: str
    parent_code: str


@dataclass
class _Context:
    """What the database holds that the roster touches, loaded in a few queries."""

    units: dict[str, _Unit]
    positions: dict[str, Position]  # by name and by code
    profiles: dict[str, LearnerProfile]  # by id number
    taken_usernames: set[str]


def _chunks(values: Sequence[str], size: int = QUERY_CHUNK_SIZE) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def _context_load(roster: Roster) -> _Context:
    rows = list(OrgUnit.objects.values_list("pk", "code", "name", "kind", "path"))
    code_by_path = {path: code for _, code, _, _, path in rows}
    step = OrgUnit.steplen
    units = {
        code: _Unit(pk, code, name, kind, path, code_by_path.get(path[:-step], ""))
        for pk, code, name, kind, path in rows
    }
    positions: dict[str, Position] = {}
    for position in Position.objects.all():
        positions[position.code.lower()] = position
        positions[position.name] = position
    id_numbers = sorted({p.id_number for p in roster.people if p.id_number})
    profiles: dict[str, LearnerProfile] = {}
    for chunk in _chunks(id_numbers):
        for profile in LearnerProfile.objects.filter(id_number__in=chunk):
            profiles[profile.id_number] = profile
    User = get_user_model()
    new_usernames = [
        User.normalize_username(i) for i in id_numbers if i not in profiles
    ]
    taken: set[str] = set()
    for chunk in _chunks(new_usernames):
        taken.update(
            User._default_manager.filter(
                **{f"{User.USERNAME_FIELD}__in": chunk}
            ).values_list(User.USERNAME_FIELD, flat=True)
        )
    return _Context(units, positions, profiles, taken)


def _kind_from_label(label: str) -> str | None:
    label = re.sub(r"\s+", "", label)
    if label in UNIT_KIND_ALIASES:
        return UNIT_KIND_ALIASES[label]
    for kind in UnitKind:
        if label in (kind.label, kind.value):
            return kind.value
    return None


def _identity_from_label(label: str) -> str | None:
    label = re.sub(r"\s+", "", label)
    if label in IDENTITY_ALIASES:
        return IDENTITY_ALIASES[label]
    for identity in IdentityKind:
        if label in (identity.label, identity.value):
            return identity.value
    return None


def _kind_label(kind: str | None) -> str:
    return str(UnitKind(kind).label) if kind else "顶级（无上级）"


def _allowed_parents_text(kind: str) -> str:
    return "或".join(
        str(UnitKind(k).label) for k in sorted(ALLOWED_PARENT_KINDS[kind] - {None})
    )


UNIT_KIND_CHOICES_TEXT = "、".join(str(k.label) for k in UnitKind)
IDENTITY_CHOICES_TEXT = "、".join(str(k.label) for k in IdentityKind)


@dataclass
class _Plan:
    """The validated roster, resolved against the database, ready to write."""

    units: list[tuple[UnitRow, str]]  # (row, kind), parents before children
    people: list[tuple[PersonRow, str, Position]]  # (row, identity, position)


class _Checker:
    def __init__(self, roster: Roster, ctx: _Context, importer) -> None:
        self.roster = roster
        self.ctx = ctx
        self.importer = importer
        self.errors: list[RosterError] = []
        self.unit_rows: dict[str, UnitRow] = {}
        self.unit_kinds: dict[str, str] = {}  # code -> kind, valid rows of the file
        self.people: list[tuple[PersonRow, str, Position]] = []
        self.person_rows: list[PersonRow] = []  # rows with an id of their own

    def error(self, sheet: str, row: int, column: str | None, message: str) -> None:
        self.errors.append(RosterError(sheet, row, column, message))

    # The tree as it will be once the file is applied.
    def final_parent(self, code: str) -> str:
        if code in self.unit_rows:
            return self.unit_rows[code].parent_code
        unit = self.ctx.units.get(code)
        return unit.parent_code if unit else ""

    def final_kind(self, code: str) -> str | None:
        if code in self.unit_kinds:
            return self.unit_kinds[code]
        if code in self.unit_rows:
            return None  # the row's own kind is wrong and already reported
        unit = self.ctx.units.get(code)
        return unit.kind if unit else None

    def exists(self, code: str) -> bool:
        return code in self.unit_rows or code in self.ctx.units

    def lineage(self, code: str) -> tuple[list[str], bool]:
        """The code and its final ancestors, and whether the walk met a cycle."""
        chain = [code]
        seen = {code}
        while True:
            parent = self.final_parent(chain[-1])
            if not parent or parent == chain[-1]:
                return chain, parent == chain[-1]
            if parent in seen:
                return chain, True
            chain.append(parent)
            seen.add(parent)

    def run(self) -> _Plan:
        roots = self.scope_roots()
        if roots == []:
            self.errors.append(RosterError(
                None, None, None,
                "你没有导入花名册的权限。花名册只能由戒毒管理局管理员导入，"
                "请联系上级管理员。",
            ))
            return _Plan([], [])
        self.check_units()
        self.check_people()
        if roots is not None:
            self.check_unit_scope(roots)
            self.check_people_scope(roots)
        order = sorted(
            (row for row in self.unit_rows.values() if row.code in self.unit_kinds),
            key=lambda row: (len(self.lineage(row.code)[0]), row.row),
        )
        return _Plan([(row, self.unit_kinds[row.code]) for row in order], self.people)

    def scope_roots(self) -> list[str] | None:
        if self.importer is None:
            return None
        return scope_root_paths(user=self.importer, capability=Capability.IMPORT_ROSTER)

    # ---------------------------------------------------------------- 单位 sheet

    def check_units(self) -> None:
        S = UNIT_SHEET
        first_row: dict[str, int] = {}
        for row in self.roster.units:
            if not row.code:
                self.error(S, row.row, UNIT_CODE, "单位编码不能为空。")
            elif row.code in first_row:
                self.error(
                    S, row.row, UNIT_CODE,
                    f"单位编码“{row.code}”与第 {first_row[row.code]} 行重复，"
                    "同一单位只能填写一行。",
                )
                continue
            elif len(row.code) > UNIT_CODE_MAX:
                self.error(
                    S, row.row, UNIT_CODE,
                    f"单位编码“{row.code}”太长，不能超过 {UNIT_CODE_MAX} 个字符。",
                )
            if row.code:
                first_row[row.code] = row.row
                self.unit_rows[row.code] = row
            if not row.name:
                self.error(S, row.row, UNIT_NAME, "单位名称不能为空。")
            elif len(row.name) > UNIT_NAME_MAX:
                self.error(
                    S, row.row, UNIT_NAME,
                    f"单位名称太长，不能超过 {UNIT_NAME_MAX} 个字符。",
                )
            kind = _kind_from_label(row.kind_label)
            if kind is None:
                what = f"单位类型“{row.kind_label}”无法识别" if row.kind_label else (
                    "单位类型不能为空"
                )
                self.error(
                    S, row.row, UNIT_KIND, f"{what}，可填：{UNIT_KIND_CHOICES_TEXT}。"
                )
            elif row.code:
                self.unit_kinds[row.code] = kind

        for code, row in self.unit_rows.items():
            parent = row.parent_code
            if parent == code:
                self.error(
                    S, row.row, UNIT_PARENT,
                    f"单位“{code}”的上级单位编码填成了它自己，请填写它的上级单位编码。",
                )
                continue
            if parent and not self.exists(parent):
                self.error(
                    S, row.row, UNIT_PARENT,
                    f"上级单位编码“{parent}”在文件和系统中都不存在。",
                )
                continue
            chain, cyclic = self.lineage(code)
            if cyclic and self.final_parent(chain[-1]) in chain:
                start = chain.index(self.final_parent(chain[-1]))
                if start == 0:
                    loop = " → ".join([*chain, code])
                    self.error(
                        S, row.row, UNIT_PARENT,
                        f"上级关系形成了循环：{loop}。请检查这些单位的上级单位编码。",
                    )
                    continue
            self.check_parent_kind(row)
            self.check_kind_change(row)

    def check_parent_kind(self, row: UnitRow) -> None:
        kind = self.unit_kinds.get(row.code)
        if kind is None:
            return
        allowed = ALLOWED_PARENT_KINDS[kind]
        label = _kind_label(kind)
        if not row.parent_code:
            if None not in allowed:
                self.error(
                    UNIT_SHEET, row.row, UNIT_PARENT,
                    f"{label}必须填写上级单位编码（上级应为"
                    f"{_allowed_parents_text(kind)}）。",
                )
            return
        parent_kind = self.final_kind(row.parent_code)
        if parent_kind is None or parent_kind in allowed:
            return
        if allowed == {None}:
            message = f"{label}是最上级单位，上级单位编码应留空。"
        else:
            message = (
                f"{label}的上级单位应为{_allowed_parents_text(kind)}，"
                f"但“{row.parent_code}”是{_kind_label(parent_kind)}。"
            )
        self.error(UNIT_SHEET, row.row, UNIT_PARENT, message)

    def check_kind_change(self, row: UnitRow) -> None:
        """Children left in the system must still fit under the unit's new kind."""
        kind = self.unit_kinds.get(row.code)
        existing = self.ctx.units.get(row.code)
        if kind is None or existing is None or existing.kind == kind:
            return
        misfits = [
            unit for unit in self.ctx.units.values()
            if unit.parent_code == row.code and unit.code not in self.unit_rows
            and kind not in ALLOWED_PARENT_KINDS[unit.kind]
        ]
        if misfits:
            child = misfits[0]
            more = f"等 {len(misfits)} 个单位" if len(misfits) > 1 else ""
            self.error(
                UNIT_SHEET, row.row, UNIT_KIND,
                f"单位类型不能改为{_kind_label(kind)}：系统中的下级单位“{child.name}”"
                f"（{_kind_label(child.kind)}）{more}不能隶属于{_kind_label(kind)}。",
            )

    def check_unit_scope(self, roots: list[str]) -> None:
        root_codes = {u.code for u in self.ctx.units.values() if u.path in roots}
        for code, row in self.unit_rows.items():
            existing = self.ctx.units.get(code)
            if code in root_codes:
                if (
                    row.parent_code != existing.parent_code
                    or self.unit_kinds.get(code, existing.kind) != existing.kind
                    or row.name != existing.name
                ):
                    self.error(
                        UNIT_SHEET, row.row, UNIT_CODE,
                        f"“{existing.name}”（{code}）是你管理范围的最上级单位，"
                        "只能原样列出，不能在导入时修改它的名称、类型或上级单位。",
                    )
                continue
            if existing is not None and not existing.path.startswith(tuple(roots)):
                self.error(
                    UNIT_SHEET, row.row, UNIT_CODE,
                    f"单位“{existing.name}”（{code}）不在你的管理范围内，无权调整。",
                )
                continue
            if row.parent_code and not self.exists(row.parent_code):
                continue  # reported already
            chain, cyclic = self.lineage(code)
            if cyclic or any(c in root_codes for c in chain):
                continue
            if not row.parent_code:
                message = "只有系统管理员可以导入最上级单位，请填写上级单位编码。"
            else:
                message = f"上级单位“{row.parent_code}”不在你的管理范围内。"
            self.error(UNIT_SHEET, row.row, UNIT_PARENT, message)

    # ---------------------------------------------------------------- 人员 sheet

    def check_people(self) -> None:
        S = PEOPLE_SHEET
        first_row: dict[str, int] = {}
        for row in self.roster.people:
            ok = True
            existing = None
            if not row.id_number:
                self.error(S, row.row, PERSON_ID, "编号不能为空。")
                ok = False
            elif row.id_number in first_row:
                self.error(
                    S, row.row, PERSON_ID,
                    f"编号“{row.id_number}”与第 {first_row[row.id_number]} 行重复，"
                    "同一人只能填写一行。",
                )
                continue
            else:
                first_row[row.id_number] = row.row
                self.person_rows.append(row)
                existing = self.ctx.profiles.get(row.id_number)
                if len(row.id_number) > ID_NUMBER_MAX:
                    self.error(
                        S, row.row, PERSON_ID,
                        f"编号“{row.id_number}”太长，不能超过 {ID_NUMBER_MAX} 个字符。",
                    )
                    ok = False
                elif not ID_NUMBER_RE.match(row.id_number):
                    self.error(
                        S, row.row, PERSON_ID,
                        f"编号“{row.id_number}”含有不允许的字符，"
                        "只能包含字母、数字和 @ . + - _。",
                    )
                    ok = False
                elif existing is None and (
                    get_user_model().normalize_username(row.id_number)
                    in self.ctx.taken_usernames
                ):
                    self.error(
                        S, row.row, PERSON_ID,
                        f"编号“{row.id_number}”已被系统中的其他账号用作登录名，"
                        "请核对编号或联系系统管理员。",
                    )
                    ok = False
            if not row.real_name:
                self.error(S, row.row, PERSON_NAME, "姓名不能为空。")
                ok = False
            elif len(row.real_name) > REAL_NAME_MAX:
                self.error(
                    S, row.row, PERSON_NAME,
                    f"姓名太长，不能超过 {REAL_NAME_MAX} 个字符。",
                )
                ok = False
            identity = _identity_from_label(row.identity_label)
            if identity is None:
                what = (
                    f"身份类型“{row.identity_label}”无法识别"
                    if row.identity_label else "身份类型不能为空"
                )
                self.error(
                    S, row.row, PERSON_IDENTITY,
                    f"{what}，可填：{IDENTITY_CHOICES_TEXT}。",
                )
                ok = False
            position = self.position(row, existing)
            ok = ok and position is not None
            if not row.unit_code:
                self.error(S, row.row, PERSON_UNIT, "单位编码不能为空。")
                ok = False
            elif not self.exists(row.unit_code):
                self.error(
                    S, row.row, PERSON_UNIT,
                    f"单位编码“{row.unit_code}”在文件和系统中都不存在。",
                )
                ok = False
            if row.phone and not PHONE_RE.match(row.phone):
                self.error(
                    S, row.row, PERSON_PHONE,
                    f"手机号“{row.phone}”不正确，应为 11 位数字并以 1 开头；"
                    "没有手机号可以留空。",
                )
                ok = False
            if ok:
                self.people.append((row, identity, position))

    def position(self, row: PersonRow, existing: LearnerProfile | None):
        name = row.position_name
        if not name:
            self.error(PEOPLE_SHEET, row.row, PERSON_POSITION, "岗位不能为空。")
            return None
        position = self.ctx.positions.get(name) or self.ctx.positions.get(name.lower())
        if position is None:
            self.error(
                PEOPLE_SHEET, row.row, PERSON_POSITION,
                f"岗位“{name}”不在岗位目录中。",
            )
            return None
        if not position.is_active and (
            existing is None or existing.position_id != position.pk
        ):
            self.error(
                PEOPLE_SHEET, row.row, PERSON_POSITION,
                f"岗位“{position.name}”已停用，不能再用于导入人员，请改填其他岗位。",
            )
            return None
        return position

    def check_people_scope(self, roots: list[str]) -> None:
        roots_tuple = tuple(roots)
        root_codes = {u.code for u in self.ctx.units.values() if u.path in roots}
        units_by_pk = {u.pk: u for u in self.ctx.units.values()}
        refused: set[int] = set()
        for row in self.person_rows:
            existing = self.ctx.profiles.get(row.id_number)
            if existing is not None:
                current = units_by_pk.get(existing.unit_id)
                if current is None or not current.path.startswith(roots_tuple):
                    self.error(
                        PEOPLE_SHEET, row.row, PERSON_ID,
                        f"编号“{row.id_number}”属于其他单位，无权调整。",
                    )
                    refused.add(row.row)
                    continue
            if not self.exists(row.unit_code):
                continue  # reported already
            chain, cyclic = self.lineage(row.unit_code)
            if not cyclic and not any(code in root_codes for code in chain):
                self.error(
                    PEOPLE_SHEET, row.row, PERSON_UNIT,
                    f"单位“{row.unit_code}”不在你的管理范围内，不能把人员放到该单位。",
                )
                refused.add(row.row)
        self.people = [p for p in self.people if p[0].row not in refused]


def _roster_check(
    *, roster: Roster, ctx: _Context, importer
) -> tuple[list[RosterError], _Plan]:
    checker = _Checker(roster, ctx, importer)
    plan = checker.run()
    errors = sorted(
        checker.errors,
        key=lambda e: (
            SHEETS.index(e.sheet) if e.sheet in SHEETS else -1,
            e.row or 0,
        ),
    )
    return errors, plan


def roster_validate(*, roster: Roster, importer=None) -> list[RosterError]:
    """Every problem of `roster` against the database; empty when it can be applied.

    `importer` None means a system run with full rights; otherwise the importer
    needs the import capability and may only touch units and people in scope.
    """
    ctx = _context_load(roster)
    errors, _ = _roster_check(roster=roster, ctx=ctx, importer=importer)
    return errors


# ------------------------------------------------------------------------ writing

COUNT_KEYS = (
    "units_created",
    "units_updated",
    "units_moved",
    "people_created",
    "people_updated",
    "people_moved",
    "unchanged",
)


class _Progress:
    def __init__(self, total: int, callback: Callable[[int, int], None] | None):
        self.done = 0
        self.total = total
        self.callback = callback

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.callback is not None:
            self.callback(self.done, self.total)


def _units_apply(*, plan: _Plan, ctx: _Context, counts: dict, progress: _Progress):
    for row, kind in plan.units:
        existing = ctx.units.get(row.code)
        if existing is None:
            # Re-fetch: treebeard keeps numchild and sibling paths in the database.
            if row.parent_code:
                parent = OrgUnit.objects.get(code=row.parent_code)
                parent.add_child(code=row.code, name=row.name, kind=kind)
            else:
                OrgUnit.add_root(code=row.code, name=row.name, kind=kind)
            counts["units_created"] += 1
        else:
            moved = row.parent_code != existing.parent_code
            if moved:
                node = OrgUnit.objects.get(pk=existing.pk)
                if row.parent_code:
                    node.move(
                        OrgUnit.objects.get(code=row.parent_code), pos="sorted-child"
                    )
                else:
                    node.move(OrgUnit.get_first_root_node(), pos="sorted-sibling")
            changed = row.name != existing.name or kind != existing.kind
            if changed:
                OrgUnit.objects.filter(pk=existing.pk).update(
                    name=row.name, kind=kind, updated_at=timezone.now()
                )
            if moved:
                counts["units_moved"] += 1
            elif changed:
                counts["units_updated"] += 1
            else:
                counts["unchanged"] += 1
        progress.step()


def _people_create(
    *,
    rows: list[tuple[PersonRow, str, Position, OrgUnit]],
    on_date: date,
    roster_import: RosterImport | None,
    importer,
) -> None:
    """Create accounts, profiles and first memberships for new people, in bulk.

    The same records `learner_create` makes, in three INSERTs per batch instead of
    a dozen queries per person: a province roster is thousands of people. Every
    value has been validated by `roster_validate` beforehand.
    """
    User = get_user_model()
    users = []
    for row, _identity, _position, _unit in rows:
        user = User(**{User.USERNAME_FIELD: User.normalize_username(row.id_number)})
        user.password = make_password(None)  # unusable, as learner_create does
        users.append(user)
    User._default_manager.bulk_create(users, batch_size=BULK_BATCH_SIZE)
    profiles = [
        LearnerProfile(
            user=user,
            id_number=row.id_number,
            real_name=row.real_name,
            identity=identity,
            position=position,
            unit=unit,
            phone=row.phone,
        )
        for user, (row, identity, position, unit) in zip(users, rows, strict=True)
    ]
    LearnerProfile.objects.bulk_create(profiles, batch_size=BULK_BATCH_SIZE)
    UnitMembership.objects.bulk_create(
        [
            UnitMembership(
                learner=profile,
                unit=profile.unit,
                started_on=on_date,
                source=MembershipSource.ROSTER_IMPORT,
                roster_import=roster_import,
                recorded_by=importer,
            )
            for profile in profiles
        ],
        batch_size=BULK_BATCH_SIZE,
    )


def _people_apply(
    *,
    plan: _Plan,
    ctx: _Context,
    counts: dict,
    progress: _Progress,
    on_date: date,
    roster_import: RosterImport | None,
    importer,
) -> None:
    needed = sorted({row.unit_code for row, _, _ in plan.people})
    units: dict[str, OrgUnit] = {}
    for chunk in _chunks(needed):
        units.update((u.code, u) for u in OrgUnit.objects.filter(code__in=chunk))
    new_people = []
    for row, identity, position in plan.people:
        unit = units[row.unit_code]
        profile = ctx.profiles.get(row.id_number)
        if profile is None:
            new_people.append((row, identity, position, unit))
            continue
        changes = {}
        if profile.real_name != row.real_name:
            changes["real_name"] = row.real_name
        if profile.identity != identity:
            changes["identity"] = identity
        if profile.position_id != position.pk:
            changes["position"] = position
        if row.phone and profile.phone != row.phone:
            changes["phone"] = row.phone
        if changes:
            LearnerProfile.objects.filter(pk=profile.pk).update(
                **changes, updated_at=timezone.now()
            )
        moved = profile.unit_id != unit.pk
        if moved:
            learner_move(
                learner=profile,
                unit=unit,
                on_date=on_date,
                source=MembershipSource.ROSTER_IMPORT,
                roster_import=roster_import,
                recorded_by=importer,
            )
            counts["people_moved"] += 1
        elif changes:
            counts["people_updated"] += 1
        else:
            counts["unchanged"] += 1
        progress.step()
    for start in range(0, len(new_people), BULK_BATCH_SIZE):
        batch = new_people[start:start + BULK_BATCH_SIZE]
        _people_create(
            rows=batch, on_date=on_date, roster_import=roster_import, importer=importer
        )
        counts["people_created"] += len(batch)
        progress.step(len(batch))


def roster_apply(
    *,
    roster: Roster,
    importer=None,
    roster_import: RosterImport | None = None,
    on_date: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write the roster's units and people; all of it, or nothing.

    Validates first and raises RosterInvalid with every error before writing.
    Units and people missing from the file are left as they are; rows identical to
    the database are not written at all, so re-running a file changes nothing.
    Returns how many units and people were created, updated (same place, new
    details), moved (new parent or unit) or left unchanged; the counts add up to
    the number of rows.
    """
    on_date = on_date or timezone.localdate()
    counts = dict.fromkeys(COUNT_KEYS, 0)
    tracker = _Progress(roster.size, progress)
    with transaction.atomic():
        ctx = _context_load(roster)
        errors, plan = _roster_check(roster=roster, ctx=ctx, importer=importer)
        if errors:
            raise RosterInvalid(errors)
        _units_apply(plan=plan, ctx=ctx, counts=counts, progress=tracker)
        _people_apply(
            plan=plan, ctx=ctx, counts=counts, progress=tracker, on_date=on_date,
            roster_import=roster_import, importer=importer,
        )
    return counts


# ------------------------------------------------------------------------ the job


def _progress_store(*, roster_import_id: int, done: int, total: int) -> None:
    """Record progress where other connections can see it while the import runs.

    The import holds one transaction open until the end, so progress written
    through it would stay invisible and be rolled back with it. A second
    connection commits it at once. SQLite allows one writer at a time, and the
    import is that writer: there the progress is recorded when the import ends.
    """
    if connection.vendor == "sqlite":
        return
    table = RosterImport._meta.db_table
    side = connection.copy()
    try:
        quote = side.ops.quote_name
        with side.cursor() as cursor:
            if side.vendor == "postgresql":
                # Never wait on a lock held by our own caller's open transaction.
                cursor.execute("SET lock_timeout = '1s'")
            cursor.execute(
                f"UPDATE {quote(table)} SET {quote('progress_done')} = %s, "
                f"{quote('progress_total')} = %s WHERE {quote('id')} = %s",
                [done, total, roster_import_id],
            )
    except DatabaseError:
        logger.warning("Could not record the progress of roster import %s",
                       roster_import_id, exc_info=True)
    finally:
        side.close()


def _progress_recorder(roster_import_id: int) -> Callable[[int, int], None]:
    last = {"saved": 0}

    def record(done: int, total: int) -> None:
        if done - last["saved"] >= PROGRESS_SAVE_EVERY or done >= total:
            last["saved"] = done
            _progress_store(roster_import_id=roster_import_id, done=done, total=total)

    return record


def roster_import_process(*, roster_import_id: int) -> None:
    """Run one roster import job and record how it went.

    Status and outcome are written outside the import transaction, so a failed
    import is still recorded as failed with its reasons.
    """
    roster_import = RosterImport.objects.select_related("uploaded_by").get(
        pk=roster_import_id
    )
    if roster_import.is_finished:
        return  # a retried task must not import the same file twice
    jobs = RosterImport.objects.filter(pk=roster_import_id)
    jobs.update(
        status=RosterImport.Status.RUNNING, progress_done=0, progress_total=0,
        errors=[], summary={}, finished_at=None,
    )
    total = 0
    try:
        with roster_import.file.open("rb") as handle:
            roster = roster_read(file=handle, filename=roster_import.original_name)
        total = roster.size
        jobs.update(progress_total=total)
        summary = roster_apply(
            roster=roster,
            importer=roster_import.uploaded_by,
            roster_import=roster_import,
            progress=_progress_recorder(roster_import_id),
        )
    except RosterInvalid as exc:
        jobs.update(
            status=RosterImport.Status.FAILED,
            errors=[error.as_dict() for error in exc.errors],
            finished_at=timezone.now(),
        )
        return
    except Exception:
        logger.exception("Roster import %s failed", roster_import_id)
        jobs.update(
            status=RosterImport.Status.FAILED,
            errors=[RosterError(None, None, None, GENERIC_FAILURE).as_dict()],
            finished_at=timezone.now(),
        )
        raise
    jobs.update(
        status=RosterImport.Status.SUCCEEDED,
        summary=summary,
        progress_done=total,
        progress_total=total,
        finished_at=timezone.now(),
    )


# ----------------------------------------------------------------------- template

TEMPLATE_UNITS = [
    ["SJDJ", "某省戒毒管理局", "", "戒毒管理局"],
    ["SJDJ-01", "某省第一强制隔离戒毒所", "SJDJ", "戒毒所"],
    ["SJDJ-01-01", "第一大队", "SJDJ-01", "大队"],
]
TEMPLATE_PEOPLE = [
    ["320101", "张伟", "民警", "管理岗", "SJDJ-01-01", "13800000001"],
    ["320102", "李娜", "民警", "教育矫治岗", "SJDJ-01-01", ""],
]
TEXT_COLUMNS = {UNIT_CODE, UNIT_PARENT, PERSON_ID, PERSON_PHONE}


def _template_column_notes() -> list[tuple[str, str, str, str]]:
    parents = "；".join(
        f"{_kind_label(kind)}隶属于{_allowed_parents_text(kind)}"
        for kind, allowed in ALLOWED_PARENT_KINDS.items()
        if allowed - {None}
    )
    return [
        (UNIT_SHEET, UNIT_CODE, "必填",
         "每个单位唯一的编码，文件内不能重复。系统按编码识别单位："
         "编码已存在的单位会按本行更新名称、类型和上级单位。"),
        (UNIT_SHEET, UNIT_NAME, "必填", f"单位全称，不超过 {UNIT_NAME_MAX} 个字。"),
        (UNIT_SHEET, UNIT_PARENT, "最上级单位留空",
         "上级单位的编码，可以是本文件中的单位，也可以是系统中已有的单位。"
         f"上下级关系：{parents}。"),
        (UNIT_SHEET, UNIT_KIND, "必填",
         f"可填：{UNIT_KIND_CHOICES_TEXT}（常用简称见下表）。"),
        (PEOPLE_SHEET, PERSON_ID, "必填",
         "民警填警号，其他人员填工号或人员编号；同时作为登录名，"
         "只能包含字母、数字和 @ . + - _，不能重复。系统按编号识别人员。"),
        (PEOPLE_SHEET, PERSON_NAME, "必填", f"真实姓名，不超过 {REAL_NAME_MAX} 个字。"),
        (PEOPLE_SHEET, PERSON_IDENTITY, "必填", f"可填：{IDENTITY_CHOICES_TEXT}。"),
        (PEOPLE_SHEET, PERSON_POSITION, "必填", "填写下方“岗位目录”中的岗位名称。"),
        (PEOPLE_SHEET, PERSON_UNIT, "必填",
         "人员所在单位的编码，可以是本文件中的单位，也可以是系统中已有的单位。"
         "已有人员的单位与系统不同时，系统按调动处理并保留原任职记录。"),
        (PEOPLE_SHEET, PERSON_PHONE, "选填",
         "11 位手机号，以 1 开头。留空则保留系统中已有的手机号。这一列可以整列删除。"),
    ]


def roster_template_workbook():
    """The blank roster workbook administrators download and fill in."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    workbook = Workbook()
    workbook.remove(workbook.active)

    def sheet_add(title, header, rows, widths):
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for index, (name, width) in enumerate(zip(header, widths, strict=True), 1):
            cell = sheet.cell(row=1, column=index)
            cell.font = bold
            cell.fill = fill
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = width
            if name in TEXT_COLUMNS:
                # Typed as text, 0320 keeps its leading zero and phones stay digits.
                sheet.column_dimensions[letter].number_format = "@"
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "@"
        sheet.freeze_panes = "A2"
        return sheet

    units = sheet_add(UNIT_SHEET, list(UNIT_COLUMNS), TEMPLATE_UNITS, [16, 30, 16, 16])
    people = sheet_add(
        PEOPLE_SHEET, list(PEOPLE_COLUMNS), TEMPLATE_PEOPLE, [14, 12, 16, 16, 16, 16]
    )

    notes = workbook.create_sheet("说明")
    notes.append(["花名册填写说明"])
    notes["A1"].font = Font(bold=True, size=14)
    for line in [
        "1. 文件保存为 Excel 工作簿（.xlsx），包含“单位”“人员”两个工作表，"
        "表头在第 1 行，列的顺序可以调整，空行会被忽略。",
        "2. 示例行仅供参考，导入前请删除或替换为本单位的数据。",
        "3. 文件中没有列出的单位和人员保持不变；内容与系统相同的行不会产生任何修改。",
        "4. 导入前系统会检查每一行，任何一行有错误时整个文件都不会导入，"
        "并列出所有错误所在的工作表、行号和列。",
    ]:
        notes.append([line])
    notes.append([])
    notes.append(["工作表", "列名", "是否必填", "填写说明"])
    header_row = notes.max_row
    for row in _template_column_notes():
        notes.append(list(row))
    for cell in notes[header_row]:
        cell.font = bold
        cell.fill = fill

    notes.append([])
    notes.append(["单位类型可填写的值", "也可填写"])
    for cell in notes[notes.max_row]:
        cell.font = bold
        cell.fill = fill
    for kind in UnitKind:
        aliases = [
            a for a, k in UNIT_KIND_ALIASES.items() if k == kind and a != kind.label
        ]
        notes.append([str(kind.label), "、".join(aliases)])

    notes.append([])
    notes.append(["身份类型可填写的值", "也可填写"])
    for cell in notes[notes.max_row]:
        cell.font = bold
        cell.fill = fill
    for identity in IdentityKind:
        aliases = [
            a for a, k in IDENTITY_ALIASES.items()
            if k == identity and a != identity.label
        ]
        notes.append([str(identity.label), "、".join(aliases)])

    notes.append([])
    notes.append(["岗位目录：岗位名称", "岗位代码", "", "说明"])
    for cell in notes[notes.max_row]:
        cell.font = bold
        cell.fill = fill
    first_position = notes.max_row + 1
    for position in Position.objects.filter(is_active=True):
        notes.append([position.name, position.code, "", position.description])
    last_position = notes.max_row
    for letter, width in zip("ABCD", [22, 16, 16, 80], strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap

    # Drop-down lists help without forbidding the aliases the importer accepts.
    kinds = DataValidation(
        type="list", formula1=f'"{",".join(str(k.label) for k in UnitKind)}"',
        allow_blank=True,
    )
    units.add_data_validation(kinds)
    kinds.add("D2:D2000")
    identities = DataValidation(
        type="list", formula1=f'"{",".join(str(k.label) for k in IdentityKind)}"',
        allow_blank=True,
    )
    people.add_data_validation(identities)
    identities.add("C2:C20000")
    if last_position >= first_position:
        positions = DataValidation(
            type="list",
            formula1=f"'说明'!$A${first_position}:$A${last_position}",
            allow_blank=True,
        )
        people.add_data_validation(positions)
        positions.add("D2:D20000")
    return workbook
