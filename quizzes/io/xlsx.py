"""The Excel question template (题目导入模板.xlsx): reading, writing, the template.

One row per question on the sheet 题目 (or the first sheet that is not the
instructions). Columns, in any order, found by their header in row 1:

| column | required | what |
|---|---|---|
| 题型 | yes | 单选题 / 多选题 / 判断题 / 填空题 / 简答题 |
| 题干 | yes | the question; HTML allowed |
| 选项A … 选项H | choice | the options, from A without gaps |
| 答案 | yes (not 简答题) | see below |
| 解析 | no | the explanation |
| 难度 | no | 容易 / 中等 / 困难 (default 中等) |
| 分类 | no | category path 禁毒法/第三章 (default: the import's default category) |
| 知识点 | no | separated by "," "，" or "、" |
| 分值 | no | points, default 1 |
| 编号 | no | the question code, e.g. JD-0001 |
| 计分方式 | no | 多选题: 全对才得分 (default) / 按比例得分 |

答案 by type: 单选 "B"; 多选 "ACD" (A,C,D and A、C、D are read too); 判断
正确/错误 (对/错, √/×, T/F); 填空: the accepted answers of one blank separated by
"|", blanks separated by "；" (禁毒法|《禁毒法》；2008); 简答: optional, the
reference answer, kept at the start of the 解析 as "参考答案：…".

Merged cells and formulas are refused with their cell: a merged cell reads as
empty below its first row, and a formula's value is whatever Excel last cached
(or nothing when another program wrote the file).
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
from decimal import Decimal
from string import ascii_uppercase

from django.utils.translation import gettext as _

from quizzes.io.types import (
    DIFFICULTY_WRITTEN,
    KIND_LABELS,
    KIND_WRITTEN,
    SCORING_WRITTEN,
    ImportProblem,
    OptionData,
    QuestionSpec,
    blanks_join,
    blanks_split,
    difficulty_choices_text,
    difficulty_parse,
    knowledge_points_split,
    label_normalise,
    points_parse,
    scoring_parse,
)
from quizzes.models import Difficulty, MultipleScoring, QuestionKind

SHEET = "题目"
INSTRUCTIONS_SHEET = "填写说明"
COL_KIND = "题型"
COL_STEM = "题干"
COL_ANSWER = "答案"
COL_EXPLANATION = "解析"
COL_DIFFICULTY = "难度"
COL_CATEGORY = "分类"
COL_KNOWLEDGE = "知识点"
COL_POINTS = "分值"
COL_CODE = "编号"
COL_SCORING = "计分方式"
OPTION_LETTERS = ascii_uppercase[:8]  # 选项A … 选项H
OPTION_PREFIX = "选项"
REQUIRED = (COL_KIND, COL_STEM, COL_ANSWER)


def xlsx_columns(*, letters: int = len(OPTION_LETTERS)) -> list[str]:
    """The template's columns in order, with `letters` option columns."""
    return [
        COL_KIND,
        COL_STEM,
        *(f"{OPTION_PREFIX}{letter}" for letter in OPTION_LETTERS[:letters]),
        COL_ANSWER,
        COL_EXPLANATION,
        COL_DIFFICULTY,
        COL_CATEGORY,
        COL_KNOWLEDGE,
        COL_POINTS,
        COL_CODE,
        COL_SCORING,
    ]


KNOWN = tuple(xlsx_columns())
TRUE_WORDS = {"正确", "对", "√", "✓", "t", "true", "是", "y", "yes"}
FALSE_WORDS = {"错误", "错", "×", "✗", "x", "f", "false", "否", "n", "no"}
ESSAY_ANSWER_PREFIX = "参考答案："


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "正确" if value else "错误"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip().strip("\u200b\ufeff").strip()


def _header(value: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _cell_text(value)))


def _letters(text: str) -> list[str]:
    cleaned = re.sub(r"[\s,，、;；/]", "", unicodedata.normalize("NFKC", text)).upper()
    return list(cleaned)


