"""Importing resource-bank lessons from a spreadsheet: what an administrator sees.

Lessons are created or updated by code, re-importing changes nothing, and any bad
row stops the whole file with every problem listed by row, column and reason.
"""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from wagtail.models import Revision

from cms.demo import demo_home_page_load
from courses.demo import demo_content_load
from courses.models import CoursePage, LessonPage, Position, Programme
from courses.services.lessons import (
    COLUMNS,
    MAX_FILE_BYTES,
    LessonsInvalid,
    lessons_apply,
    lessons_from_records,
    lessons_read,
    lessons_validate,
)

HEADER = list(COLUMNS)
# Excel rows: the header is row 1, so the first lesson is row 2.
GOOD_ROWS = [
    [
        "ZY-0001",
        "正念防复发：识别高危情境",
        "JP01|正念防复发",
        "视频",
        1,
        45,
        "复吸预防、心理矫治",
        "心理咨询岗、教育矫治岗",
        "认识触发渴求的高危情境。",
        "高危情境是指容易引发渴求的人、地点和情绪。\n\n练习“停、呼吸、觉察、选择”。",
    ],
    [
        "ZY-0002",
        "美沙酮维持治疗的基本知识",
        "正念防复发",  # an existing or file-defined programme, by name
        "图文",
        "0.5",
        "25",
        "药物维持治疗，社区康复",
        "社区禁毒专干",
        "",
        "社区禁毒专干应当掌握美沙酮维持治疗的基本知识。",
    ],
    [
        "ZY-0003",
        "强制隔离戒毒的收治环节",
        "",
        "文档",
        1.5,
        70,
        "执法规范",
        "",
        "",
        "收治时应当核对强制隔离戒毒决定书。",
    ],
]


def rows_copy(rows=GOOD_ROWS):
    return [list(row) for row in rows]


