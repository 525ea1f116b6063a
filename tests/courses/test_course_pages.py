"""Course material as pages: the textbook loader, lesson rendering, tree rules and
the resource bank's facets."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Revision

from cms.demo import demo_home_page_load
from cms.models import HomePage
from courses.demo import demo_content_load
from courses.models import (
    ChapterPage,
    CourseIndexPage,
    CoursePage,
    LessonPage,
    Position,
    Programme,
    ResourceBankPage,
)
from courses.textbook import TextbookFormatError, textbook_load, textbook_parse

CHAPTER = """# 第一章 毒品的种类与危害

本章帮助学员认识毒品。

## 第一节 毒品的概念
课时: 1; 分钟: 45; 专题: 毒品认知、法律法规; 岗位: 社区禁毒专干、教育矫治岗

根据**禁毒法**，社区禁毒专干应当掌握美沙酮维持治疗的基本知识。

- 鸦片
- 海洛因

### 一、常见的合成毒品

冰毒 <script>alert("x")</script> 与氯胺酮。

:::要点
- 毒品具有依赖性、非法性和危害性。
- 麻醉药品和精神药品被滥用时也属毒品。
:::

:::案例 小王的尿检异常
小王在社区戒毒期间尿检呈阳性。

分析：专干依照协议及时报告。
:::

## 第二节 新精神活性物质
课时: 0.5; 分钟: 30; 专题: 毒品认知; 岗位: 社区禁毒专干

伪装成奶茶、跳跳糖的新型毒品。