def _row_spec(row: int, record: dict[str, str]) -> tuple[QuestionSpec | None, list]:
    position = _("第 %(row)s 行") % {"row": row}
    errors: list[str] = []
    kind_text = record.get(COL_KIND, "")
    kind = {label_normalise(k): v for k, v in KIND_LABELS.items()}.get(
        label_normalise(kind_text)
    )
    if kind is None:
        errors.append(
            _("“题型”为“%(value)s”，应为：单选题、多选题、判断题、填空题或简答题。")
            % {"value": kind_text}
            if kind_text
            else _("“题型”不能为空。")
        )
        return None, [ImportProblem(position, message) for message in errors]
    spec = QuestionSpec(
        position=position,
        kind=kind,
        stem=record.get(COL_STEM, ""),
        explanation=record.get(COL_EXPLANATION, ""),
        category_path=record.get(COL_CATEGORY, ""),
        knowledge_points=knowledge_points_split(record.get(COL_KNOWLEDGE, "")),
        code=unicodedata.normalize("NFKC", record.get(COL_CODE, "")).strip(),
    )
    if not spec.stem:
        errors.append(_("“题干”不能为空。"))
    answer = record.get(COL_ANSWER, "")
    if record.get(COL_DIFFICULTY):
        difficulty = difficulty_parse(record[COL_DIFFICULTY])
        if difficulty is None:
            errors.append(
                _("“难度”为“%(value)s”，可填：%(choices)s。")
                % {
                    "value": record[COL_DIFFICULTY],
                    "choices": difficulty_choices_text(),
                }
            )
        else:
            spec.difficulty = difficulty
    if record.get(COL_POINTS):
        points = points_parse(record[COL_POINTS])
        if points is None:
            errors.append(
                _("“分值”为“%(value)s”，应为大于 0 的数，最多两位小数。")
                % {"value": record[COL_POINTS]}
            )
        else:
            spec.points = points
    options: list[tuple[str, str]] = [
        (letter, record.get(f"{OPTION_PREFIX}{letter}", ""))
        for letter in OPTION_LETTERS
    ]
    last = max((i for i, (_l, text) in enumerate(options) if text), default=-1)
    filled = options[: last + 1]
    gaps = [letter for letter, text in filled if not text]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if gaps:
            errors.append(
                _("选项%(letters)s为空，但后面还有选项；选项须从 A 起连续填写。")
                % {"letters": "、".join(gaps)}
            )
        chosen = _letters(answer)
        available = [letter for letter, _text in filled]
        unknown = [letter for letter in chosen if letter not in available]
        if not answer:
            errors.append(_("“答案”不能为空，请填写正确选项的字母，例如“B”。"))
        elif unknown:
            errors.append(
                _(
                    "答案“%(answer)s”中的“%(letters)s”不是已填写的选项（已填写：%(available)s）"
                    "。"
                )
                % {
                    "answer": answer,
                    "letters": "".join(unknown),
                    "available": "".join(available) or _("无"),
                }
            )
        elif kind == QuestionKind.SINGLE and len(set(chosen)) != 1:
            errors.append(
                _("单选题的答案只能是一个字母，现在是“%(answer)s”。")
                % {"answer": answer}
            )
        spec.options = [
            OptionData(text=text, is_correct=letter in chosen)
            for letter, text in filled
        ]
        if kind == QuestionKind.MULTIPLE and record.get(COL_SCORING):
            scoring = scoring_parse(record[COL_SCORING])
            if scoring is None:
                errors.append(
                    _("“计分方式”为“%(value)s”，可填：全对才得分、按比例得分。")
                    % {"value": record[COL_SCORING]}
                )
            else:
                spec.scoring = scoring
    elif kind == QuestionKind.TRUE_FALSE:
        word = label_normalise(answer)
        if word in TRUE_WORDS:
            spec.true_answer = True
        elif word in FALSE_WORDS:
            spec.true_answer = False
        else:
            errors.append(
                _(
                    "判断题的答案应为“正确”或“错误”（也可写“对”“错”）"
                    "，现在是“%(answer)s”。"
                )
                % {"answer": answer}
            )
    elif kind == QuestionKind.FILL_IN:
        spec.blanks = blanks_split(answer)
        if not spec.blanks:
            errors.append(
                _(
                    "填空题的“答案”不能为空：同一空的多个答案用“|”分隔，"
                    "多个空之间用“；”分隔。"
                )
            )
    elif answer:
        spec.explanation = "\n".join(
            part
            for part in (f"{ESSAY_ANSWER_PREFIX}{answer}", spec.explanation)
            if part
        )
    if kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and filled:
        errors.append(
            _("%(kind)s不需要填写选项，请清空选项列，或改题型为单选题、多选题。")
            % {"kind": KIND_WRITTEN[kind]}
        )
    return spec, [ImportProblem(position, message) for message in errors]


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def xlsx_read(data: bytes) -> tuple[list[QuestionSpec], list[ImportProblem]]:
    """Every question row of the template, and every problem with its row."""
    from openpyxl import load_workbook
    from openpyxl.worksheet.formula import ArrayFormula

    from quizzes.io.importer import FileRefused

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # styles and extensions openpyxl skips
            # Not read-only: merged ranges are only known to a full worksheet.
            workbook = load_workbook(io.BytesIO(data), data_only=False)
    except zipfile.BadZipFile as exc:
        raise FileRefused(
            _("文件已损坏，无法作为 Excel 工作簿打开。请在 Excel 中重新保存为 .xlsx。")
        ) from exc
    except Exception as exc:  # openpyxl raises many kinds for foreign zips
        raise FileRefused(
            _(
                "文件无法作为 Excel 工作簿读取（可能是 Word 文档、"
                "压缩包或已损坏的文件）。"
                "请使用题目导入模板填写并保存为 .xlsx。"
            )
        ) from exc
    names = [name for name in workbook.sheetnames if name.strip() != INSTRUCTIONS_SHEET]
    sheet_name = next(
        (n for n in names if n.strip() == SHEET), names[0] if names else None
    )
    if sheet_name is None:
        raise FileRefused(_("工作簿中没有“题目”工作表。"))
    sheet = workbook[sheet_name]
    problems: list[ImportProblem] = []
    for merged in sorted(
        sheet.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)
    ):
        problems.append(
            ImportProblem(
                _("第 %(row)s 行 %(col)s 列")
                % {"row": merged.min_row, "col": _column_letter(merged.min_col)},
                _("单元格 %(range)s 是合并单元格。请取消合并，并在每一行填写完整内容。")
                % {"range": merged.coord},
            )
        )
    rows = list(sheet.iter_rows())
    if not rows:
        raise FileRefused(_("工作表“%(sheet)s”是空的。") % {"sheet": sheet_name})
    for row in rows:
        for cell in row:
            if cell.data_type == "f" or isinstance(cell.value, ArrayFormula):
                formula = (
                    cell.value.text
                    if isinstance(cell.value, ArrayFormula)
                    else cell.value
                )
                problems.append(
                    ImportProblem(
                        _("第 %(row)s 行 %(col)s 列")
                        % {"row": cell.row, "col": cell.column_letter},
                        _(
                            "单元格 %(cell)s 是公式（%(formula)s）。请复制后用"
                            "“选择性粘贴 → 数值”换成文字再导入。"
                        )
                        % {"cell": cell.coordinate, "formula": str(formula)[:40]},
                    )
                )
    header = [_header(cell.value) for cell in rows[0]]
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if name in KNOWN and name not in positions:
            positions[name] = index
        elif name in KNOWN:
            problems.append(
                ImportProblem(
                    _("第 1 行"), _("“%(name)s”列出现了不止一次。") % {"name": name}
                )
            )
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        problems.append(
            ImportProblem(
                _("第 1 行"),
                _(
                    "缺少“%(names)s”列。"
                    "第 1 行应为列名：题型、题干、选项A…选项F、答案、"
                    "解析、难度、分类、知识点、分值、编号。"
                )
                % {"names": "”“".join(missing)},
            )
        )
        return [], problems
    specs: list[QuestionSpec] = []
    for row in rows[1:]:
        record = {
            name: _cell_text(row[index].value) if index < len(row) else ""
            for name, index in positions.items()
        }
        if not any(record.values()):
            continue
        spec, row_problems = _row_spec(row[0].row, record)
        problems.extend(row_problems)
        if spec is not None and not row_problems:
            specs.append(spec)
    return specs, problems


