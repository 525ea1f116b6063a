"""Moodle XML import: types, categories, images, and hostile files."""

from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from quizzes.io import questions_import, questions_read
from quizzes.models import Difficulty, MultipleScoring, Question, QuestionKind
from tests.quizzes.io_files import (
    media,  # noqa: F401 - fixture
    moodle_category,
    moodle_question,
    moodle_xml,
    png_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def test_a_moodle_export_imports_with_categories_tags_grades_and_codes():
    data = moodle_xml(
        moodle_category("$course$/top/禁毒法/第三章"),
        moodle_question(
            "multichoice",
            "<p>禁毒工作实行什么方针？</p>",
            name="方针",
            single=True,
            answers=[("100", "预防为主"), ("0", "打击为主"), ("-50", "教育为主")],
            feedback="第四条。",
            grade="2",
            idnumber="JD-0100",
            tags=["禁毒方针", "禁毒法"],
        ),
        moodle_question(
            "multichoice",
            "哪些属于戒毒措施？",
            single=False,
            answers=[("50", "自愿戒毒"), ("50", "社区戒毒"), ("-100", "劳动教养")],
        ),
        moodle_category("$system$/top/戒毒条例"),
        moodle_question(
            "truefalse",
            "社区康复期限不超过三年。",
            answers=[("100", "true"), ("0", "false")],
        ),
        moodle_question(
            "shortanswer",
            "《戒毒条例》于哪一年施行？",
            answers=[("100", "2011"), ("100", "2011年")],
        ),
        moodle_question("essay", "简述后续照管。", grade="5"),
        moodle_question(
            "multichoiceset",
            "全对才得分",
            answers=[("100", "甲"), ("100", "乙"), ("0", "丙")],
        ),
    )

    report = questions_import(data, filename="moodle.xml")

    assert report.ok, report.problems
    assert report.created == 6
    single = Question.objects.get(code="JD-0100")
    assert single.kind == QuestionKind.SINGLE
    assert single.category.full_path == "禁毒法/第三章"
    assert single.points == Decimal("2")
    assert single.explanation == "第四条。"
    assert sorted(single.knowledge_points.names()) == sorted(["禁毒法", "禁毒方针"])
    assert [o.is_correct for o in single.options.all()] == [True, False, False]
    partial = Question.objects.get(stem="哪些属于戒毒措施？")
    assert partial.kind == QuestionKind.MULTIPLE
    assert partial.scoring == MultipleScoring.PARTIAL
    assert partial.category.full_path == "禁毒法/第三章"
    true_false = Question.objects.get(kind=QuestionKind.TRUE_FALSE)
    assert true_false.true_answer is True
    assert true_false.category.full_path == "戒毒条例"
    fill_in = Question.objects.get(kind=QuestionKind.FILL_IN)
    assert [a.text for a in fill_in.blank_answers.all()] == ["2011", "2011年"]
    assert Question.objects.get(kind=QuestionKind.ESSAY).points == Decimal("5")
    all_or_nothing = Question.objects.get(stem="全对才得分")
    assert all_or_nothing.scoring == MultipleScoring.ALL_OR_NOTHING
    assert all_or_nothing.difficulty == Difficulty.MEDIUM


def test_embedded_images_are_kept_and_the_stem_points_at_them():
    image = png_bytes()
    data = moodle_xml(
        moodle_question(
            "truefalse",
            '<p>图中是罂粟。<img src="@@PLUGINFILE@@/poppy%201.png" alt=""></p>',
            answers=[("100", "true"), ("0", "false")],
            files={"poppy 1.png": image},
        )
    )

    assert questions_import(data, filename="img.xml").ok

    stem = Question.objects.get().stem
    assert "@@PLUGINFILE@@" not in stem
    src = stem.split('src="', 1)[1].split('"', 1)[0]
    assert src.startswith("/media/quizzes/images/") and src.endswith(".png")
    name = src.removeprefix("/media/")
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == image


def test_a_fake_image_is_refused_and_nothing_is_stored():
    data = moodle_xml(
        moodle_question("essay", "好题"),
        moodle_question(
            "essay",
            '<img src="@@PLUGINFILE@@/evil.png">',
            name="假图片",
            files={"evil.png": b"<script>alert(1)</script>"},
        ),
    )

    report = questions_import(data, filename="evil.xml")

    assert [str(p) for p in report.problems] == [
        "第 2 题（假图片）：附件“evil.png”不是可识别的图片"
        "（只接受 PNG、JPEG、GIF、WebP、BMP）。"
    ]
    assert Question.objects.count() == 0
    assert not default_storage.exists("quizzes/images")


def test_unsupported_types_are_listed_not_skipped():
    data = moodle_xml(
        moodle_question("essay", "好题"),
        moodle_question("matching", "配对", name="配对题一"),
        moodle_question("calculated", "计算"),
    )
    specs, problems = questions_read(data, filename="types.xml")
    assert [p.position for p in problems] == ["第 2 题（配对题一）", "第 3 题"]
    assert "matching" in problems[0].message and "配对题" in problems[0].message
    assert "calculated" in problems[1].message
    assert not questions_import(data, filename="types.xml").ok
    assert Question.objects.count() == 0


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<quiz><question type="essay"><questiontext><text>&lol3;</text></questiontext>
</question></quiz>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<quiz><question type="essay"><questiontext><text>&xxe;</text></questiontext>
</question></quiz>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_entity_tricks_are_refused_with_a_clear_error(data):
    report = questions_import(data, filename="attack.xml")
    assert len(report.problems) == 1
    assert report.problems[0].position == "文件"
    assert "出于安全原因" in report.problems[0].message
    assert Question.objects.count() == 0


def test_broken_xml_says_where():
    data = b'<?xml version="1.0"?>\n<quiz>\n<question type="essay">\n</quiz>'
    report = questions_import(data, filename="broken.xml")
    assert len(report.problems) == 1
    assert "XML 格式错误（第 4 行" in report.problems[0].message


def test_a_single_choice_needs_exactly_one_full_mark_option():
    data = moodle_xml(
        moodle_question(
            "multichoice",
            "两个对的单选",
            single=True,
            answers=[("100", "甲"), ("100", "乙")],
        )
    )
    report = questions_import(data, filename="x.xml")
    assert "有且只有一个得分为 100% 的选项（现在有 2 个）" in report.problems[0].message
