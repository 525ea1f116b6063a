"""Lesson workbooks: the blank template, and any rows in the import format."""

from __future__ import annotations

from collections.abc import Iterable

from courses.models import Position, Programme
from courses.services.lessons.types import (
    BODY,
    CLASS_HOURS,
    CLASS_HOURS_MAX,
    CODE,
    CODE_MAX,
    COLUMNS,
    FORMAT,
    FORMAT_CHOICES_TEXT,
    MAX_FILE_BYTES,
    MINUTES,
    MINUTES_MAX,
    MINUTES_MIN,
    POSITIONS,
    PROGRAMME,
    SHEET,
    SUMMARY,
    TITLE,
    TITLE_MAX,
    TOPIC_MAX,
    TOPICS,
)

COLUMN_WIDTHS = {
    CODE: 14,
    TITLE: 36,
    PROGRAMME: 22,
    FORMAT: 8,
    CLASS_HOURS: 8,
    MINUTES: 12,
    TOPICS: 24,
    POSITIONS: 24,
    SUMMARY: 40,
    BODY: 80,
}

TEMPLATE_ROWS: list[dict[str, object]] = [
    {
        CODE: "EX-0001",
        TITLE: "正念防复发：识别和应对高危情境",
        PROGRAMME: "JP01|正念防复发",
        FORMAT: "视频",
        CLASS_HOURS: 1,
        MINUTES: 45,
        TOPICS: "复吸预防、心理矫治",
        POSITIONS: "心理咨询岗、教育矫治岗",
        SUMMARY: "认识触发渴求的高危情境，学会用“停、呼吸、觉察、选择”四步应对。",
        BODY: "高危情境是指容易引发渴求和复吸的人、地点、时间和情绪状态。\n"
        "正念防复发训练帮助戒毒人员在渴求出现时停下来，觉察身体感受和想法，"
        "而不是自动地用吸毒来回应。\n"
        "民警在康复巩固期组织每周两次团体练习，每次不少于 40 分钟。",
    },
    {
        CODE: "EX-0002",
        TITLE: "美沙酮维持治疗的基本知识",
        PROGRAMME: "JP01",
        FORMAT: "图文",
        CLASS_HOURS: 0.5,
        MINUTES: 25,
        TOPICS: "药物维持治疗、社区康复",
        POSITIONS: "社区禁毒专干",
        SUMMARY: "",
        BODY: "美沙酮维持治疗是针对阿片类物质依赖者的替代治疗。\n"
        "社区禁毒专干应当了解服药时间、漏服的处理和纳洛酮的急救用途。",
    },
]


def _column_notes() -> list[tuple[str, str, str]]:
    return [
        (
            CODE,
            "必填",
            f"每课唯一的编码，不超过 {CODE_MAX} 个字符，只能包含英文字母、数字、"
            "“-”和“_”。系统按编码识别课程：编码已存在的课按本行更新，"
            "不存在的新建在资源库下；编码也是课程网址的一部分（转为小写）。",
        ),
        (TITLE, "必填", f"课程标题，不超过 {TITLE_MAX} 个字。"),
        (
            PROGRAMME,
            "选填",
            "所属精品教育项目。填写系统中已有项目的名称或代码；要新建项目，"
            "在任一行填写“代码|名称”（如“JP01|正念防复发”），其他行可只填代码或名称。"
            "留空表示不属于任何项目。",
        ),
        (FORMAT, "必填", f"可填：{FORMAT_CHOICES_TEXT}。"),
        (
            CLASS_HOURS,
            "必填",
            f"计入学时的课时数，大于 0、不超过 {CLASS_HOURS_MAX}，"
            "按 0.5 递增，如 0.5、1、1.5。",
        ),
        (MINUTES, "必填", f"学习时长，{MINUTES_MIN} 到 {MINUTES_MAX} 的整数分钟。"),
        (
            TOPICS,
            "选填",
            f"多个专题用“、”“，”或“；”分隔，每个不超过 {TOPIC_MAX} 个字。"
            "系统中还没有的专题会新建，并在导入结果中列出，便于发现错别字。",
        ),
        (
            POSITIONS,
            "选填",
            "多个岗位用“、”分隔，填写下方“岗位目录”中的岗位名称或代码。"
            "留空表示所有岗位适用。",
        ),
        (SUMMARY, "选填", "一两句话的内容提要，显示在课程标题下方，也可被搜索。"),
        (
            BODY,
            "选填",
            "课程正文，纯文本；每一行（单元格内按 Alt+Enter 换行）成为一个段落。"
            "填写的 HTML 标记按原样显示为文字，不会被执行。"
            "正文成为课程的第一个文字块，后台添加的视频、附件、测验等内容保留不变；"
            "留空则不修改已有课程的正文。",
        ),
    ]


def _header_style(sheet, header: list[str]) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, name in enumerate(header, 1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        cell.fill = fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = COLUMN_WIDTHS.get(name, 16)
    sheet.freeze_panes = "A2"


def lessons_workbook(records: Iterable[dict[str, object]]):
    """A workbook whose sheet “课程” holds `records` in the import format."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    header = list(COLUMNS)
    sheet.append(header)
    for record in records:
        sheet.append([record.get(column, "") for column in header])
    _header_style(sheet, header)
    return workbook


def lesson_template_workbook():
    """The template administrators fill in: two example rows and the rules."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    from courses.models.pages import LessonFormat

    workbook = lessons_workbook(TEMPLATE_ROWS)
    lessons = workbook[SHEET]
    formats = DataValidation(
        type="list",
        formula1=f'"{",".join(str(f.label) for f in LessonFormat)}"',
        allow_blank=True,
    )
    lessons.add_data_validation(formats)
    formats.add(f"D2:D{20000}")

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    notes = workbook.create_sheet("说明")
    notes.append(["课程表填写说明"])
    notes["A1"].font = Font(bold=True, size=14)
    for line in [
        "1. 在“课程”工作表中每行填写一课，表头在第 1 行，列的顺序可以调整，"
        "空行和多余的列会被忽略。保存为 Excel 工作簿（.xlsx）；"
        "也可另存为“CSV UTF-8（逗号分隔）”，但不能是 GBK 编码的 CSV。",
        "2. 示例行仅供参考，导入前请删除或替换。",
        "3. 导入前系统检查每一行，任何一行有错误时整个文件都不导入，"
        "并列出所有错误的行号、列名和原因。",
        "4. 文件中没有列出的课程保持不变；内容与系统相同的课不会产生新版本，"
        "同一文件重复导入不改变任何内容。有变化的课发布一个新版本，旧版本可在后台比较和恢复。",
        f"5. 文件不能超过 {MAX_FILE_BYTES // (1024 * 1024)} MB。",
    ]:
        notes.append([line])
    notes.append([])
    notes.append(["列名", "是否必填", "填写说明"])
    for cell in notes[notes.max_row]:
        cell.font = bold
        cell.fill = fill
    for row in _column_notes():
        notes.append(list(row))

    notes.append([])
    notes.append(["岗位目录：岗位名称", "岗位代码", "说明"])
    for cell in notes[notes.max_row]:
        cell.font = bold
        cell.fill = fill
    for position in Position.objects.filter(is_active=True):
        notes.append([position.name, position.code, position.description])

    notes.append([])
    notes.append(["已有教育项目：名称", "代码"])
    for cell in notes[notes.max_row]:
        cell.font = bold
        cell.fill = fill
    for programme in Programme.objects.all():
        notes.append([programme.name, programme.code])

    for letter, width in zip("ABC", [24, 14, 90], strict=True):
        notes.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    return workbook
