"""Roster workbooks (and things that are not workbooks) built for the import tests."""

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

UNIT_HEADER = ["单位编码", "单位名称", "上级单位编码", "单位类型"]
PEOPLE_HEADER = ["编号", "姓名", "身份类型", "岗位", "单位编码", "手机号"]

# A new province, deliberately listed child-before-parent: the file order must
# not matter. Excel rows: header = 1, so NB-F1-D1 is row 2 and NB is row 3.
GOOD_UNITS = [
    ["NB-F1-D1", "一所一大队", "NB-F1", "大队"],
    ["NB", "某省戒毒管理局", "", "戒毒管理局"],
    ["NB-F1", "某省第一强制隔离戒毒所", "NB", "戒毒所"],
    ["NB-F1-XL", "一所心理矫治中心", "NB-F1", "专业中心"],
    ["NB-C1", "某市禁毒办", "NB", "禁毒办"],
    ["NB-C1-S1", "某街道社区康复工作站", "NB-C1", "社区康复工作站"],
]
GOOD_PEOPLE = [
    ["320101", "张伟", "民警", "教育矫治岗", "NB-F1-D1", "13800000001"],
    ["320102", "李娜", "民警", "心理咨询岗", "NB-F1-XL", ""],
    ["320103", "王芳", "社区禁毒专干", "社区禁毒专干", "NB-C1-S1", "13900000002"],
    ["320104", "赵强", "禁毒志愿者", "志愿服务", "NB-C1-S1", ""],
]


def rows_copy(rows: Sequence[Sequence[object]]) -> list[list[object]]:
    return [list(row) for row in rows]


def workbook_write(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    """Write `sheets` ({title: rows, header first}) as an .xlsx at `path`."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path


def roster_xlsx(
    tmp_path: Path,
    *,
    units: Sequence[Sequence[object]] = GOOD_UNITS,
    people: Sequence[Sequence[object]] = GOOD_PEOPLE,
    unit_header: Sequence[object] = UNIT_HEADER,
    people_header: Sequence[object] = PEOPLE_HEADER,
    sheet_names: tuple[str, str] = ("单位", "人员"),
    name: str = "roster.xlsx",
) -> Path:
    """A roster workbook with the given rows (the good province by default)."""
    return workbook_write(
        tmp_path / name,
        {
            sheet_names[0]: [list(unit_header), *rows_copy(units)],
            sheet_names[1]: [list(people_header), *rows_copy(people)],
        },
    )


def bytes_write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def people_csv(*, encoding: str) -> bytes:
    lines = [",".join(PEOPLE_HEADER)] + [
        ",".join(str(value) for value in row) for row in GOOD_PEOPLE
    ]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
# The start of an OLE2 compound file: what Excel 97-2003 (.xls) writes.
XLS_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
RANDOM_BYTES = bytes((i * 37 + 11) % 256 for i in range(2048))
