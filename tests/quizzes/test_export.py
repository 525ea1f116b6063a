"""Export, and the round trip: export then import into an empty bank."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from quizzes.io import questions_import
from quizzes.io.exporter import questions_export_bytes, questions_for_export
from quizzes.io.images import image_check
from quizzes.models import Category, Difficulty, MultipleScoring, Question, QuestionKind
from quizzes.services import question_create
from tests.quizzes.factories import category
from tests.quizzes.io_files import media, png_bytes  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def bank():
    """Every type, with the awkward cases: specials, images, blanks, scoring."""
    image = image_check(data=png_bytes(), label="").name
    default_storage.save(image, ContentFile(png_bytes()))
    law = category("禁毒法/第三章")
    rules = category("戒毒条例")
    question_create(
        kind=QuestionKind.SINGLE,
        stem=f'<p>图中植物是？</p><p><img src="{default_storage.url(image)}"></p>',
        category=law,
        options=[
            {"text": "罂粟", "is_correct": True},
            {"text": "a=b ~c #d {e} f:g \\h", "is_correct": False},
        ],
        explanation="罂粟是制取鸦片的原料。\n第二行",
        difficulty=Difficulty.EASY,
        points=Decimal("2.5"),
        knowledge_points=["毒品识别", "罂粟"],
    )
    question_create(
        kind=QuestionKind.MULTIPLE,
        stem="=下列属于戒毒措施的有（ ）",
        category=law,
        options=[
            {"text": "自愿戒毒", "is_correct": True},
            {"text": "社区戒毒", "is_correct": True},
            {"text": "强制隔离戒毒", "is_correct": True},
            {"text": "罚款", "is_correct": False},
        ],
        scoring=MultipleScoring.PARTIAL,
    )
    question_create(
        kind=QuestionKind.MULTIPLE,
        stem="只有一个正确选项的多选题",
        category=law,
        options=[
            {"text": "对", "is_correct": True},
            {"text": "错", "is_correct": False},
        ],
        scoring=MultipleScoring.ALL_OR_NOTHING,
        difficulty=Difficulty.HARD,
    )
    question_create(
        kind=QuestionKind.MULTIPLE,
        stem="全对才得分",
        category=rules,
        options=[
            {"text": "甲", "is_correct": True},
            {"text": "乙", "is_correct": True},
            {"text": "丙", "is_correct": False},
        ],
    )
    question_create(
        kind=QuestionKind.TRUE_FALSE,
        stem="社区戒毒的期限为三年。",
        category=rules,
        true_answer=True,
        explanation="第三十三条",
    )
    question_create(
        kind=QuestionKind.TRUE_FALSE,
        stem="强制隔离戒毒的期限为一年。",
        category=rules,
        true_answer=False,
    )
    question_create(
        kind=QuestionKind.FILL_IN,
        stem="《戒毒条例》于____年由____发布。",
        category=rules,
        blanks=[["2011", "二〇一一"], ["国务院"]],
        knowledge_points=["戒毒条例"],
    )
    question_create(
        kind=QuestionKind.FILL_IN,
        stem="禁毒法于____年施行。",
        category=rules,
        blanks=[["2008"]],
    )
    essay = question_create(
        kind=QuestionKind.ESSAY,
        stem="简述正念防复发训练。",
        category=category("矫治方法/正念"),
        points=Decimal("10"),
        explanation="参考答案：觉察、接纳。",
    )
    Question.objects.filter(pk=essay.pk).update(code="JD-0009")
    return image


def bank_snapshot() -> list[tuple]:
    rows = []
    for question in questions_for_export():
        blanks: dict[int, list[str]] = {}
        for answer in question.blank_answers.all():
            blanks.setdefault(answer.blank, []).append(answer.text)
        rows.append(
            (
                question.kind,
                question.stem,
                [(o.text, o.is_correct) for o in question.options.all()],
                sorted(blanks.items()),
                question.true_answer,
                question.scoring if question.kind == QuestionKind.MULTIPLE else "",
                question.explanation,
                question.difficulty,
                question.category.full_path,
                sorted(item.tag.name for item in question.knowledge_point_items.all()),
                question.points,
                question.code,
            )
        )
    return sorted(rows, key=lambda row: row[1])


def bank_empty(image: str) -> None:
    Question.objects.all().delete()
    for node in Category.get_root_nodes():
        node.delete()
    default_storage.delete(image)


@pytest.mark.parametrize("file_format", ["xml", "gift", "xlsx"])
def test_export_then_import_into_an_empty_bank_gives_the_same_questions(
    bank, file_format
):
    before = bank_snapshot()
    data = questions_export_bytes(
        questions=questions_for_export(), file_format=file_format
    )
    bank_empty(bank)

    report = questions_import(data, filename=f"bank.{file_format}")

    assert report.ok, report.problems
    assert report.created == len(before)
    assert bank_snapshot() == before
    if file_format == "xml":
        # The picture travelled inside the file and is back in storage.
        with default_storage.open(bank, "rb") as handle:
            assert handle.read() == png_bytes()


@pytest.mark.parametrize("file_format", ["xml", "gift", "xlsx"])
def test_importing_an_export_over_the_same_bank_changes_nothing(bank, file_format):
    versions = dict(Question.objects.values_list("pk", "version"))
    data = questions_export_bytes(
        questions=questions_for_export(), file_format=file_format
    )
    report = questions_import(data, filename=f"bank.{file_format}")
    assert report.ok, report.problems
    assert (report.created, report.updated) == (0, 0)
    assert dict(Question.objects.values_list("pk", "version")) == versions


def test_the_gift_export_uses_our_comment_conventions(bank):
    data = questions_export_bytes(
        questions=questions_for_export(), file_format="gift"
    ).decode()
    assert "$CATEGORY: $course$/top/禁毒法/第三章" in data
    assert "// 难度: 容易\n// 知识点: 毒品识别、罂粟\n// 分值: 2.5\n" in data
    assert "// 各空答案: 2011|二〇一一；国务院" in data
    assert "// 编号: JD-0009" in data


def test_the_xlsx_export_keeps_text_starting_with_equals_as_text(bank):
    from io import BytesIO

    from openpyxl import load_workbook

    data = questions_export_bytes(questions=questions_for_export(), file_format="xlsx")
    sheet = load_workbook(BytesIO(data))["题目"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value]
    assert not [c.coordinate for c in cells if c.data_type == "f"]


def test_the_command_exports_one_category_and_below(bank, tmp_path):
    out = tmp_path / "law.gift"
    stdout = StringIO()
    call_command(
        "export_questions",
        "--format",
        "gift",
        "--category",
        "禁毒法",
        "--out",
        str(out),
        stdout=stdout,
    )
    assert "已导出 3 题" in stdout.getvalue()
    text = out.read_text(encoding="utf-8")
    assert "禁毒法/第三章" in text and "戒毒条例" not in text
