"""Chinese search: a word inside a sentence is found, on SQLite and PostgreSQL."""

import pytest
from django.urls import reverse
from wagtail.models import PageViewRestriction

from cms.demo import demo_home_page_load
from courses.demo import demo_content_load
from courses.models import LessonPage


@pytest.fixture
def bank(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return demo_content_load(home=demo_home_page_load(), textbook_dir=None)["bank"]


@pytest.fixture
def add_lesson(bank, django_capture_on_commit_callbacks):
    def add(code, title, text, *, live=True):
        lesson = LessonPage(
            title=title,
            code=code,
            body=[{"type": "rich_text", "value": f"<p>{text}</p>"}],
        )
        # Search indexing runs as a task once the page's transaction commits.
        with django_capture_on_commit_callbacks(execute=True):
            bank.add_child(instance=lesson)
            revision = lesson.save_revision()
            if live:
                revision.publish()
            else:
                lesson.unpublish()
        return lesson

    return add


def search(client, q, **params):
    response = client.get(reverse("search"), {"q": q, **params})
    assert response.status_code == 200
    return response


def titles(response):
    return [hit.page.title for hit in response.context["outcome"].hits]


def test_word_inside_a_chinese_sentence_is_found_and_highlighted(client, add_lesson):
    add_lesson("S1", "维持治疗", "社区禁毒专干应当掌握美沙酮维持治疗的基本知识")
    add_lesson("S2", "家庭支持", "家属支持小组的组织方法")
    response = search(client, "美沙酮")
    assert titles(response) == ["维持治疗"]
    assert "<mark>美沙酮</mark>" in response.content.decode()


def test_method_names_and_mixed_queries(client, add_lesson):
    add_lesson("S1", "正念", "开展正念防复发训练，帮助戒毒人员识别高危情境")
    add_lesson("S2", "合成毒品", "摇头丸（MDMA）的危害包括体温过高")
    add_lesson("S3", "MDMA 检测", "尿检可以检出 MDMA")
    assert titles(search(client, "正念防复发")) == ["正念"]
    assert titles(search(client, "MDMA 危害")) == ["合成毒品"]
    assert titles(search(client, "ＭＤＭＡ　的危害")) == ["合成毒品"]  # full width
    assert sorted(titles(search(client, "mdma"))) == ["MDMA 检测", "合成毒品"]


def test_unpublished_lessons_are_not_found(client, add_lesson):
    add_lesson("S1", "草稿课", "尚未发布的纳洛酮课程", live=False)
    assert titles(search(client, "纳洛酮")) == []


def test_kind_filter_separates_lessons_from_courses(client, add_lesson):
    add_lesson("S1", "禁毒法概述", "禁毒法的基本原则")
    assert titles(search(client, "禁毒法", kind="lesson")) == ["禁毒法概述"]
    assert titles(search(client, "禁毒法", kind="course")) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("。，！？、" * 10, None),  # nothing searchable: no search at all
        ("   ", None),
        ("禁毒工作" + "。" * 996, ["禁毒"]),  # 1,000 characters: cut, still found
        ("禁毒" * 500, []),  # cut to 100 characters, which no lesson contains
    ],
)
def test_odd_queries_answer_calmly(client, add_lesson, query, expected):
    add_lesson("S1", "禁毒", "禁毒工作")
    outcome = search(client, query).context["outcome"]
    if expected is None:
        assert outcome.terms == [] and outcome.page is None
    else:
        assert titles(search(client, query)) == expected


def test_punctuation_only_query_asks_for_words(client, bank):
    html = search(client, "！？。").content.decode()
    assert "请输入要搜索的中文或英文词语" in html


def test_query_with_markup_is_shown_escaped(client, bank):
    html = search(client, "<script>alert(1)</script>毒品").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;毒品" in html


def test_results_are_paginated(client, add_lesson):
    for n in range(23):
        add_lesson(f"P{n:02d}", f"经颅磁刺激 {n:02d}", "经颅磁刺激治疗的适应证")
    first = search(client, "经颅磁刺激")
    assert first.context["outcome"].page.paginator.count == 23
    assert len(titles(first)) == 20
    assert len(titles(search(client, "经颅磁刺激", page=2))) == 3


def test_snippet_follows_the_published_version(client, add_lesson, bank):
    lesson = add_lesson("V1", "维持治疗", "美沙酮维持治疗的基本知识")
    assert (
        "<mark>美沙酮</mark>维持治疗的基本知识"
        in search(client, "美沙酮").content.decode()
    )

    edited = LessonPage.objects.get(pk=lesson.pk)
    edited.body = [{"type": "rich_text", "value": "<p>美沙酮门诊的服药流程</p>"}]
    edited.save_revision().publish()

    html = search(client, "美沙酮").content.decode()
    assert "<mark>美沙酮</mark>门诊的服药流程" in html
    assert "基本知识" not in html


def test_result_count_matches_the_results_of_every_page(client, add_lesson):
    for n in range(21):
        add_lesson(f"C{n:02d}", f"纳洛酮 {n:02d}", "纳洛酮的急救使用")
    add_lesson("D00", "草稿", "纳洛酮草稿", live=False)
    first = search(client, "纳洛酮")
    second = search(client, "纳洛酮", page=2)
    assert "找到 21 条结果" in first.content.decode()
    assert sorted(titles(first) + titles(second)) == [
        f"纳洛酮 {n:02d}" for n in range(21)
    ]


@pytest.mark.parametrize(
    ("page", "expected_number", "expected_hits"),
    [("9", 2, 1), ("0", 2, 1), ("-1", 2, 1), ("two", 1, 20), ("", 1, 20)],
)
def test_page_numbers_out_of_range_show_a_real_page(
    client, add_lesson, page, expected_number, expected_hits
):
    for n in range(21):
        add_lesson(f"R{n:02d}", f"美沙酮 {n:02d}", "美沙酮维持治疗")
    outcome = search(client, "美沙酮", page=page).context["outcome"]
    assert outcome.page.number == expected_number
    assert outcome.page.paginator.count == 21
    assert len(outcome.hits) == expected_hits


def test_lessons_behind_a_view_restriction_are_not_found(client, add_lesson):
    open_lesson = add_lesson("S1", "公开课", "美沙酮维持治疗的基本知识")
    hidden = add_lesson("S2", "内部课", "美沙酮门诊的内部流程")
    PageViewRestriction.objects.create(
        page=hidden, restriction_type=PageViewRestriction.LOGIN
    )
    outcome = search(client, "美沙酮").context["outcome"]
    assert [hit.page.pk for hit in outcome.hits] == [open_lesson.pk]
    assert outcome.page.paginator.count == 1


def test_a_word_in_every_lesson_is_counted_and_paged_whole(client, add_lesson):
    for n in range(25):
        add_lesson(f"W{n:02d}", f"课 {n:02d}", "本课介绍戒毒人员的教育矫治" * (n + 1))
    first = search(client, "教育矫治").context["outcome"]
    second = search(client, "教育矫治", page=2).context["outcome"]
    assert first.page.paginator.count == 25
    found = [h.page.title for h in first.hits] + [h.page.title for h in second.hits]
    assert sorted(found) == [f"课 {n:02d}" for n in range(25)]
    assert all("<mark>教育矫治</mark>" in h.snippet for h in first.hits)
