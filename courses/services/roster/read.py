"""Reading a roster: sniffing the upload, then workbook or records into a Roster."""

from __future__ import annotations

import contextlib
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from courses.services.roster.types import (
    KNOWN_COLUMNS,
    PEOPLE_SHEET,
    PERSON_ID,
    PERSON_IDENTITY,
    PERSON_NAME,
    PERSON_PHONE,
    PERSON_POSITION,
    PERSON_UNIT,
    REQUIRED_COLUMNS,
    SHEETS,
    UNIT_CODE,
    UNIT_KIND,
    UNIT_NAME,
    UNIT_PARENT,
    UNIT_SHEET,
    PersonRow,
    Roster,
    RosterError,
    RosterInvalid,
    UnitRow,
)
from courses.services.spreadsheet import cell_text as _text


def _file_error(message: str) -> RosterInvalid:
    return RosterInvalid([RosterError(None, None, None, message)])


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
            raise _file_error(f"这是 GBK 编码的 CSV 文件，不是 Excel 工作簿。{save_as}")
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
            errors.append(
                RosterError(
                    sheet,
                    1,
                    name,
                    f"“{name}”列出现了不止一次（第 {positions[name] + 1} 列和第 "
                    f"{index + 1} 列），请删除多余的一列。",
                )
            )
        else:
            positions[name] = index
    required = REQUIRED_COLUMNS[sheet]
    if not any(names):
        return [], [
            RosterError(
                sheet,
                1,
                None,
                f"工作表“{sheet}”第 1 行没有表头。第 1 行应依次填写列名："
                f"{'、'.join(KNOWN_COLUMNS[sheet])}。",
            )
        ]
    for column in required:
        if column not in positions:
            errors.append(
                RosterError(
                    sheet,
                    1,
                    column,
                    f"工作表“{sheet}”缺少“{column}”列。请在第 1 行加上列名“{column}”"
                    f"（必需的列：{'、'.join(required)}）。",
                )
            )
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
