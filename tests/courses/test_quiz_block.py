"""A lesson offers a quiz of the quiz engine through its 随堂测验 block."""

import json

import pytest
from wagtail.blocks.struct_block import StructBlockValidationError

from cms.demo import demo_home_page_load
from courses.blocks import QuizEmbedBlock
from courses.demo import demo_content_load
from courses.models import LessonPage, Programme
from tests.factories import UserFactory
from tests.quizzes.factories import QuizFactory


@pytest.fixture
def bank(db):
    home = demo_home_page_load()
    return demo_content_load(home=home, textbook_dir=None)["bank"]


def lesson_with_quiz(bank, code: str, *, title: str = "") -> LessonPage:
    lesson = LessonPage(
        title="美沙酮维持治疗的基本知识",
        code="QB-1",
        programme=Programme.objects.create(code="qb", name="戒毒医疗"),
        body=json.dumps(
            [
                {"type": "quiz", "value": {"quiz_code": code, "title": title}},
            ]
        ),
    )
    bank.add_child(instance=lesson)
    lesson.save_revision().publish()
    return lesson


def test_the_block_refuses_a_code_no_quiz_has(db):
    QuizFactory(slug="must-know")
    block = QuizEmbedBlock()
    assert block.clean({"quiz_code": "must-know", "title": ""})["quiz_code"]

    with pytest.raises(StructBlockValidationError) as refused:
        block.clean({"quiz_code": "no-such-quiz", "title": ""})
    assert "no-such-quiz" in str(refused.value.block_errors["quiz_code"])


def test_a_reader_of_the_lesson_gets_a_link_to_the_quiz(client, bank):
    quiz = QuizFactory(slug="mmt-check", title="美沙酮知识小测", time_limit=15)
    lesson = lesson_with_quiz(bank, "mmt-check")
    client.force_login(UserFactory())

    page = client.get(lesson.url).content.decode()

    assert "美沙酮知识小测" in page
    assert f'href="/quizzes/{quiz.slug}/"' in page
    assert "限时 15 分钟" in page


def test_an_unpublished_quiz_is_shown_as_not_open_yet(client, bank):
    QuizFactory(slug="draft-quiz", title="草稿测验", is_published=False)
    lesson = lesson_with_quiz(bank, "draft-quiz", title="课后小测")
    client.force_login(UserFactory())

    page = client.get(lesson.url).content.decode()

    assert "课后小测" in page
    assert "暂未开放" in page
    assert "草稿测验" not in page and "/quizzes/draft-quiz/" not in page