def xlsx_write(path: Path, rows, header=HEADER, title="课程") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def csv_bytes(rows, *, encoding="utf-8", header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def bank(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return demo_content_load(home=demo_home_page_load(), textbook_dir=None)["bank"]


@pytest.fixture
def xlsx(tmp_path):
    def make(rows=GOOD_ROWS, name="lessons.xlsx", **kwargs) -> Path:
        return xlsx_write(tmp_path / name, rows_copy(rows), **kwargs)

    return make


def import_file(bank, path, **kwargs):
    return lessons_apply(bank=bank, sheet=lessons_read(file=path), **kwargs)


def errors_of(bank, path, **kwargs) -> list[str]:
    with pytest.raises(LessonsInvalid) as caught:
        import_file(bank, path, **kwargs)
    return [str(error) for error in caught.value.errors]


def revisions_of(lesson) -> int:
    return Revision.page_revisions.filter(object_id=str(lesson.pk)).count()


def lesson(code) -> LessonPage:
    return LessonPage.objects.get(code=code)


# ---------------------------------------------------------------- creating


def test_import_creates_lessons_with_every_field(bank, xlsx):
    summary = import_file(bank, xlsx())

    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    assert summary.programmes_created == ["正念防复发"]
    first = lesson("ZY-0001")
    assert first.title == "正念防复发：识别高危情境"
    assert first.get_parent().specific == bank
    assert first.slug == "zy-0001"
    assert first.live and not first.has_unpublished_changes
    assert first.programme.code == "JP01"
    assert first.programme.name == "正念防复发"
    assert first.format == "video"
    assert first.class_hours == Decimal("1.0")
    assert first.minutes == 45
    assert sorted(t.name for t in first.topics.all()) == ["复吸预防", "心理矫治"]
    assert sorted(p.name for p in first.target_positions.all()) == [
        "心理咨询岗",
        "教育矫治岗",
    ]
    assert first.summary == "认识触发渴求的高危情境。"
    assert first.body.raw_data[0]["type"] == "rich_text"
    assert first.body.raw_data[0]["value"] == (
        "<p>高危情境是指容易引发渴求的人、地点和情绪。</p>"
        "<p>练习“停、呼吸、觉察、选择”。</p>"
    )
    assert revisions_of(first) == 1

    second = lesson("ZY-0002")
    assert second.programme == first.programme  # referred to by name
    assert second.class_hours == Decimal("0.5")
    assert sorted(t.name for t in second.topics.all()) == ["社区康复", "药物维持治疗"]
    third = lesson("ZY-0003")
    assert third.programme is None
    assert third.target_positions.count() == 0  # blank: every position
    assert third.format == "document"
    assert Programme.objects.count() == 1


def test_lesson_opens_as_a_published_page(bank, xlsx, client):
    import_file(bank, xlsx())
    response = client.get(lesson("ZY-0002").url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "美沙酮维持治疗的基本知识" in html
    assert "社区禁毒专干应当掌握美沙酮维持治疗的基本知识。" in html


def test_existing_programme_by_code_position_by_code_and_loose_spelling(bank, xlsx):
    Programme.objects.create(code="JP11", name="法治教育")
    rows = rows_copy()
    rows[0][2] = "jp11"  # code, any case
    rows[1][2] = "法治教育"  # name
    rows[0][3] = " 视 频 "
    rows[0][4] = "１.５"  # typed with a Chinese input method
    rows[0][5] = 45.0  # Excel keeps whole numbers as floats
    rows[0][6] = "复吸预防；心理矫治, 复吸预防"
    rows[0][7] = "psychology、教育矫治岗"
    import_file(bank, xlsx(rows))

    first = lesson("ZY-0001")
    assert first.programme.name == "法治教育"
    assert first.format == "video"
    assert first.class_hours == Decimal("1.5")
    assert first.minutes == 45
    assert sorted(t.name for t in first.topics.all()) == ["复吸预防", "心理矫治"]
    assert {p.code for p in first.target_positions.all()} == {
        "psychology",
        "education",
    }


def test_row_may_name_a_programme_defined_further_down(bank, xlsx):
    rows = rows_copy()
    rows[0][2], rows[1][2] = "正念防复发", "JP01|正念防复发"
    import_file(bank, xlsx(rows))
    assert lesson("ZY-0001").programme.code == "JP01"


def test_columns_in_any_order_extra_columns_and_blank_rows_are_fine(bank, tmp_path):
    order = [9, 0, 2, 1, 3, 4, 5, 6, 7, 8]
    header = [HEADER[i] for i in order] + ["备注"]
    rows = [[row[i] for i in order] + ["内部备注"] for row in GOOD_ROWS]
    rows.insert(1, [None] * len(header))
    path = xlsx_write(tmp_path / "x.xlsx", rows, header=header)
    summary = import_file(bank, path)
    assert summary.created == 3
    assert lesson("ZY-0002").title == "美沙酮维持治疗的基本知识"


def test_records_give_the_same_rows_as_the_workbook(bank):
    records = [dict(zip(HEADER, row, strict=True)) for row in GOOD_ROWS]
    sheet = lessons_from_records(records=records)
    assert [row.row for row in sheet.rows] == [2, 3, 4]
    assert lessons_apply(bank=bank, sheet=sheet).created == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_csv_with_or_without_bom_is_imported(bank, tmp_path, encoding):
    rows = rows_copy()
    rows[0][9] = "第一段。\n第二段，含有逗号和“引号”。"
    path = tmp_path / "lessons.csv"
    path.write_bytes(csv_bytes(rows, encoding=encoding))
    summary = import_file(bank, path)
    assert summary.created == 3
    assert lesson("ZY-0001").body.raw_data[0]["value"] == (
        "<p>第一段。</p><p>第二段，含有逗号和“引号”。</p>"
    )


# ---------------------------------------------------------------- idempotence


def test_reimporting_the_same_file_changes_nothing(bank, xlsx):
    path = xlsx()
    import_file(bank, path)
    before = {
        lesson.code: (lesson.latest_revision_id, lesson.last_published_at)
        for lesson in LessonPage.objects.all()
    }
    revisions = Revision.objects.count()

    summary = import_file(bank, path)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 3)
    assert summary.programmes_created == [] and summary.topics_created == []
    assert Revision.objects.count() == revisions
    assert {
        lesson.code: (lesson.latest_revision_id, lesson.last_published_at)
        for lesson in LessonPage.objects.all()
    } == before


def test_edited_row_updates_only_that_lesson(bank, xlsx):
    import_file(bank, xlsx())
    rows = rows_copy()
    rows[1][1] = "美沙酮维持治疗（修订）"
    rows[1][5] = 30
    rows[1][6] = "药物维持治疗"
    rows[1][7] = "社区禁毒专干、戒毒医疗岗"
    untouched = {code: revisions_of(lesson(code)) for code in ("ZY-0001", "ZY-0003")}

    summary = import_file(bank, xlsx(rows, name="edited.xlsx"))

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 2)
    edited = lesson("ZY-0002")
    assert edited.title == "美沙酮维持治疗（修订）"
    assert edited.minutes == 30
    assert [t.name for t in edited.topics.all()] == ["药物维持治疗"]
    assert {p.name for p in edited.target_positions.all()} == {
        "社区禁毒专干",
        "戒毒医疗岗",
    }
    assert revisions_of(edited) == 2
    assert {code: revisions_of(lesson(code)) for code in untouched} == untouched


def test_lessons_missing_from_the_file_are_left_alone(bank, xlsx):
    import_file(bank, xlsx())
    summary = import_file(bank, xlsx(GOOD_ROWS[:1], name="one.xlsx"))
    assert summary.unchanged == 1
    assert LessonPage.objects.count() == 3


def test_new_text_keeps_blocks_added_in_the_admin_and_blank_text_keeps_body(bank, xlsx):
    import_file(bank, xlsx())
    page = lesson("ZY-0001")
    page.body = [
        *page.body.raw_data,
        {"type": "key_points", "value": {"title": "应知应会", "points": ["四步法"]}},
    ]
    page.save_revision().publish()

    rows = rows_copy()
    rows[0][9] = "改写后的正文。"
    import_file(bank, xlsx(rows, name="new-text.xlsx"))
    page = lesson("ZY-0001")
    assert [b["type"] for b in page.body.raw_data] == ["rich_text", "key_points"]
    assert page.body.raw_data[0]["value"] == "<p>改写后的正文。</p>"

    rows[0][9] = ""
    revisions = revisions_of(page)
    summary = import_file(bank, xlsx(rows, name="blank-text.xlsx"))
    assert summary.unchanged == 3
    assert revisions_of(lesson("ZY-0001")) == revisions


def test_row_that_would_overwrite_an_editors_draft_is_refused(bank, xlsx):
    import_file(bank, xlsx())
    draft = lesson("ZY-0002")
    draft.title = "教员正在修改的标题"
    draft.save_revision()  # a draft, not published
    assert import_file(bank, xlsx()).unchanged == 3  # same rows: nothing to refuse

    rows = rows_copy()
    rows[0][5] = 50  # ZY-0001, no draft
    rows[1][5] = 30  # ZY-0002, has a draft
    errors = errors_of(bank, xlsx(rows, name="edited.xlsx"))

    assert errors == [
        "第 3 行（编码）：编码为“ZY-0002”的课在后台有尚未发布的修改（草稿或正在审核），"
        "导入本行会覆盖这些修改。请先在后台发布或删除该草稿，再重新导入。"
    ]
    assert lesson("ZY-0001").minutes == 45  # rolled back with the rest
    kept = lesson("ZY-0002")
    assert kept.minutes == 25
    assert kept.get_latest_revision_as_object().title == "教员正在修改的标题"


def test_dry_run_counts_the_changes_and_writes_nothing(bank, xlsx):
    summary = import_file(bank, xlsx(), dry_run=True)
    assert summary.created == 3 and summary.dry_run
    assert LessonPage.objects.count() == 0
    assert Programme.objects.count() == 0


# ---------------------------------------------------------------- bad rows


def bad_rows(row_index: int, column: str, value) -> list[list]:
    rows = rows_copy()
    rows[row_index][HEADER.index(column)] = value
    return rows


@pytest.mark.parametrize(
    ("row_index", "column", "value", "expected"),
    [
        (0, "标题", "", "第 2 行（标题）：标题不能为空。"),
        (0, "标题", "   ", "第 2 行（标题）：标题不能为空。"),
        (1, "编码", "", "第 3 行（编码）：编码不能为空"),
        (1, "编码", "ZY 0002", "第 3 行（编码）：编码“ZY 0002”只能包含英文字母"),
        (1, "编码", "zy-0001", "第 3 行（编码）：编码“zy-0001”与第 2 行重复"),
        (
            2,
            "适用岗位",
            "所长岗、心理咨询岗",
            "第 4 行（适用岗位）：岗位“所长岗”不存在",
        ),
        (0, "课时", "", "第 2 行（课时）：课时不能为空"),
        (0, "课时", "0", "第 2 行（课时）：课时应大于 0 且不超过 20（现为 0）"),
        (0, "课时", "-1", "第 2 行（课时）：课时应大于 0 且不超过 20"),
        (0, "课时", 25, "第 2 行（课时）：课时应大于 0 且不超过 20（现为 25）"),
        (0, "课时", 1.3, "第 2 行（课时）：课时应为 0.5 的整数倍"),
        (0, "课时", "一课时", "第 2 行（课时）：课时“一课时”不是数字"),
        (0, "课时", "NaN", "第 2 行（课时）：课时“NaN”不是数字"),
        (1, "时长（分钟）", 0, "第 3 行（时长（分钟））：时长应在 1 到 600 分钟之间"),
        (1, "时长（分钟）", 601, "第 3 行（时长（分钟））：时长应在 1 到 600 分钟之间"),
        (1, "时长（分钟）", 45.5, "第 3 行（时长（分钟））：时长应为整数分钟"),
        (1, "时长（分钟）", "四十五", "第 3 行（时长（分钟））：时长“四十五”不是数字"),
        (1, "时长（分钟）", "", "第 3 行（时长（分钟））：时长不能为空"),
        (1, "形式", "音频", "第 3 行（形式）：“音频”不是可用的形式，可填：图文、视频"),
        (2, "教育项目", "无此项目", "第 4 行（教育项目）：教育项目“无此项目”不存在"),
        (2, "教育项目", "JP01|内观疗法", "第 4 行（教育项目）：新项目代码“JP01”"),
        (
            2,
            "教育项目",
            "|内观疗法",
            "第 4 行（教育项目）：“|内观疗法”应写成“代码|名称”",
        ),
        (2, "专题", "专" * 51, "第 4 行（专题）：专题“专专专"),
    ],
)
def test_bad_row_is_reported_with_row_column_and_reason_and_nothing_is_written(
    bank, xlsx, row_index, column, value, expected
):
    errors = errors_of(bank, xlsx(bad_rows(row_index, column, value)))
    assert any(error.startswith(expected) for error in errors), errors
    assert LessonPage.objects.count() == 0
    assert Programme.objects.count() == 0


def test_every_bad_row_is_reported_at_once(bank, xlsx):
    rows = rows_copy()
    rows[0][1] = ""
    rows[1][4] = 0
    rows[1][7] = "不存在的岗位"
    rows[2][0] = "ZY-0001"
    errors = errors_of(bank, xlsx(rows))
    assert [error.split("：")[0] for error in errors] == [
        "第 2 行（标题）",
        "第 3 行（课时）",
        "第 3 行（适用岗位）",
        "第 4 行（编码）",
    ]


def test_rows_are_numbered_as_excel_shows_them_after_blank_rows(bank, xlsx):
    rows = rows_copy()
    rows.insert(1, [None] * len(HEADER))
    rows.insert(1, [None] * len(HEADER))
    rows[3][1] = ""  # ZY-0002, now on Excel row 5
    assert errors_of(bank, xlsx(rows)) == ["第 5 行（标题）：标题不能为空。"]


def test_missing_columns_are_all_named(bank, tmp_path):
    header = [c for c in HEADER if c not in ("课时", "适用岗位")]
    rows = [
        [v for c, v in zip(HEADER, row, strict=True) if c in header]
        for row in GOOD_ROWS
    ]
    errors = errors_of(bank, xlsx_write(tmp_path / "x.xlsx", rows, header=header))
    assert errors == [
        "第 1 行（课时）：缺少“课时”列。请在第 1 行加上列名“课时”"
        f"（必需的列：{'、'.join(HEADER)}）。",
        "第 1 行（适用岗位）：缺少“适用岗位”列。请在第 1 行加上列名“适用岗位”"
        f"（必需的列：{'、'.join(HEADER)}）。",
    ]


def test_header_with_ascii_brackets_is_the_same_column(bank, tmp_path):
    header = [c.replace("（", "(").replace("）", ")") for c in HEADER]
    path = xlsx_write(tmp_path / "x.xlsx", rows_copy(), header=header)
    assert import_file(bank, path).created == 3


def test_code_of_a_lesson_outside_the_bank_is_refused(bank, xlsx):
    home = bank.get_parent()
    catalogue = home.get_children().exclude(pk=bank.pk).first().specific
    course = CoursePage(title="教材", slug="book")
    catalogue.add_child(instance=course)
    course.add_child(instance=LessonPage(title="第一节", slug="s1", code="ZY-0003"))
    errors = errors_of(bank, xlsx())
    assert errors == [
        "第 4 行（编码）：编码“ZY-0003”已被资源库以外的课《第一节》使用"
        "（例如教材中的一节），请换一个编码。"
    ]
    assert LessonPage.objects.count() == 1


def test_code_differing_only_in_case_from_an_existing_one_is_refused(bank, xlsx):
    import_file(bank, xlsx())
    rows = rows_copy()
    rows[0][0] = "zy-0001"
    errors = errors_of(bank, xlsx(rows, name="lower.xlsx"))
    assert errors[0].startswith(
        "第 2 行（编码）：编码“zy-0001”与系统中已有的编码“ZY-0001”只有大小写不同"
    )


def test_programme_code_with_another_name_than_in_the_system_is_refused(bank, xlsx):
    Programme.objects.create(code="JP01", name="内观疗法")
    errors = errors_of(bank, xlsx())
    assert errors[0].startswith(
        "第 2 行（教育项目）：教育项目代码“JP01”已存在，名称是“内观疗法”"
    )
    assert Programme.objects.get().name == "内观疗法"


def test_new_topics_can_be_refused_to_catch_typos(bank, xlsx):
    import_file(bank, xlsx())
    rows = rows_copy()
    rows[0][6] = "复吸预访"
    errors = errors_of(bank, xlsx(rows, name="typo.xlsx"), allow_new_topics=False)
    assert errors == [
        "第 2 行（专题）：专题“复吸预访”不是系统中已有的专题"
        "（本次导入不允许新建专题），请检查是否写错。"
    ]
    summary = import_file(bank, xlsx(rows, name="typo.xlsx"))
    assert summary.topics_created == ["复吸预访"]


def test_validate_reports_without_writing(bank, xlsx):
    sheet = lessons_read(file=xlsx(bad_rows(0, "标题", "")))
    assert [str(e) for e in lessons_validate(sheet=sheet, bank=bank)] == [
        "第 2 行（标题）：标题不能为空。"
    ]
    assert lessons_validate(sheet=lessons_read(file=xlsx()), bank=bank) == []


# ---------------------------------------------------------------- markup


def test_markup_in_title_and_body_is_stored_and_shown_as_text(bank, xlsx, client):
    rows = rows_copy()
    rows[0][1] = '<script>alert("t")</script>正念'
    rows[0][8] = "<img src=x onerror=alert(1)>提要"
    rows[0][9] = '<b>加粗</b>\n<script>alert("b")</script>'
    import_file(bank, xlsx(rows))

    page = lesson("ZY-0001")
    assert page.title == '<script>alert("t")</script>正念'
    assert page.body.raw_data[0]["value"] == (
        '<p>&lt;b&gt;加粗&lt;/b&gt;</p><p>&lt;script&gt;alert("b")&lt;/script&gt;</p>'
    )
    html = client.get(page.url).content.decode()
    plain = client.get(lesson("ZY-0003").url).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>加粗</b>" not in html
    assert html.count("<script") == plain.count("<script")  # only the site's own
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;正念" in html
    assert "&lt;b&gt;加粗&lt;/b&gt;" in html


# ---------------------------------------------------------------- bad files


def test_gbk_csv_is_refused_with_a_save_as_utf8_message(bank, tmp_path):
    path = tmp_path / "课程.csv"
    path.write_bytes(csv_bytes(rows_copy(), encoding="gbk"))
    errors = errors_of(bank, path)
    assert len(errors) == 1
    assert errors[0].startswith("文件“课程.csv”是 GBK（GB2312/GB18030）编码的 CSV 文件")
    assert "CSV UTF-8（逗号分隔）(*.csv)" in errors[0]
    assert LessonPage.objects.count() == 0


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def test_pdf_named_xlsx_is_refused(bank, tmp_path):
    path = tmp_path / "课程表.xlsx"
    path.write_bytes(PDF_BYTES)
    assert errors_of(bank, path) == [
        "文件“课程表.xlsx”的扩展名是“.xlsx”，但内容是PDF 文件，与扩展名不符，"
        "可能是改过扩展名的其他文件。请上传按课程表模板填写的 .xlsx 文件，"
        "或从 Excel 另存的“CSV UTF-8”文件。"
    ]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("lessons.csv", None, "的扩展名是“.csv”，但内容是Excel 工作簿（.xlsx）"),
        (
            "lessons.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504,
            "旧版 Excel",
        ),
        ("lessons.xlsx", "编码,标题\n".encode(), "但内容是文本（CSV）文件"),
        ("lessons.xls", b"anything", "的类型是“.xls”，只能导入 Excel 工作簿（.xlsx）"),
        ("lessons.xlsx", b"", "是空的"),
        ("lessons.xlsx", b"PK\x03\x04broken", "已损坏，不是完整的 Excel 工作簿"),
    ],
)
def test_file_that_is_not_what_it_says_gets_one_clear_error(
    bank, tmp_path, xlsx, name, data, expected
):
    if data is None:
        data = xlsx().read_bytes()
    path = tmp_path / name
    path.write_bytes(data)
    errors = errors_of(bank, path)
    assert len(errors) == 1 and expected in errors[0], errors


