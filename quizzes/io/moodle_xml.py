"""Moodle XML: reading and writing the format Moodle's question bank exports.

Read with defusedxml and any DTD refused: Moodle never writes one, and a DTD is
how the "billion laughs" entity expansion and external-entity file reads get
in. Supported types: multichoice (single or multiple), multichoiceset (the
all-or-nothing plugin), truefalse, shortanswer (our fill-in) and essay;
`<question type="category">` sets the category of the questions after it.
Anything else (matching, calculated, numerical, cloze…) is reported, not
skipped.

Mapping: `<generalfeedback>` → 解析, `<defaultgrade>` → 分值, `<tags>` → 知识点,
`<idnumber>` → 编号. Multiple choice whose right options all carry 100% (two or
more) is 全对才得分, otherwise 按比例得分 (Moodle's partial fractions).
Images come as `<file name=… encoding="base64">` beside the text that shows
them through `@@PLUGINFILE@@/name`; they are checked with Pillow and kept.

Two elements of ours that Moodle ignores carry what Moodle has no field for:
`<difficulty>` (容易/中等/困难) and, for a fill-in with several blanks,
`<blanks><blank><answer>…</answer></blank>…</blanks>`.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, unquote

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

from quizzes.html import html_text
from quizzes.io.images import (
    IMG_SRC,
    ImageRefused,
    base64_decode,
    data_uris_extract,
    image_check,
    image_name_from_url,
    image_url,
)
from quizzes.io.types import (
    DIFFICULTY_WRITTEN,
    ImportProblem,
    OptionData,
    QuestionSpec,
    category_path_clean,
    difficulty_choices_text,
    difficulty_parse,
    points_parse,
)
from quizzes.models import MultipleScoring, QuestionKind

PLUGINFILE = "@@PLUGINFILE@@/"
SUPPORTED = {"multichoice", "multichoiceset", "truefalse", "shortanswer", "essay"}
TYPE_NAMES = {
    "matching": "配对题",
    "calculated": "计算题",
    "calculatedsimple": "简单计算题",
    "calculatedmulti": "计算选择题",
    "numerical": "数值题",
    "multianswer": "完形填空（Cloze）",
    "description": "说明文字",
    "ddwtos": "拖放文字题",
    "ddimageortext": "拖放图片题",
    "ddmarker": "拖放标记题",
    "gapselect": "下拉选词题",
    "randomsamatch": "随机配对题",
    "random": "随机题",
}


class _QuestionError(Exception):
    pass


def _child_text(element: ET.Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "") if found is not None else ""


def _fraction(value: str | None) -> Decimal:
    try:
        return Decimal((value or "0").strip())
    except InvalidOperation as exc:
        raise _QuestionError(
            _("答案得分“%(value)s”不是数字。") % {"value": value}
        ) from exc


def _formatted(element: ET.Element | None, spec: QuestionSpec) -> str:
    """The HTML of a text element, its embedded files kept as images."""
    if element is None:
        return ""
    text = _child_text(element)
    text_format = (element.get("format") or "html").lower()
    if text_format == "plain_text":
        text = (
            text.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("\n", "<br>")
        )
    files: dict[str, str] = {}
    for file in element.findall("file"):
        name = file.get("name") or ""
        label = name or _("（无名附件）")
        if (file.get("encoding") or "base64").lower() != "base64":
            raise _QuestionError(
                _("附件“%(name)s”不是 base64 编码。") % {"name": label}
            )
        try:
            image = image_check(data=base64_decode(file.text or ""), label=label)
        except ImageRefused as exc:
            raise _QuestionError(str(exc)) from exc
        spec.images.append(image)
        files[name] = image_url(image.name)

    def replace(match: re.Match) -> str:
        prefix, quote_char, src = match.groups()
        if not src.startswith(PLUGINFILE):
            return match.group(0)
        name = unquote(src[len(PLUGINFILE) :].split("?", 1)[0]).lstrip("/")
        if name not in files:
            raise _QuestionError(
                _("题目引用的图片“%(name)s”没有随文件一起导出（缺少 <file> 元素）。")
                % {"name": name}
            )
        return f"{prefix}{quote_char}{files[name]}{quote_char}"

    text = IMG_SRC.sub(replace, text)
    if PLUGINFILE in text:
        raise _QuestionError(
            _("题目中有“@@PLUGINFILE@@”引用的附件不是图片，无法导入。")
        )
    text, images, errors = data_uris_extract(text)
    if errors:
        raise _QuestionError("；".join(errors))
    spec.images.extend(images)
    return text.strip()


def _choices(question: ET.Element, spec: QuestionSpec) -> list[Decimal]:
    fractions: list[Decimal] = []
    for answer in question.findall("answer"):
        fraction = _fraction(answer.get("fraction"))
        if not Decimal(-100) <= fraction <= Decimal(100):
            raise _QuestionError(
                _("答案得分 %(value)s 超出 -100 到 100 的范围。") % {"value": fraction}
            )
        spec.options.append(
            OptionData(text=_formatted(answer, spec), is_correct=fraction > 0)
        )
        fractions.append(fraction)
    return fractions


def _question_read(question: ET.Element, *, kind: str, spec: QuestionSpec) -> None:
    spec.stem = _formatted(question.find("questiontext"), spec)
    spec.explanation = _formatted(question.find("generalfeedback"), spec)
    grade = _child_text(question, "defaultgrade").strip()
    if grade:
        points = points_parse(grade)
        if points is None:
            raise _QuestionError(
                _(
                    "分值（defaultgrade）"
                    "“%(value)s”无效，应为大于 0 的数，最多两位小数。"
                )
                % {"value": grade}
            )
        spec.points = points
    spec.code = _child_text(question, "idnumber").strip()
    spec.knowledge_points = list(
        dict.fromkeys(
            (tag.text or "").strip()
            for tag in question.findall("tags/tag/text")
            if (tag.text or "").strip()
        )
    )
    difficulty_text = _child_text(question, "difficulty").strip()
    if difficulty_text:
        difficulty = difficulty_parse(difficulty_text)
        if difficulty is None:
            raise _QuestionError(
                _("难度“%(value)s”无法识别，可填：%(choices)s。")
                % {"value": difficulty_text, "choices": difficulty_choices_text()}
            )
        spec.difficulty = difficulty

    if kind in ("multichoice", "multichoiceset"):
        fractions = _choices(question, spec)
        single = _child_text(question, "single").strip().lower() in ("true", "1")
        if kind == "multichoice" and single:
            spec.kind = QuestionKind.SINGLE
            full = [f for f in fractions if f >= 100]
            partial = [f for f in fractions if 0 < f < 100]
            if partial:
                raise _QuestionError(
                    _("单选题的选项不支持部分得分（有选项得分为 %(value)s%%）。")
                    % {"value": partial[0]}
                )
            for option, fraction in zip(spec.options, fractions, strict=True):
                option.is_correct = fraction >= 100
            if len(full) != 1:
                raise _QuestionError(
                    _("单选题必须有且只有一个得分为 100%% 的选项（现在有 %(n)s 个）。")
                    % {"n": len(full)}
                )
            return
        spec.kind = QuestionKind.MULTIPLE
        positives = [f for f in fractions if f > 0]
        all_full = len(positives) >= 2 and all(f >= 100 for f in positives)
        if kind == "multichoiceset" or all_full:
            spec.scoring = MultipleScoring.ALL_OR_NOTHING
        else:
            spec.scoring = MultipleScoring.PARTIAL
        return
    if kind == "truefalse":
        spec.kind = QuestionKind.TRUE_FALSE
        for answer in question.findall("answer"):
            value = html_text(_child_text(answer)).lower()
            if value in ("true", "false") and _fraction(answer.get("fraction")) > 0:
                spec.true_answer = value == "true"
        return
    if kind == "shortanswer":
        spec.kind = QuestionKind.FILL_IN
        blanks = question.find("blanks")
        if blanks is not None:
            spec.blanks = [
                [
                    (answer.text or "").strip()
                    for answer in blank.findall("answer")
                    if (answer.text or "").strip()
                ]
                for blank in blanks.findall("blank")
            ]
            return
        accepted = []
        for answer in question.findall("answer"):
            fraction = _fraction(answer.get("fraction"))
            text = html_text(_child_text(answer))
            if fraction >= 100:
                accepted.append(text)
            elif fraction > 0:
                raise _QuestionError(
                    _(
                        "填空题的参考答案都必须是满分答案，不支持部分得分"
                        "（答案“%(text)s”得分为 %(value)s%%）。"
                    )
                    % {"text": text, "value": fraction}
                )
        spec.blanks = [accepted]
        return
    spec.kind = QuestionKind.ESSAY


def moodle_xml_read(data: bytes) -> tuple[list[QuestionSpec], list[ImportProblem]]:
    """Every question of a Moodle XML file, and every problem with its position."""
    from quizzes.io.importer import FileRefused

    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FileRefused(
            _(
                "文件含有 DTD 或实体声明（%(kind)s）。出于安全原因，"
                "导入不接受带 DTD 或实体的 XML；Moodle 导出的文件不会含有这些内容。"
            )
            % {"kind": type(exc).__name__}
        ) from exc
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise FileRefused(
            _(
                "XML 格式错误（第 %(line)s 行第 %(column)s 列）"
                "，文件可能不完整或已损坏。"
            )
            % {"line": line, "column": column + 1}
        ) from exc
    if root.tag != "quiz":
        raise FileRefused(
            _("这不是 Moodle XML 题目文件：根元素应为 <quiz>，实际是 <%(tag)s>。")
            % {"tag": root.tag}
        )
    specs: list[QuestionSpec] = []
    problems: list[ImportProblem] = []
    category = ""
    number = 0
    for question in root.findall("question"):
        kind = (question.get("type") or "").strip().lower()
        if kind == "category":
            category = category_path_clean(_child_text(question.find("category")))
            continue
        number += 1
        name = " ".join(_child_text(question.find("name")).split())
        position = (
            _("第 %(n)s 题（%(name)s）") % {"n": number, "name": name[:40]}
            if name
            else _("第 %(n)s 题") % {"n": number}
        )
        if kind not in SUPPORTED:
            label = TYPE_NAMES.get(kind)
            problems.append(
                ImportProblem(
                    position,
                    _(
                        "不支持的题型“%(type)s”%(label)s。可以导入：单选、多选、判断、"
                        "简答（shortanswer，导入为填空题）和问答（essay）。"
                    )
                    % {"type": kind or "?", "label": f"（{label}）" if label else ""},
                )
            )
            continue
        spec = QuestionSpec(
            position=position,
            kind=QuestionKind.ESSAY,
            stem="",
            category_path=category,
            title=name,
        )
        try:
            _question_read(question, kind=kind, spec=spec)
        except _QuestionError as exc:
            problems.append(ImportProblem(position, str(exc)))
            continue
        specs.append(spec)
    return specs, problems


# ---------------------------------------------------------------------- writing


def _fraction_text(value: Decimal) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".") or "0"


def _text_element(
    parent: ET.Element,
    tag: str,
    html: str,
    *,
    image_bytes: Callable[[str], bytes | None],
    **attrs: str,
) -> ET.Element:
    """A Moodle text element; our kept images go back in as base64 <file>s."""
    element = ET.SubElement(parent, tag, {"format": "html", **attrs})
    files: dict[str, bytes] = {}

    def replace(match: re.Match) -> str:
        prefix, quote_char, src = match.groups()
        name = image_name_from_url(src)
        data = image_bytes(name) if name else None
        if data is None:
            return match.group(0)
        basename = name.rsplit("/", 1)[-1]
        files[basename] = data
        return f"{prefix}{quote_char}{PLUGINFILE}{quote(basename)}{quote_char}"

    ET.SubElement(element, "text").text = IMG_SRC.sub(replace, html or "")
    for basename, data in files.items():
        file = ET.SubElement(
            element, "file", {"name": basename, "path": "/", "encoding": "base64"}
        )
        file.text = base64.b64encode(data).decode("ascii")
    return element


def moodle_xml_write(
    specs: list[QuestionSpec], *, image_bytes: Callable[[str], bytes | None]
) -> bytes:
    """A Moodle XML file of `specs`; `image_bytes(name)` reads a kept image."""
    root = ET.Element("quiz")
    category = None
    for spec in specs:
        if spec.category_path != category:
            category = spec.category_path
            holder = ET.SubElement(root, "question", {"type": "category"})
            ET.SubElement(
                ET.SubElement(holder, "category"), "text"
            ).text = f"$course$/top/{category}"
        kind = {
            QuestionKind.SINGLE: "multichoice",
            QuestionKind.MULTIPLE: "multichoiceset"
            if spec.scoring == MultipleScoring.ALL_OR_NOTHING
            else "multichoice",
            QuestionKind.TRUE_FALSE: "truefalse",
            QuestionKind.FILL_IN: "shortanswer",
            QuestionKind.ESSAY: "essay",
        }[spec.kind]
        question = ET.SubElement(root, "question", {"type": kind})
        name = spec.title or spec.code or html_text(spec.stem)[:50] or "question"
        ET.SubElement(ET.SubElement(question, "name"), "text").text = name
        _text_element(question, "questiontext", spec.stem, image_bytes=image_bytes)
        _text_element(
            question, "generalfeedback", spec.explanation, image_bytes=image_bytes
        )
        ET.SubElement(question, "defaultgrade").text = _fraction_text(spec.points)
        ET.SubElement(question, "penalty").text = "0"
        ET.SubElement(question, "hidden").text = "0"
        ET.SubElement(question, "idnumber").text = spec.code
        ET.SubElement(question, "difficulty").text = DIFFICULTY_WRITTEN.get(
            spec.difficulty, "中等"
        )
        if spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            single = spec.kind == QuestionKind.SINGLE
            ET.SubElement(question, "single").text = "true" if single else "false"
            ET.SubElement(question, "shuffleanswers").text = "true"
            ET.SubElement(question, "answernumbering").text = "ABCD"
            correct = sum(1 for option in spec.options if option.is_correct)
            for option in spec.options:
                if kind == "multichoice" and not single:
                    value = (
                        Decimal(100) / max(1, correct)
                        if option.is_correct
                        else Decimal(-100)
                    )
                else:
                    value = Decimal(100 if option.is_correct else 0)
                answer = _text_element(
                    question,
                    "answer",
                    option.text,
                    image_bytes=image_bytes,
                    fraction=_fraction_text(value),
                )
                ET.SubElement(ET.SubElement(answer, "feedback"), "text").text = ""
        elif spec.kind == QuestionKind.TRUE_FALSE:
            for value in (True, False):
                answer = ET.SubElement(
                    question,
                    "answer",
                    {
                        "fraction": "100" if spec.true_answer is value else "0",
                        "format": "moodle_auto_format",
                    },
                )
                ET.SubElement(answer, "text").text = "true" if value else "false"
                ET.SubElement(ET.SubElement(answer, "feedback"), "text").text = ""
        elif spec.kind == QuestionKind.FILL_IN:
            ET.SubElement(question, "usecase").text = "0"
            for text in spec.blanks[0] if spec.blanks else []:
                answer = ET.SubElement(
                    question,
                    "answer",
                    {"fraction": "100", "format": "moodle_auto_format"},
                )
                ET.SubElement(answer, "text").text = text
                ET.SubElement(ET.SubElement(answer, "feedback"), "text").text = ""
            if len(spec.blanks) > 1:
                blanks = ET.SubElement(question, "blanks")
                for accepted in spec.blanks:
                    blank = ET.SubElement(blanks, "blank")
                    for text in accepted:
                        ET.SubElement(blank, "answer").text = text
        else:
            ET.SubElement(question, "responseformat").text = "editor"
            ET.SubElement(question, "responserequired").text = "1"
            ET.SubElement(question, "responsefieldlines").text = "10"
        if spec.knowledge_points:
            tags = ET.SubElement(question, "tags")
            for point in spec.knowledge_points:
                ET.SubElement(ET.SubElement(tags, "tag"), "text").text = point
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