# ---------------------------------------------------------------------- writing

INSTRUCTIONS = [
    (COL_KIND, "必填", "单选题、多选题、判断题、填空题、简答题。"),
    (COL_STEM, "必填", "题目内容。可以换行；需要格式时可写 HTML。"),
    (
        "选项A…选项F",
        "选择题必填",
        "单选题、多选题的选项，从 A 起连续填写，"
        "至少两个；需要更多时可加“选项G”“选项H”列。"
        "其他题型不填。",
    ),
    (
        COL_ANSWER,
        "必填（简答题选填）",
        "单选题填一个字母，如 B；多选题填所有正确选项的字母，如 ACD；"
        "判断题填“正确”或“错误”（也可填“对”“错”）；"
        "填空题填参考答案，同一空的多个可接受答案用“|”分隔，多个空之间用“；”分隔，"
        "如“禁毒法|《禁毒法》；2008”；简答题可填参考答案，导入后放在解析开头。",
    ),
    (COL_EXPLANATION, "选填", "答案解析，练习时显示给学员。"),
    (COL_DIFFICULTY, "选填", "容易、中等或困难，不填为中等。"),
    (
        COL_CATEGORY,
        "选填",
        "题目分类路径，各级用“/”分隔，如“禁毒法/第三章”；不存在的分类会自动创建。"
        "不填则放入导入时选择的默认分类。",
    ),
    (COL_KNOWLEDGE, "选填", "多个知识点用逗号或顿号分隔，如“美沙酮、维持治疗”。"),
    (COL_POINTS, "选填", "默认分值，大于 0，最多两位小数，不填为 1。"),
    (
        COL_CODE,
        "选填",
        "题目编号，如 JD-0001，不能重复。重复导入时按编号找到同一道题并更新；"
        "不填编号时按“分类 + 题型 + 题干”识别。",
    ),
    (
        COL_SCORING,
        "选填",
        "仅多选题：全对才得分（默认）或按比例得分（少选按比例，错选不得分）。",
    ),
]
GENERAL_NOTES = [
    "每行一道题，第 1 行是列名，不要修改列名；列的顺序可以调整，不用的选填列可以删除。",
    "不要合并单元格，不要使用公式（请粘贴为数值）。",
    "文件中有任何错误时不会导入任何题目，并列出每一处错误的行号和原因。",
    "同一文件可以重复导入：已导入过的题目会被更新，不会重复。",
]
EXAMPLES: list[QuestionSpec] = [
    QuestionSpec(
        position="",
        kind=QuestionKind.SINGLE,
        stem="《中华人民共和国禁毒法》自哪一年起施行？",
        options=[
            OptionData("2006年", False),
            OptionData("2008年", True),
            OptionData("2011年", False),
            OptionData("2014年", False),
        ],
        explanation="《禁毒法》于2007年12月29日通过，自2008年6月1日起施行。",
        difficulty=Difficulty.EASY,
        category_path="禁毒法/总则",
        knowledge_points=["禁毒法"],
        code="DEMO-0001",
    ),
    QuestionSpec(
        position="",
        kind=QuestionKind.MULTIPLE,
        stem="“四期四区”戒毒模式包括下列哪些阶段？",
        options=[
            OptionData("生理脱毒期", True),
            OptionData("教育适应期", True),
            OptionData("康复巩固期", True),
            OptionData("社会实践期", False),
        ],
        scoring=MultipleScoring.PARTIAL,
        points=Decimal("2"),
        difficulty=Difficulty.MEDIUM,
        category_path="戒毒工作模式",
        knowledge_points=["四期四区", "戒毒模式"],
        code="DEMO-0002",
    ),
    QuestionSpec(
        position="",
        kind=QuestionKind.TRUE_FALSE,
        stem="社区戒毒的期限为三年。",
        true_answer=True,
        explanation="《禁毒法》第三十三条：社区戒毒的期限为三年。",
        category_path="禁毒法/社区戒毒",
        knowledge_points=["社区戒毒"],
        code="DEMO-0003",
    ),
    QuestionSpec(
        position="",
        kind=QuestionKind.FILL_IN,
        stem="《戒毒条例》于____年施行，由____发布。",
        blanks=[["2011"], ["国务院", "中华人民共和国国务院"]],
        difficulty=Difficulty.HARD,
        category_path="戒毒条例",
        knowledge_points=["戒毒条例"],
        code="DEMO-0004",
    ),
    QuestionSpec(
        position="",
        kind=QuestionKind.ESSAY,
        stem="简述正念防复发训练的主要步骤。",
        explanation="要点：觉察渴求、接纳、不评判地观察、选择替代行为。",
        points=Decimal("5"),
        category_path="矫治方法/正念防复发",
        knowledge_points=["正念防复发"],
        code="DEMO-0005",
    ),
]


