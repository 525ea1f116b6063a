"""Checking a roster against itself and the database, into a plan to write.

`_context_load` reads what the roster touches in a few queries; `_Checker` turns
that and the rows into every error at once, plus the `_Plan` that `apply` writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from courses.models import LearnerProfile, OrgUnit, Position
from courses.models.learners import IdentityKind
from courses.models.organisation import ALLOWED_PARENT_KINDS, UnitKind
from courses.selectors.scope import Capability, scope_root_paths
from courses.services.roster.types import (
    ID_NUMBER_MAX,
    ID_NUMBER_RE,
    IDENTITY_ALIASES,
    IDENTITY_CHOICES_TEXT,
    PEOPLE_SHEET,
    PERSON_ID,
    PERSON_IDENTITY,
    PERSON_NAME,
    PERSON_PHONE,
    PERSON_POSITION,
    PERSON_UNIT,
    PHONE_RE,
    REAL_NAME_MAX,
    SHEETS,
    UNIT_CODE,
    UNIT_CODE_MAX,
    UNIT_KIND,
    UNIT_KIND_ALIASES,
    UNIT_KIND_CHOICES_TEXT,
    UNIT_NAME,
    UNIT_NAME_MAX,
    UNIT_PARENT,
    UNIT_SHEET,
    PersonRow,
    Roster,
    RosterError,
    UnitRow,
    _allowed_parents_text,
    _kind_label,
)

QUERY_CHUNK_SIZE = 500


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
        yield list(values[start : start + size])


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
            self.errors.append(
                RosterError(
                    None,
                    None,
                    None,
                    "你没有导入花名册的权限。花名册只能由戒毒管理局管理员导入，"
                    "请联系上级管理员。",
                )
            )
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
                    S,
                    row.row,
                    UNIT_CODE,
                    f"单位编码“{row.code}”与第 {first_row[row.code]} 行重复，"
                    "同一单位只能填写一行。",
                )
                continue
            elif len(row.code) > UNIT_CODE_MAX:
                self.error(
                    S,
                    row.row,
                    UNIT_CODE,
                    f"单位编码“{row.code}”太长，不能超过 {UNIT_CODE_MAX} 个字符。",
                )
            if row.code:
                first_row[row.code] = row.row
                self.unit_rows[row.code] = row
            if not row.name:
                self.error(S, row.row, UNIT_NAME, "单位名称不能为空。")
            elif len(row.name) > UNIT_NAME_MAX:
                self.error(
                    S,
                    row.row,
                    UNIT_NAME,
                    f"单位名称太长，不能超过 {UNIT_NAME_MAX} 个字符。",
                )
            kind = _kind_from_label(row.kind_label)
            if kind is None:
                what = (
                    f"单位类型“{row.kind_label}”无法识别"
                    if row.kind_label
                    else ("单位类型不能为空")
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
                    S,
                    row.row,
                    UNIT_PARENT,
                    f"单位“{code}”的上级单位编码填成了它自己，请填写它的上级单位编码。",
                )
                continue
            if parent and not self.exists(parent):
                self.error(
                    S,
                    row.row,
                    UNIT_PARENT,
                    f"上级单位编码“{parent}”在文件和系统中都不存在。",
                )
                continue
            chain, cyclic = self.lineage(code)
            if cyclic and self.final_parent(chain[-1]) in chain:
                start = chain.index(self.final_parent(chain[-1]))
                if start == 0:
                    loop = " → ".join([*chain, code])
                    self.error(
                        S,
                        row.row,
                        UNIT_PARENT,
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
                    UNIT_SHEET,
                    row.row,
                    UNIT_PARENT,
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
            unit
            for unit in self.ctx.units.values()
            if unit.parent_code == row.code
            and unit.code not in self.unit_rows
            and kind not in ALLOWED_PARENT_KINDS[unit.kind]
        ]
        if misfits:
            child = misfits[0]
            more = f"等 {len(misfits)} 个单位" if len(misfits) > 1 else ""
            self.error(
                UNIT_SHEET,
                row.row,
                UNIT_KIND,
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
                        UNIT_SHEET,
                        row.row,
                        UNIT_CODE,
                        f"“{existing.name}”（{code}）是你管理范围的最上级单位，"
                        "只能原样列出，不能在导入时修改它的名称、类型或上级单位。",
                    )
                continue
            if existing is not None and not existing.path.startswith(tuple(roots)):
                self.error(
                    UNIT_SHEET,
                    row.row,
                    UNIT_CODE,
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
                    S,
                    row.row,
                    PERSON_ID,
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
                        S,
                        row.row,
                        PERSON_ID,
                        f"编号“{row.id_number}”太长，不能超过 {ID_NUMBER_MAX} 个字符。",
                    )
                    ok = False
                elif not ID_NUMBER_RE.match(row.id_number):
                    self.error(
                        S,
                        row.row,
                        PERSON_ID,
                        f"编号“{row.id_number}”含有不允许的字符，"
                        "只能包含字母、数字和 @ . + - _。",
                    )
                    ok = False
                elif existing is None and (
                    get_user_model().normalize_username(row.id_number)
                    in self.ctx.taken_usernames
                ):
                    self.error(
                        S,
                        row.row,
                        PERSON_ID,
                        f"编号“{row.id_number}”已被系统中的其他账号用作登录名，"
                        "请核对编号或联系系统管理员。",
                    )
                    ok = False
            if not row.real_name:
                self.error(S, row.row, PERSON_NAME, "姓名不能为空。")
                ok = False
            elif len(row.real_name) > REAL_NAME_MAX:
                self.error(
                    S,
                    row.row,
                    PERSON_NAME,
                    f"姓名太长，不能超过 {REAL_NAME_MAX} 个字符。",
                )
                ok = False
            identity = _identity_from_label(row.identity_label)
            if identity is None:
                what = (
                    f"身份类型“{row.identity_label}”无法识别"
                    if row.identity_label
                    else "身份类型不能为空"
                )
                self.error(
                    S,
                    row.row,
                    PERSON_IDENTITY,
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
                    S,
                    row.row,
                    PERSON_UNIT,
                    f"单位编码“{row.unit_code}”在文件和系统中都不存在。",
                )
                ok = False
            if row.phone and not PHONE_RE.match(row.phone):
                self.error(
                    S,
                    row.row,
                    PERSON_PHONE,
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
                PEOPLE_SHEET,
                row.row,
                PERSON_POSITION,
                f"岗位“{name}”不在岗位目录中。",
            )
            return None
        if not position.is_active and (
            existing is None or existing.position_id != position.pk
        ):
            self.error(
                PEOPLE_SHEET,
                row.row,
                PERSON_POSITION,
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
                        PEOPLE_SHEET,
                        row.row,
                        PERSON_ID,
                        f"编号“{row.id_number}”属于其他单位，无权调整。",
                    )
                    refused.add(row.row)
                    continue
            if not self.exists(row.unit_code):
                continue  # reported already
            chain, cyclic = self.lineage(row.unit_code)
            if not cyclic and not any(code in root_codes for code in chain):
                self.error(
                    PEOPLE_SHEET,
                    row.row,
                    PERSON_UNIT,
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
