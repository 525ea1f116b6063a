"""GIFT import: the Moodle syntax, our comment conventions, and bad files."""

from decimal import Decimal

import pytest

from quizzes.io import questions_import, questions_read
from quizzes.models import Difficulty, MultipleScoring, Question, QuestionKind

pytestmark = pytest.mark.django_db

BANK = """\
// 示例题库：禁毒法
$CATEGORY: $course$/top/禁毒法/总则

// 难度: 容易
// 知识点: 禁毒法, 施行时间
// 编号: JD-0001
::施行::《中华人民共和国禁毒法》自哪一年起施行？{
=2008年
~2006年 #不对
~2011年
####《禁毒法》自2008年6月1日起施行。
}

// 分值: 2
“四期四区”包括哪些时期？{
~%50%生理脱毒期
~%50%教育适应期
~%-100%社会实践期
}

社区戒毒的期限为三年。{T}

强制隔离戒毒的期限为一年。{FALSE####期限为二年。}

$CATEGORY: 戒毒条例
// 知识点: 戒毒条例、施行时间
《戒毒条例》于{=2011 =2011年}施行。

简述正念防复发训练的主要步骤。{}

[html]<p>下列<strong>属于</strong>毒品的是？</p>{=海洛因 =冰毒 ~烟草}

转义：\\{a\\} b\\=c d\\~e f\\#g h\\: i\\\\n{=a\\=b ~c\\#d}
"""


def _by_stem(text: str) -> Question:
    return Question.objects.get(stem__contains=text)


def test_a_gift_bank_imports_every_question_with_its_conventions():
    report = questions_import(BANK.encode(), filename="bank.gift")

    assert report.ok, report.problems
    assert report.created == 8
    single = Question.objects.get(code="JD-0001")
    assert single.kind == QuestionKind.SINGLE
    assert single.category.full_path == "禁毒法/总则"
    assert single.difficulty == Difficulty.EASY
    assert sorted(single.knowledge_points.names()) == ["施行时间", "禁毒法"]
    assert single.explanation == "《禁毒法》自2008年6月1日起施行。"
    assert [(o.text, o.is_correct) for o in single.options.all()] == [
        ("2008年", True),
        ("2006年", False),
        ("2011年", False),
    ]
    multiple = _by_stem("四期四区")
    assert multiple.kind == QuestionKind.MULTIPLE
    assert multiple.scoring == MultipleScoring.PARTIAL
    assert multiple.points == Decimal("2")
    assert [o.is_correct for o in multiple.options.all()] == [True, True, False]
    assert _by_stem("社区戒毒").true_answer is True
    forced = _by_stem("强制隔离")
    assert forced.true_answer is False
    assert forced.explanation == "期限为二年。"
    fill_in = _by_stem("戒毒条例")
    assert fill_in.kind == QuestionKind.FILL_IN
    assert fill_in.stem == "《戒毒条例》于____施行。"
    assert fill_in.category.full_path == "戒毒条例"
    assert [a.text for a in fill_in.blank_answers.all()] == ["2011", "2011年"]
    assert sorted(fill_in.knowledge_points.names()) == ["戒毒条例", "施行时间"]
    assert _by_stem("正念").kind == QuestionKind.ESSAY
    html = _by_stem("<strong>属于</strong>")
    assert html.kind == QuestionKind.MULTIPLE
    assert html.scoring == MultipleScoring.ALL_OR_NOTHING
    escaped = _by_stem("转义")
    assert escaped.stem == "转义：{a} b=c d~e f#g h: i\\n"
    assert [o.text for o in escaped.options.all()] == ["a=b", "c#d"]


def test_byte_order_mark_and_windows_line_endings_are_fine():
    text = "\ufeff// 难度: 困难\r\n题目一{T}\r\n\r\n题目二{F}\r\n"
    report = questions_import(text.encode("utf-8"), filename="bom.txt")
    assert report.ok, report.problems
    assert Question.objects.get(stem="题目一").difficulty == Difficulty.HARD
    assert Question.objects.get(stem="题目二").difficulty == Difficulty.MEDIUM


def test_questions_without_a_category_go_to_the_default_one():
    report = questions_import(
        "无分类的题{T}".encode(), filename="a.gift", default_category="导入/2025"
    )
    assert report.ok
    assert Question.objects.get().category.full_path == "导入/2025"


def test_syntax_errors_list_every_bad_question_with_its_line_and_import_nothing():
    text = (
        "好题一{T}\n"  # 1
        "\n"
        "// 难度: 很难\n"  # 3
        "好题二{=甲 ~乙}\n"
        "\n"
        "缺少答案的题\n"  # 6
        "\n"
        "没有结束{=甲 ~乙\n"  # 8
        "\n"
        "配对{=a -> b =c -> d}\n"  # 10
        "\n"
        "数值{#3:1}\n"  # 12
        "\n"
        "没有正确答案{~甲 ~乙}\n"  # 14
    )
    specs, problems = questions_read(text.encode(), filename="bad.gift")

    where = {problem.position: problem.message for problem in problems}
    assert set(where) == {
        "第 3 行",
        "第 6 行",
        "第 8 行",
        "第 10 行",
        "第 12 行",
        "第 14 行",
    }
    assert "难度“很难”无法识别" in where["第 3 行"]
    assert "缺少答案部分" in where["第 6 行"]
    assert "缺少结尾的“}”" in where["第 8 行"]
    assert "配对题" in where["第 10 行"]
    assert "数值题" in where["第 12 行"]
    assert "没有正确答案" in where["第 14 行"]

    report = questions_import(text.encode(), filename="bad.gift")
    assert not report.ok
    assert len(report.problems) == 6
    assert Question.objects.count() == 0


def test_a_gbk_file_is_refused_with_how_to_resave_it():
    report = questions_import("题目一{T}".encode("gbk"), filename="gbk.txt")
    assert [p.message for p in report.problems] == [
        "文件是 GBK（ANSI）编码，不是 UTF-8。请用记事本打开，选择“另存为”，"
        "把编码改为“UTF-8”后再导入。"
    ]
    assert Question.objects.count() == 0


def test_several_blanks_come_from_the_comment():
    text = "// 各空答案: 2011|二〇一一；国务院\n《戒毒条例》于____年由____发布。{=2011}"
    report = questions_import(text.encode(), filename="a.gift")
    assert report.ok, report.problems
    question = Question.objects.get()
    assert [(a.blank, a.text) for a in question.blank_answers.all()] == [
        (1, "2011"),
        (1, "二〇一一"),
        (2, "国务院"),
    ]


def test_a_comment_block_before_a_question_still_describes_it():
    text = "// 编号: JD-9\n// 难度: 困难\n\n题目{T}\n\n下一题{F}\n"
    assert questions_import(text.encode(), filename="a.gift").ok
    assert Question.objects.get(stem="题目").code == "JD-9"
    assert Question.objects.get(stem="下一题").code == ""
    assert Question.objects.get(stem="下一题").difficulty == Difficulty.MEDIUM


def test_plain_and_markdown_formats_become_safe_html():
    text = "[plain]a < b{T}\n\n[markdown]**重点**内容{T}\n"
    assert questions_import(text.encode(), filename="a.gift").ok
    stems = set(Question.objects.values_list("stem", flat=True))
    assert stems == {"a &lt; b", "<p><strong>重点</strong>内容</p>"}