def _points_text(points: Decimal) -> str | float | int:
    value = Decimal(points)
    return int(value) if value == value.to_integral() else float(value)


def xlsx_rows(specs: list[QuestionSpec], *, letters: int) -> tuple[list, list[list]]:
    header = xlsx_columns(letters=letters)
    rows = []
    for spec in specs:
        options = [option.text for option in spec.options][:letters]
        options += [""] * (letters - len(options))
        if spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            answer = "".join(
                OPTION_LETTERS[i] for i, o in enumerate(spec.options) if o.is_correct
            )
        elif spec.kind == QuestionKind.TRUE_FALSE:
            answer = "正确" if spec.true_answer else "错误"
        elif spec.kind == QuestionKind.FILL_IN:
            answer = blanks_join(spec.blanks)
        else:
            answer = ""
        rows.append(
            [
                KIND_WRITTEN[spec.kind],
                spec.stem,
                *options,
                answer,
                spec.explanation,
                DIFFICULTY_WRITTEN.get(spec.difficulty, "中等"),
                spec.category_path,
                "、".join(spec.knowledge_points),
                _points_text(spec.points),
                spec.code,
                SCORING_WRITTEN[spec.scoring]
                if spec.kind == QuestionKind.MULTIPLE
                else "",
            ]
        )
    return header, rows