def test_file_over_100_mb_is_refused_before_it_is_read(bank, tmp_path, monkeypatch):
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no 100 MB written to disk

    def no_reading(self, *args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    errors = errors_of(bank, path)
    assert errors[0].startswith("文件超过 100 MB，系统不予读取。")


def test_upload_over_100_mb_is_refused_by_its_size(bank):
    class Upload:
        name = "lessons.xlsx"
        size = MAX_FILE_BYTES + 1

        def read(self, *args):
            raise AssertionError("the upload was read")

    with pytest.raises(LessonsInvalid, match="文件超过 100 MB"):
        lessons_read(file=Upload())


# ---------------------------------------------------------------- command


def test_command_imports_and_prints_the_summary(bank, xlsx, capsys):
    call_command("import_lessons", str(xlsx()))
    out = capsys.readouterr().out
    assert "导入完成：新建课程 3 个，更新 0 个，未变化 0 个；新建教育项目 1 个" in out
    assert "共 3 行，用时" in out
    assert LessonPage.objects.count() == 3


def test_command_dry_run_writes_nothing(bank, xlsx, capsys):
    call_command("import_lessons", str(xlsx()), "--dry-run")
    assert "检查通过（--dry-run，未写入任何数据）。将会：新建课程 3 个" in (
        capsys.readouterr().out
    )
    assert LessonPage.objects.count() == 0


def test_command_lists_every_error_and_fails(bank, xlsx, capsys):
    rows = rows_copy()
    rows[0][1] = ""
    rows[2][5] = 900
    with pytest.raises(CommandError, match="导入失败，共 2 处错误，未写入任何数据。"):
        call_command("import_lessons", str(xlsx(rows)))
    err = capsys.readouterr().err
    assert "第 2 行（标题）：标题不能为空。" in err
    assert "第 4 行（时长（分钟））：时长应在 1 到 600 分钟之间（现为 900）。" in err
    assert LessonPage.objects.count() == 0


def test_command_without_a_bank_says_what_to_do(db, xlsx):
    with pytest.raises(CommandError, match="还没有“教育资源库”页面"):
        call_command("import_lessons", str(xlsx()))


# ---------------------------------------------------------------- template

SHIPPED_TEMPLATE = Path(settings.BASE_DIR) / "fixtures" / "lesson_template.xlsx"


def test_shipped_template_has_the_columns_and_imports_into_an_empty_bank(bank):
    sheet = load_workbook(SHIPPED_TEMPLATE, read_only=True)["课程"]
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert list(header) == HEADER
    summary = import_file(bank, SHIPPED_TEMPLATE)
    assert summary.created == 2
    assert lesson("EX-0002").programme.name == "正念防复发"


def test_template_command_writes_the_template_with_the_position_list(db, tmp_path):
    path = tmp_path / "template.xlsx"
    call_command("import_lessons", "--template", str(path))
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["课程", "说明"]
    notes = [cell for row in workbook["说明"].values for cell in row if cell]
    assert all(p.name in notes for p in Position.objects.all())
    assert all(column in notes for column in HEADER)


# ---------------------------------------------------------------- search index


def search_titles(client, q):
    response = client.get(reverse("search"), {"q": q, "kind": "lesson"})
    return sorted(hit.page.title for hit in response.context["outcome"].hits)


def add_lesson_as_an_editor(bank, code, title, text):
    page = LessonPage(
        title=title, code=code, body=[{"type": "rich_text", "value": f"<p>{text}</p>"}]
    )
    bank.add_child(instance=page)
    page.save_revision().publish()


def test_imported_lessons_are_found_by_search_words_inside_sentences(
    bank, xlsx, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        import_file(bank, xlsx())
    assert search_titles(client, "美沙酮") == ["美沙酮维持治疗的基本知识"]
    assert search_titles(client, "决定书") == ["强制隔离戒毒的收治环节"]

    rows = rows_copy()
    rows[2][9] = "收治时应当核对纳洛酮的存放位置。"
    with django_capture_on_commit_callbacks(execute=True):
        import_file(bank, xlsx(rows, name="edited.xlsx"))
    assert search_titles(client, "决定书") == []
    assert search_titles(client, "纳洛酮") == ["强制隔离戒毒的收治环节"]

    # Saves outside an import are indexed one by one, as before.
    with django_capture_on_commit_callbacks(execute=True):
        add_lesson_as_an_editor(bank, "ED-1", "编辑新增", "经颅磁刺激的适应证")
    assert search_titles(client, "经颅磁刺激") == ["编辑新增"]


def test_failure_while_writing_leaves_nothing_and_search_keeps_working(
    bank, xlsx, client, monkeypatch, django_capture_on_commit_callbacks
):
    from courses.services.lessons import apply

    calls = []

    def failing(page, fields, **kwargs):
        calls.append(page.code)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return publish_if_changed(page, fields, **kwargs)

    publish_if_changed = apply.page_publish_if_changed
    monkeypatch.setattr(apply, "page_publish_if_changed", failing)
    with pytest.raises(RuntimeError):
        import_file(bank, xlsx())
    assert LessonPage.objects.count() == 0
    assert Programme.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        add_lesson_as_an_editor(bank, "ED-1", "编辑新增", "正念防复发的练习")
    assert search_titles(client, "正念防复发") == ["编辑新增"]
