"""The blank roster workbook administrators download and fill in."""

from __future__ import annotations

from courses.models import Position
from courses.models.learners import IdentityKind
from courses.models.organisation import ALLOWED_PARENT_KINDS, UnitKind
from courses.services.roster.types import (
    IDENTITY_ALIASES,
    IDENTITY_CHOICES_TEXT,
    PEOPLE_COLUMNS,
    PEOPLE_SHEET,
    PERSON_ID,
    PERSON_IDENTITY,
    PERSON_NAME,
    PERSON_PHONE,
    PERSON_POSITION,
    PERSON_UNIT,
    REAL_NAME_MAX,
    UNIT_CODE,
    UNIT_COLUMNS,
    UNIT_KIND,
    UNIT_KIND_ALIASES,
    UNIT_KIND_CHOICES_TEXT,
    UNIT_NAME,
    UNIT_NAME_MAX,
    UNIT_PARENT,
    UNIT_SHEET,
    _allowed_parents_text,
    _kind_label,
)

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
        (
            UNIT_SHEET,
            UNIT_CODE,
            "必填",
            "每个单位唯一的编码，文件内不能重复。系统按编码识别单位："
            "编码已存在的单位会按本行更新名称、类型和上级单位。",
        ),
        (UNIT_SHEET, UNIT_NAME, "必填", f"单位全称，不超过 {UNIT_NAME_MAX} 个字。"),
        (
            UNIT_SHEET,
            UNIT_PARENT,
            "最上级单位留空",
            "上级单位的编码，可以是本文件中的单位，也可以是系统中已有的单位。"
            f"上下级关系：{parents}。",
        ),
        (
            UNIT_SHEET,
            UNIT_KIND,
            "必填",
            f"可填：{UNIT_KIND_CHOICES_TEXT}（常用简称见下表）。",
        ),
        (
            PEOPLE_SHEET,
            PERSON_ID,
            "必填",
            "民警填警号，其他人员填工号或人员编号；同时作为登录名，"
            "只能包含字母、数字和 @ . + - _，不能重复。系统按编号识别人员。",
        ),
        (PEOPLE_SHEET, PERSON_NAME, "必填", f"真实姓名，不超过 {REAL_NAME_MAX} 个字。"),
        (PEOPLE_SHEET, PERSON_IDENTITY, "必填", f"可填：{IDENTITY_CHOICES_TEXT}。"),
        (PEOPLE_SHEET, PERSON_POSITION, "必填", "填写下方“岗位目录”中的岗位名称。"),
        (
            PEOPLE_SHEET,
            PERSON_UNIT,
            "必填",
            "人员所在单位的编码，可以是本文件中的单位，也可以是系统中已有的单位。"
            "已有人员的单位与系统不同时，系统按调动处理并保留原任职记录。",
        ),
        (
            PEOPLE_SHEET,
            PERSON_PHONE,
            "选填",
            "11 位手机号，以 1 开头。留空则保留系统中已有的手机号。"
            "这一列可以整列删除。",
        ),
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
            a
            for a, k in IDENTITY_ALIASES.items()
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
        type="list",
        formula1=f'"{",".join(str(k.label) for k in UnitKind)}"',
        allow_blank=True,
    )
    units.add_data_validation(kinds)
    kinds.add("D2:D2000")
    identities = DataValidation(
        type="list",
        formula1=f'"{",".join(str(k.label) for k in IdentityKind)}"',
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