def xlsx_workbook(specs: list[QuestionSpec], *, instructions: bool = True):
    """A workbook in the template's shape: the 题目 sheet, then the instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    letters = max([6, *(len(spec.options) for spec in specs)])
    if letters > len(OPTION_LETTERS):
        letters = len(OPTION_LETTERS)
    header, rows = xlsx_rows(specs, letters=letters)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                # Text that starts with "=" is text, never a formula (and never
                # an injection when the export is opened in Excel).
                cell.data_type = "s"
                cell.alignment = wrap
    for index, name in enumerate(header, 1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        cell.fill = fill
        width = {COL_STEM: 48, COL_EXPLANATION: 36, COL_ANSWER: 16}.get(name, 14)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    kinds = DataValidation(
        type="list", formula1='"单选题,多选题,判断题,填空题,简答题"', allow_blank=True
    )
    difficulties = DataValidation(
        type="list", formula1='"容易,中等,困难"', allow_blank=True
    )
    sheet.add_data_validation(kinds)
    sheet.add_data_validation(difficulties)
    kinds.add("A2:A5000")
    column = get_column_letter(header.index(COL_DIFFICULTY) + 1)
    difficulties.add(f"{column}2:{column}5000")
    if instructions:
        notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
        notes.append(["题目导入模板 · 填写说明"])
        notes["A1"].font = Font(bold=True, size=14)
        for line in GENERAL_NOTES:
            notes.append([line])
        notes.append([])
        notes.append(["列名", "是否必填", "说明"])
        for cell in notes[notes.max_row]:
            cell.font = bold
            cell.fill = fill
        for name, required, text in INSTRUCTIONS:
            notes.append([name, required, text])
            for cell in notes[notes.max_row]:
                cell.alignment = wrap
        notes.column_dimensions["A"].width = 16
        notes.column_dimensions["B"].width = 18
        notes.column_dimensions["C"].width = 90
    return workbook


def xlsx_write(specs: list[QuestionSpec]) -> bytes:
    buffer = io.BytesIO()
    xlsx_workbook(specs).save(buffer)
    return buffer.getvalue()


def question_template_workbook():
    """The template in fixtures/question_template.xlsx: one example per type."""
    return xlsx_workbook(EXAMPLES)
