"""The Excel question template: rows, answers, and files that are not what they say."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from quizzes.io import questions_import, questions_read
from quizzes.models import Difficulty, MultipleScoring, Question, QuestionKind
from tests.quizzes.io_files import xlsx_bytes, xlsx_row

pytestmark = pytest.mark.django_db


def test_every_type_imports_from_the_template_columns():
    data = xlsx_bytes(
        [
            xlsx_row(
                "单选题",
                "禁毒法施行年份？",
                ("2006", "2008", "2011"),
                answer="B",
                explanation="2008年6月1日",
                difficulty="容易",
                category="禁毒法/总则",
                kp="禁毒法、施行",
                points=2,
                code="X-1",
            ),
            xlsx_row(
                "多选题", "戒毒措施有？", ("自愿戒毒", "社区戒毒", "罚款"), answer="A,B"
            ),
            xlsx_row("判断题", "社区戒毒期限三年。", (), answer="对"),
            xlsx_row(
                "填空题",
                "《戒毒条例》于____年由____发布。",
                (),
                answer="2011|二〇一一；国务院",
            ),
            xlsx_row(
                "简答题", "简述后续照管。", (), answer="无缝衔接", explanation="见教材"
            ),
        ]
    )

    report = questions_import(data, filename="bank.xlsx")

    assert report.ok, report.problems
    single = Question.objects.get(code="X-1")
    assert single.kind == QuestionKind.SINGLE
    assert [o.is_correct for o in single.options.all()] == [False, True, False]
    assert single.difficulty == Difficulty.EASY
    assert single.points == Decimal("2")
    assert single.category.full_path == "禁毒法/总则"
    assert sorted(single.knowledge_points.names()) == ["施行", "禁毒法"]
    multiple = Question.objects.get(kind=QuestionKind.MULTIPLE)
    assert [o.is_correct for o in multiple.options.all()] == [True, True, False]
    assert multiple.scoring == MultipleScoring.ALL_OR_NOTHING
    assert multiple.category.full_path == "未分类"
    assert Question.objects.get(kind=QuestionKind.TRUE_FALSE).true_answer is True
    fill_in = Question.objects.get(kind=QuestionKind.FILL_IN)
    assert [(a.blank, a.text) for a in fill_in.blank_answers.all()] == [
        (1, "2011"),
        (1, "二〇一一"),
        (2, "国务院"),
    ]
    essay = Question.objects.get(kind=QuestionKind.ESSAY)
    assert essay.explanation == "参考答案：无缝衔接\n见教材"


def test_bad_rows_are_all_listed_with_their_row_and_nothing_is_imported():
    data = xlsx_bytes(
        [
            xlsx_row("单选题", "好题", answer="A"),
            xlsx_row("单选题", "答案不是选项", ("甲", "乙"), answer="D"),
            xlsx_row("选择题", "题型错误"),
            xlsx_row("判断题", "判断答案错", (), answer="也许"),
            xlsx_row("单选题", "难度错", difficulty="很难"),
        ]
    )
    report = questions_import(data, filename="bad.xlsx")
    assert {p.position for p in report.problems} == {
        "第 3 行",
        "第 4 行",
        "第 5 行",
        "第 6 行",
    }
    messages = " ".join(p.message for p in report.problems)
    assert "“D”不是已填写的选项" in messages
    assert "“题型”为“选择题”" in messages
    assert "“正确”或“错误”" in messages
    assert "“难度”为“很难”" in messages
    assert Question.objects.count() == 0


def test_merged_cells_and_formulas_are_refused_with_their_cell():
    def edit(sheet):
        sheet.merge_cells("J2:J3")
        sheet["B3"] = '=CONCAT("禁毒", "法")'

    data = xlsx_bytes([xlsx_row(category="禁毒法"), xlsx_row(stem="第二题")], edit=edit)
    specs, problems = questions_read(data, filename="merged.xlsx")
    text = [str(p) for p in problems]
    assert any(
        t.startswith("第 2 行 J 列：") and "J2:J3 是合并单元格" in t for t in text
    )
    assert any(t.startswith("第 3 行 B 列：") and "B3 是公式" in t for t in text)
    assert not questions_import(data, filename="merged.xlsx").ok
    assert Question.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "Excel 97-2003"),
        ("题型,题干,答案\n单选题,题,A\n".encode(), "改了扩展名的 CSV"),
        ("题型,题干,答案\n".encode("gbk"), "改了扩展名的 CSV"),
    ],
)
def test_files_that_are_not_workbooks_are_refused_clearly(data, expected):
    report = questions_import(data, filename="renamed.xlsx")
    assert len(report.problems) == 1
    assert expected in report.problems[0].message


def test_an_old_xls_name_is_refused():
    report = questions_import(b"anything", filename="old.xls")
    assert "另存为“Excel 工作簿（*.xlsx）”" in report.problems[0].message


def test_the_shipped_template_imports_cleanly():
    template = Path(settings.BASE_DIR) / "fixtures" / "question_template.xlsx"
    report = questions_import(template)
    assert report.ok, report.problems
    assert report.created == 5
    assert set(Question.objects.values_list("kind", flat=True)) == set(QuestionKind)
