"""Builders for question files in tests: Moodle XML, Excel, images."""

from __future__ import annotations

import base64
import io
from xml.sax.saxutils import escape

import pytest


def png_bytes(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real 4×4 PNG (Pillow recognises it)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def moodle_question(
    kind: str,
    stem: str,
    *,
    name: str = "",
    answers: list[tuple[str, str]] = (),
    single: bool | None = None,
    feedback: str = "",
    grade: str = "",
    idnumber: str = "",
    tags: list[str] = (),
    files: dict[str, bytes] | None = None,
    extra: str = "",
) -> str:
    """One <question> element; `answers` are (fraction, text)."""
    parts = [f'<question type="{kind}">']
    if name:
        parts.append(f"<name><text>{escape(name)}</text></name>")
    file_elements = "".join(
        f'<file name="{escape(n)}" path="/" encoding="base64">'
        f"{base64.b64encode(data).decode()}</file>"
        for n, data in (files or {}).items()
    )
    parts.append(
        f'<questiontext format="html"><text><![CDATA[{stem}]]></text>'
        f"{file_elements}</questiontext>"
    )
    if feedback:
        parts.append(
            f'<generalfeedback format="html"><text>{escape(feedback)}</text>'
            "</generalfeedback>"
        )
    if grade:
        parts.append(f"<defaultgrade>{grade}</defaultgrade>")
    if idnumber:
        parts.append(f"<idnumber>{escape(idnumber)}</idnumber>")
    if single is not None:
        parts.append(f"<single>{'true' if single else 'false'}</single>")
    for fraction, text in answers:
        parts.append(
            f'<answer fraction="{fraction}" format="html">'
            f"<text>{escape(text)}</text></answer>"
        )
    if tags:
        parts.append(
            "<tags>"
            + "".join(f"<tag><text>{escape(t)}</text></tag>" for t in tags)
            + "</tags>"
        )
    parts.append(extra)
    parts.append("</question>")
    return "".join(parts)


def moodle_category(path: str) -> str:
    return (
        f'<question type="category"><category><text>{escape(path)}</text>'
        "</category></question>"
    )


def moodle_xml(*questions: str) -> bytes:
    body = "\n".join(questions)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n{body}\n</quiz>\n'.encode()


XLSX_HEADER = [
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "答案",
    "解析",
    "难度",
    "分类",
    "知识点",
    "分值",
    "编号",
]


def xlsx_bytes(rows: list[list], *, header: list[str] = XLSX_HEADER, edit=None):
    """An .xlsx with a 题目 sheet; `edit(sheet)` may merge cells or add formulas."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题目"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if edit is not None:
        edit(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_row(kind="单选题", stem="题干", options=("甲", "乙", "丙", "丁"), **cols):
    """A template row; keyword names are the Chinese column names' pinyin-free
    equivalents: answer, explanation, difficulty, category, points, code, kp."""
    options = list(options) + [""] * (4 - len(options))
    return [
        kind,
        stem,
        *options,
        cols.get("answer", "A"),
        cols.get("explanation", ""),
        cols.get("difficulty", ""),
        cols.get("category", ""),
        cols.get("kp", ""),
        cols.get("points", ""),
        cols.get("code", ""),
    ]


@pytest.fixture
def media(settings, tmp_path):
    """Images land in a fresh MEDIA_ROOT per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
