"""What every format shares: all-or-nothing, idempotent re-import, limits."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from quizzes.io import questions_import
from quizzes.models import Category, Question
from quizzes.services import question_update
from tests.quizzes.factories import QuestionFactory, category

pytestmark = pytest.mark.django_db

BANK = """\
$CATEGORY: 禁毒法
// 编号: JD-0001
// 难度: 容易
// 知识点: 禁毒法
禁毒法施行年份？{=2008 ~2006 ~2011 ####2008年6月1日。}

社区戒毒期限三年。{T}

// 各空答案: 2011；国务院
《戒毒条例》于____年由____发布。{=2011}
"""


def _versions() -> dict[str, int]:
    return dict(Question.objects.values_list("stem", "version"))


def test_importing_the_same_file_twice_changes_nothing():
    first = questions_import(BANK.encode(), filename="bank.gift")
    versions = _versions()

    second = questions_import(BANK.encode(), filename="bank.gift")

    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert Question.objects.count() == 3
    assert _versions() == versions


def test_a_changed_question_is_updated_in_place_and_its_version_rises():
    questions_import(BANK.encode(), filename="bank.gift")
    question = Question.objects.get(code="JD-0001")
    option_ids = [o.pk for o in question.options.all()]

    edited = BANK.replace("禁毒法施行年份？", "《禁毒法》施行年份？").replace(
        "~2011", "~2014"
    )
    report = questions_import(edited.encode(), filename="bank.gift")

    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    question = Question.objects.get(code="JD-0001")
    assert question.stem == "《禁毒法》施行年份？"
    assert question.version == 2
    assert [o.text for o in question.options.all()] == ["2008", "2006", "2014"]
    # Options keep their ids: only their text changed.
    assert [o.pk for o in question.options.all()] == option_ids


def test_without_a_code_a_question_is_found_by_category_type_and_stem_text():
    existing = QuestionFactory(
        stem="<p>社区戒毒期限三年。</p>",
        kind="true_false",
        category=category("禁毒法"),
    )
    question_update(question=existing, true_answer=True)
    version = Question.objects.get(pk=existing.pk).version

    report = questions_import(BANK.encode(), filename="bank.gift")

    assert report.created == 2
    # Same words, only markup differs: the stem is rewritten, no duplicate.
    assert report.updated == 1
    assert Question.objects.filter(kind="true_false").count() == 1
    assert Question.objects.get(pk=existing.pk).version == version + 1


def test_one_bad_question_means_nothing_is_saved_not_even_categories():
    text = BANK + "\n\n$CATEGORY: 新分类\n坏题{=甲 =甲 ~乙 ~%50%丙}\n"
    report = questions_import(text.encode(), filename="bank.gift")
    assert [p.position for p in report.problems] == ["第 14 行"]
    assert Question.objects.count() == 0
    assert not Category.objects.filter(full_path="新分类").exists()


def test_a_question_the_database_refuses_rolls_back_the_others():
    # Two right answers in a single choice only show when the question is
    # written; the whole file must still be rolled back.
    text = BANK + "\n\n// 编号: " + "X" * 65 + "\n太长的编号{T}\n"
    report = questions_import(text.encode(), filename="bank.gift")
    assert report.problems and "编号" in report.problems[0].message
    assert Question.objects.count() == 0


def test_duplicate_questions_in_one_file_are_reported():
    text = "同一题{T}\n\n同一题{T}\n\n// 编号: A\n甲{T}\n\n// 编号: A\n乙{T}\n"
    report = questions_import(text.encode(), filename="dup.gift")
    assert [str(p) for p in report.problems] == [
        "第 3 行：与第 1 行的题目重复（同一分类、同一题型、题干相同）。"
        "请删除其中一道，或给两道题不同的编号。",
        "第 9 行：题目编号“A”与第 6 行的题目重复。",
    ]


def test_a_dry_run_counts_without_writing():
    report = questions_import(BANK.encode(), filename="bank.gift", dry_run=True)
    assert report.ok and report.created == 3
    assert Question.objects.count() == 0
    assert Category.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.QUIZ_IMPORT_MAX_BYTES = 100
    report = questions_import(("题目{T}\n\n" * 50).encode(), filename="big.gift")
    assert len(report.problems) == 1
    assert "文件太大，上限为 100" in report.problems[0].message
    assert Question.objects.count() == 0


def test_unknown_extensions_and_empty_files_are_refused():
    assert "无法识别文件类型“.docx”" in str(
        questions_import(b"x", filename="a.docx").problems[0]
    )
    assert "文件是空的" in str(questions_import(b"  \n", filename="a.gift").problems[0])


def test_the_command_imports_with_progress_and_lists_errors(tmp_path):
    good = tmp_path / "bank.gift"
    good.write_text(BANK, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_questions", str(good), "--dry-run", stdout=out, stderr=err)
    assert "将新建 3 题" in out.getvalue()
    assert Question.objects.count() == 0

    call_command("import_questions", str(good), stdout=out, stderr=err)
    assert Question.objects.count() == 3

    bad = tmp_path / "bad.gift"
    bad.write_text("坏题\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="1 处错误，未导入任何题目"):
        call_command("import_questions", str(bad), stdout=out, stderr=err)
    assert "第 1 行：缺少答案部分" in err.getvalue()