:::要点
- 警惕伪装成食品的毒品。
:::
"""


@pytest.fixture
def site(db):
    home = demo_home_page_load()
    return demo_content_load(home=home, textbook_dir=None)


@pytest.fixture
def book_dir(tmp_path):
    (tmp_path / "01-drugs.md").write_text(CHAPTER, encoding="utf-8")
    return tmp_path


def load(site, book_dir):
    return textbook_load(
        index_page=site["catalogue"],
        directory=book_dir,
        slug="book",
        title="教材",
        summary="",
        code_prefix="T",
    )


def test_textbook_becomes_course_chapters_and_lessons(site, book_dir):
    course = load(site, book_dir)
    chapter = ChapterPage.objects.child_of(course).get()
    lessons = list(LessonPage.objects.child_of(chapter).order_by("path"))
    assert chapter.title == "第一章 毒品的种类与危害"
    assert [(x.code, x.title, x.class_hours, x.minutes) for x in lessons] == [
        ("T-01-01", "第一节 毒品的概念", Decimal("1.0"), 45),
        ("T-01-02", "第二节 新精神活性物质", Decimal("0.5"), 30),
    ]
    first = lessons[0]
    assert first.live and first.format == "case"
    assert sorted(t.name for t in first.topics.all()) == ["毒品认知", "法律法规"]
    assert set(first.target_positions.values_list("name", flat=True)) == {
        "社区禁毒专干",
        "教育矫治岗",
    }
    assert [b.block_type for b in first.body] == [
        "rich_text",
        "heading",
        "rich_text",
        "key_points",
        "case_study",
    ]


def test_loading_again_publishes_nothing_and_an_edit_publishes_once(site, book_dir):
    load(site, book_dir)
    revisions = Revision.objects.count()
    load(site, book_dir)
    assert Revision.objects.count() == revisions
    (book_dir / "01-drugs.md").write_text(
        CHAPTER.replace("伪装成奶茶", "伪装成咖啡、奶茶"), encoding="utf-8"
    )
    load(site, book_dir)
    assert Revision.objects.count() == revisions + 1
    lesson = LessonPage.objects.get(code="T-01-02")
    assert "伪装成咖啡" in lesson.body[0].value.source


def test_format_errors_name_the_line():
    broken = CHAPTER.replace("课时: 0.5; 分钟: 30;", "课时 半小时")
    with pytest.raises(TextbookFormatError, match=r"x\.md:2\d: 节标题下一行"):
        textbook_parse(text=broken, source="x.md")


def test_lesson_page_shows_blocks_and_escapes_script(client, site, book_dir):
    load(site, book_dir)
    lesson = LessonPage.objects.get(code="T-01-01")
    html = client.get(lesson.url).content.decode()
    assert "应知应会" in html and "小王的尿检异常" in html and "分析：" in html
    assert "<b>禁毒法</b>" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "1 课时" in html and "45 分钟" in html
    assert 'rel="next"' in html  # on to the second section


def test_lesson_page_query_count_does_not_grow_with_blocks(client, site, book_dir):
    load(site, book_dir)
    short = LessonPage.objects.get(code="T-01-02")
    long = LessonPage.objects.get(code="T-01-01")
    long.body = list(long.body.raw_data) * 10
    long.save_revision().publish()

    def queries(page):
        client.get(page.url)  # warm per-process caches (site root, etc.)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page.url).status_code == 200
        return len(captured)

    assert len(long.body) == 50 and len(short.body) == 2
    assert queries(long) == queries(short)


def test_course_page_lists_chapters_lessons_and_hours(client, site, book_dir):
    course = load(site, book_dir)
    response = client.get(course.url)
    assert response.context["total_class_hours"] == Decimal("1.5")
    chapter, lessons = response.context["toc"][0]
    assert [x.code for x in lessons] == ["T-01-01", "T-01-02"]
    assert "第一章 毒品的种类与危害" in response.content.decode()


def test_tree_rules_keep_the_structure_valid(site):
    home = HomePage.objects.get()
    assert not LessonPage.can_create_at(home)
    assert not ChapterPage.can_create_at(site["catalogue"])
    assert CoursePage.can_create_at(site["catalogue"])
    assert LessonPage.can_create_at(site["bank"])
    assert not ResourceBankPage.can_create_at(home), "only one resource bank"
    assert CourseIndexPage.can_create_at(home)


def make_bank_lesson(bank, code, *, programme, topics, fmt="text", positions=()):
    lesson = LessonPage(title=f"课 {code}", code=code, programme=programme, format=fmt)
    bank.add_child(instance=lesson)
    lesson.topics.set(topics)
    lesson.target_positions.set(positions)
    lesson.save_revision().publish()
    return lesson


def test_resource_bank_filters_and_counts(client, site):
    bank = site["bank"]
    mbrp = Programme.objects.create(code="mbrp", name="正念防复发")
    naikan = Programme.objects.create(code="naikan", name="内观疗法")
    medical = Position.objects.get(code="medical")
    make_bank_lesson(
        bank, "R1", programme=mbrp, topics=["复吸预防"], positions=[medical]
    )
    make_bank_lesson(
        bank, "R2", programme=mbrp, topics=["复吸预防", "心理支持"], fmt="video"
    )
    make_bank_lesson(bank, "R3", programme=naikan, topics=["心理支持"])

    response = client.get(bank.url)
    assert response.context["page_obj"].paginator.count == 3
    facets = response.context["facets"]
    assert {p.code: n for p, n in facets["programmes"]} == {"mbrp": 2, "naikan": 1}
    assert {t.name: n for t, n in facets["topics"]} == {"复吸预防": 2, "心理支持": 2}

    response = client.get(bank.url, {"programme": "mbrp", "topic": "心理支持"})
    assert [x.code for x in response.context["page_obj"]] == ["R2"]
    assert {v: n for v, _, n in response.context["facets"]["formats"]} == {"video": 1}

    response = client.get(bank.url, {"position": medical.pk})
    assert [x.code for x in response.context["page_obj"]] == ["R1"]
    response = client.get(bank.url, {"format": "<script>", "page": "999"})
    assert response.status_code == 200


def test_block_options_are_not_indexed_as_text(site, book_dir):
    load(site, book_dir)
    lesson = LessonPage.objects.get(code="T-01-01")
    text = lesson.plain_text()
    assert "常见的合成毒品" in text  # a heading's words are content
    assert "二级标题" not in text  # its level is not
