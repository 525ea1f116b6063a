"""Reading a lesson sheet: size, what the file really is, then its rows as text.

An .xlsx is read with openpyxl (the sheet “课程”, or the first sheet); a .csv must
be UTF-8, with or without a byte-order mark, as Excel's “CSV UTF-8” writes it.
Anything else gets one clear error saying what the file is and what to do.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from courses.services.lessons.types import (
    BODY,
    CLASS_HOURS,
    CODE,
    COLUMNS,
    EXTENSIONS,
    FORMAT,
    MAX_FILE_BYTES,
    MINUTES,
    POSITIONS,
    PROGRAMME,
    SHEET,
    SUMMARY,
    TITLE,
    TOPICS,
    LessonError,
    LessonRow,
    LessonSheet,
    LessonsInvalid,
    file_error,
)
from courses.services.spreadsheet import cell_text as _text

# A long lesson body in one CSV cell is more than csv's default 128 KB field limit.
CSV_FIELD_LIMIT = 16 * 1024 * 1024

SAVE_AS = (
    "请在 Excel 中打开后“另存为”Excel 工作簿（*.xlsx）"
    "或“CSV UTF-8（逗号分隔）(*.csv)”再导入。"
)


def _normal(text: str) -> str:
    """Full-width letters, digits and brackets folded (ＡＢ１（） → AB1())."""
    return unicodedata.normalize("NFKC", text)


def _header_key(value: object) -> str:
    return "".join(_normal(_text(value)).split())


# Header names as typed, folded the same way as the file's header cells.
HEADER_ALIASES: dict[str, str] = {
    **{_header_key(column): column for column in COLUMNS},
    "课程编码": CODE,
    "课程标题": TITLE,
    "时长": MINUTES,
    "分钟": MINUTES,
    "岗位": POSITIONS,
}


def _size(file: BinaryIO | str | Path) -> int | None:
    if isinstance(file, str | Path):
        try:
            return Path(file).stat().st_size
        except OSError as exc:
            raise file_error(f"无法打开文件“{file}”：{exc.strerror or exc}。") from exc
    size = getattr(file, "size", None)  # Django's UploadedFile
    if isinstance(size, int):
        return size
    with contextlib.suppress(AttributeError, OSError, ValueError):
        here = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(here)
        return end
    return None


def _read_bytes(file: BinaryIO | str | Path) -> bytes:
    if isinstance(file, str | Path):
        try:
            return Path(file).read_bytes()
        except OSError as exc:
            raise file_error(f"无法打开文件“{file}”：{exc.strerror or exc}。") from exc
    with contextlib.suppress(AttributeError, OSError, ValueError):
        file.seek(0)
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # a stream that could not tell its size
        raise _too_big()
    return data.encode("utf-8") if isinstance(data, str) else data


def _too_big() -> LessonsInvalid:
    limit = MAX_FILE_BYTES // (1024 * 1024)
    return file_error(
        f"文件超过 {limit} MB，系统不予读取。请把课程分成几个文件分别导入"
        "（4,453 课的完整资源库约 1 MB），或删除表格中的图片等多余内容后再试。"
    )


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return "damaged"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if any(n.startswith("word/") for n in names):
        return "Word 文档（.docx）"
    if any(n.startswith("ppt/") for n in names):
        return "PowerPoint 演示文稿（.pptx）"
    return "ZIP 压缩包"


def _content_kind(data: bytes) -> str:
    """What the bytes are: “xlsx”, “text”, or a description for the message."""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    if data.startswith(b"%PDF"):
        return "PDF 文件"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "旧版 Excel 97-2003 工作簿（.xls）或其他旧版 Office 文档"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 编码的文本文件"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "图片"
    if b"\x00" in data[:4096]:
        return "二进制文件"
    return "text"


def _sniff(data: bytes, filename: str) -> str:
    """“xlsx” or “csv” when the file is what its name says, else a clear error."""
    named = f"文件“{filename}”" if filename else "文件"
    if not data:
        raise file_error(f"{named}是空的，请选择填写好的课程表（.xlsx 或 .csv）。")
    extension = Path(filename).suffix.lower() if filename else ""
    kind = _content_kind(data)
    if extension and extension not in EXTENSIONS:
        raise file_error(
            f"{named}的类型是“{extension}”，只能导入 Excel 工作簿（.xlsx）"
            f"或 UTF-8 编码的 CSV 文件（.csv）。{SAVE_AS}"
        )
    if kind == "xlsx" and extension in ("", ".xlsx"):
        return "xlsx"
    if kind == "damaged":
        raise file_error(
            f"{named}已损坏，不是完整的 Excel 工作簿（可能没有下载或复制完整），"
            "无法读取。请在 Excel 中打开确认内容后重新保存为 .xlsx 再导入。"
        )
    if kind == "text" and extension in ("", ".csv"):
        return "csv"
    shown = {"xlsx": "Excel 工作簿（.xlsx）", "text": "文本（CSV）文件"}.get(kind, kind)
    if extension:
        raise file_error(
            f"{named}的扩展名是“{extension}”，但内容是{shown}，与扩展名不符，"
            "可能是改过扩展名的其他文件。请上传按课程表模板填写的 .xlsx 文件，"
            "或从 Excel 另存的“CSV UTF-8”文件。"
        )
    raise file_error(f"{named}的内容是{shown}，不是课程表。{SAVE_AS}")


def _decode_csv(data: bytes, filename: str) -> str:
    named = f"文件“{filename}”" if filename else "文件"
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        raise file_error(
            f"{named}的文字编码无法识别，系统只接受 UTF-8 编码的 CSV 文件。{SAVE_AS}"
        ) from None
    raise file_error(
        f"{named}是 GBK（GB2312/GB18030）编码的 CSV 文件，系统只接受 UTF-8 编码，"
        "直接导入中文会变成乱码。请在 Excel 中打开后“另存为”，"
        "文件类型选择“CSV UTF-8（逗号分隔）(*.csv)”或“Excel 工作簿（*.xlsx）”，"
        "然后导入新保存的文件。"
    )


def _csv_rows(text: str) -> Iterable[tuple[int, Sequence[object]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    # Numbered as records, as Excel shows them: a quoted cell may span lines.
    yield from enumerate(
        csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1
    )


def _xlsx_rows(data: bytes, filename: str) -> list[tuple[int, Sequence[object]]]:
    from openpyxl import load_workbook

    named = f"文件“{filename}”" if filename else "文件"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it ignores
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged workbooks
        raise file_error(
            f"{named}已损坏，无法作为 Excel 工作簿读取。"
            "请在 Excel 中打开确认内容后重新保存为 .xlsx 再导入。"
        ) from exc
    try:
        names = {name.strip(): name for name in workbook.sheetnames}
        sheet = workbook[names[SHEET]] if SHEET in names else workbook.worksheets[0]
        return list(enumerate(sheet.iter_rows(values_only=True), 1))
    except Exception as exc:
        raise file_error(
            f"{named}的内容无法读取，文件可能已损坏。"
            "请在 Excel 中打开后重新保存为 .xlsx 再导入。"
        ) from exc
    finally:
        workbook.close()


def _table(
    rows: Iterable[tuple[int, Sequence[object]]],
) -> list[tuple[int, dict[str, str]]]:
    """The rows under the header as {column: text}, or every header error."""
    rows = iter(rows)
    first = next(rows, None)
    header = [_header_key(value) for value in (first[1] if first else ())]
    if not any(header):
        raise file_error(
            f"第 1 行没有表头。第 1 行应依次填写列名：{'、'.join(COLUMNS)}。"
        )
    errors: list[LessonError] = []
    positions: dict[str, int] = {}
    for index, key in enumerate(header):
        column = HEADER_ALIASES.get(key)
        if column is None:
            continue  # extra columns (备注 and the like) are allowed and ignored
        if column in positions:
            errors.append(
                LessonError(
                    1,
                    column,
                    f"“{column}”列出现了不止一次（第 {positions[column] + 1} 列和"
                    f"第 {index + 1} 列），请删除多余的一列。",
                )
            )
        else:
            positions[column] = index
    for column in COLUMNS:
        if column not in positions:
            errors.append(
                LessonError(
                    1,
                    column,
                    f"缺少“{column}”列。请在第 1 行加上列名“{column}”"
                    f"（必需的列：{'、'.join(COLUMNS)}）。",
                )
            )
    if errors:
        raise LessonsInvalid(errors)
    table = []
    for number, values in rows:
        record = {
            column: _text(values[index]) if index < len(values) else ""
            for column, index in positions.items()
        }
        if any(record.values()):
            table.append((number, record))
    return table


def _sheet_build(table: list[tuple[int, dict[str, str]]]) -> LessonSheet:
    if not table:
        raise file_error(
            "文件中没有课程：表头以下都是空行。请从第 2 行起每行填写一课。"
        )
    return LessonSheet(
        rows=[
            LessonRow(
                row=number,
                code=_normal(r[CODE]).strip(),
                title=r[TITLE],
                programme=_normal(r[PROGRAMME]).strip(),
                format=r[FORMAT],
                class_hours=_normal(r[CLASS_HOURS]).strip(),
                minutes=_normal(r[MINUTES]).strip(),
                topics=r[TOPICS],
                positions=r[POSITIONS],
                summary=r[SUMMARY],
                body=r[BODY],
            )
            for number, r in table
        ]
    )


def lessons_read(*, file: BinaryIO | str | Path, filename: str = "") -> LessonSheet:
    """Read a lesson sheet (.xlsx or UTF-8 .csv) into trimmed text rows.

    Raises LessonsInvalid when the file cannot be used at all (too big, not what
    its extension says, GBK text, missing columns); row problems are left to
    `lessons_validate`. The size is checked before a byte is read.
    """
    if not filename:
        filename = Path(file).name if isinstance(file, str | Path) else ""
        filename = filename or Path(getattr(file, "name", "") or "").name
    size = _size(file)
    if size is not None and size > MAX_FILE_BYTES:
        raise _too_big()
    data = _read_bytes(file)
    kind = _sniff(data, filename)
    if kind == "xlsx":
        rows = _xlsx_rows(data, filename)
    else:
        text = _decode_csv(data, filename)
        try:
            rows = list(_csv_rows(text))
        except csv.Error as exc:
            raise file_error(
                f"CSV 文件格式有误（{exc}），可能有未闭合的引号。{SAVE_AS}"
            ) from exc
    return _sheet_build(_table(rows))


def lessons_from_records(*, records: Sequence[dict[str, object]]) -> LessonSheet:
    """A sheet from records keyed by column name; rows are numbered from 2, as
    they would be in the workbook written from the same records."""
    header = list(dict.fromkeys(key for record in records for key in record))
    rows = [(1, header)] + [
        (number, [record.get(name) for name in header])
        for number, record in enumerate(records, 2)
    ]
    return _sheet_build(_table(rows))
