"""The lesson page from the cache: few queries, never stale, never another's.

Speed itself is measured by `manage.py bench_content`, not here.
"""

import re

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import Group
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import cache
from wagtail.models import PageViewRestriction

from cms.demo import demo_home_page_load
from courses.demo import demo_content_load
from courses.models import LessonPage
from courses.models.roles import Role
from courses.services.records.notifications import notifications_send
from courses.services.roles import role_grant, role_revoke
from tests.factories import LearnerFactory

# A lesson page read from a warm cache asks the database nothing: the session and
# the user, the site and the route, the view restrictions, the page's shell and
# the reader's header parts all come from the cache (courses.cache).
WARM_LESSON_PAGE_QUERIES = 0


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bank(db):
    return demo_content_load(home=demo_home_page_load(), textbook_dir=None)["bank"]


def lesson_add(bank, code: str, title: str, text: str) -> LessonPage:
    lesson = LessonPage(
        title=title,
        code=code,
        slug=code.lower(),
        body=[{"type": "rich_text", "value": f"<p>{text}</p>"}],
    )
    bank.add_child(instance=lesson)
    lesson.save_revision().publish()
    return lesson


def lesson_edit(lesson: LessonPage, *, title: str, text: str) -> None:
    lesson = LessonPage.objects.get(pk=lesson.pk)
    lesson.title = title
    lesson.body = [{"type": "rich_text", "value": f"<p>{text}</p>"}]
    lesson.save_revision().publish()


@pytest.fixture
def learner(province):
    return LearnerFactory(unit=province["F1-B1"], real_name="张小明").user


@pytest.fixture
def officer(province):
    user = LearnerFactory(unit=province["F1"], real_name="李建国").user
    role_grant(user=user, role=Role.FACILITY_ADMIN, unit=province["F1"])
    return user


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_lesson_from_a_warm_cache_costs_a_fixed_few_queries(
    client, bank, learner, django_assert_max_num_queries
):
    lesson = lesson_add(bank, "W1", "美沙酮维持治疗", "美沙酮维持治疗的基本知识")
    lesson_edit(lesson, title="美沙酮维持治疗", text="长正文。" * 50)
    lesson_add(bank, "W2", "纳洛酮", "纳洛酮的使用")
    client.force_login(learner)
    client.get(lesson.url)

    with django_assert_max_num_queries(WARM_LESSON_PAGE_QUERIES):
        html = client.get(lesson.url).content.decode()

    assert "长正文。" in html and "张小明" in html and 'rel="next"' in html


def test_a_published_edit_shows_at_once(client, bank, learner):
    lesson = lesson_add(bank, "E1", "禁毒法概述", "禁毒法的基本原则")
    assert "禁毒法的基本原则" in page(client, learner, lesson.url)

    lesson_edit(lesson, title="禁毒法概述（修订）", text="禁毒法修订后的原则")

    html = page(client, learner, lesson.url)
    assert "禁毒法修订后的原则" in html and "禁毒法概述（修订）" in html
    assert "禁毒法的基本原则" not in html


def test_a_draft_does_not_show_until_it_is_published(client, bank, learner):
    lesson = lesson_add(bank, "D1", "社区康复", "社区康复的期限为三年")
    page(client, learner, lesson.url)

    draft = LessonPage.objects.get(pk=lesson.pk)
    draft.body = [{"type": "rich_text", "value": "<p>草稿中的新内容</p>"}]
    draft.save_revision()

    assert "草稿中的新内容" not in page(client, learner, lesson.url)


def test_previous_and_next_links_follow_sibling_changes(client, bank, learner):
    first = lesson_add(bank, "N1", "第一课", "第一课的内容")
    assert 'rel="next"' not in page(client, learner, first.url)

    second = lesson_add(bank, "N2", "第二课", "第二课的内容")
    assert "第二课 →" in page(client, learner, first.url)

    lesson_edit(second, title="第二课（新）", text="第二课的内容")
    assert "第二课（新） →" in page(client, learner, first.url)

    LessonPage.objects.get(pk=second.pk).unpublish()
    assert 'rel="next"' not in page(client, learner, first.url)
    client.force_login(learner)
    assert client.get(second.url).status_code == 404


def test_two_users_never_see_each_others_name_or_links(client, bank, learner, officer):
    lesson = lesson_add(bank, "U1", "个案管理", "个案管理的流程")

    for _ in range(2):  # the second time round, everything comes from the cache
        as_learner = page(client, learner, lesson.url)
        as_officer = page(client, officer, lesson.url)

        assert "张小明" in as_learner and "李建国" not in as_learner
        assert "单位与人员" not in as_learner
        assert "李建国" in as_officer and "张小明" not in as_officer
        assert "单位与人员" in as_officer
        assert "个案管理的流程" in as_learner and "个案管理的流程" in as_officer


def test_a_change_of_role_or_name_shows_on_the_next_page(
    client, bank, learner, province
):
    lesson = lesson_add(bank, "R1", "危机干预", "危机干预的原则")
    assert "单位与人员" not in page(client, learner, lesson.url)

    role_grant(user=learner, role=Role.TRAINER, unit=province["F1"])
    assert "单位与人员" in page(client, learner, lesson.url)

    profile = learner.learner
    profile.real_name = "张晓明"
    profile.save()
    assert "张晓明" in page(client, learner, lesson.url)

    role_revoke(user=learner, role=Role.TRAINER, unit=province["F1"])
    assert "单位与人员" not in page(client, learner, lesson.url)


def test_the_header_links_follow_the_section_pages(client, bank, learner):
    lesson = lesson_add(bank, "H1", "家庭支持", "家庭支持小组")
    assert 'href="/resources/">教育资源库' in page(client, learner, lesson.url)

    bank.slug = "bank"
    bank.save_revision().publish()

    moved = LessonPage.objects.get(pk=lesson.pk)
    html = page(client, learner, moved.url)
    assert moved.url == "/bank/h1/"
    assert 'href="/bank/">教育资源库' in html


def test_a_restriction_added_after_the_route_was_cached_still_refuses(
    client, bank, learner
):
    lesson = lesson_add(bank, "V1", "内部课", "仅限登录后阅读的内部资料")
    assert "内部资料" in client.get(lesson.url).content.decode()  # route cached

    PageViewRestriction.objects.create(
        page=bank, restriction_type=PageViewRestriction.LOGIN
    )

    refused = client.get(lesson.url)
    assert refused.status_code == 302 and "login" in refused["Location"]
    assert "内部资料" in page(client, learner, lesson.url)


def test_a_group_restricted_lesson_is_refused_to_others(client, bank, learner, officer):
    lesson = lesson_add(bank, "G1", "专班课", "专班的教学资料")
    group = Group.objects.create(name="专班")
    restriction = PageViewRestriction.objects.create(
        page=lesson, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(group)
    officer.groups.add(group)

    for _ in range(2):  # the second time, route and restrictions from the cache
        client.force_login(learner)
        assert client.get(lesson.url).status_code == 302
        assert "专班的教学资料" in page(client, officer, lesson.url)


def test_each_reader_gets_a_fresh_csrf_token_and_their_unread_count(
    client, bank, learner, officer
):
    lesson = lesson_add(bank, "T1", "危机干预", "危机干预的原则")
    notifications_send(user_ids=[learner.pk], kind="info", key="k1", title="通知")
    page(client, officer, lesson.url)  # the shell is cached

    html = page(client, learner, lesson.url)
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) == 3 and all(len(t) == 64 for t in tokens)
    assert "\x00" not in html
    assert '<span class="badge"' in html and "1 条未读" in html
    assert '<span class="badge"' not in page(client, officer, lesson.url)

    # The token works: the language switch in the header accepts it.
    response = client.post(
        "/i18n/setlang/",
        {"language": "en", "next": lesson.url, **{"csrfmiddlewaretoken": tokens[0]}},
    )
    assert response.status_code == 302


def test_the_header_follows_the_language_and_the_query(client, bank, learner):
    lesson = lesson_add(bank, "L1", "禁毒法", "禁毒法的基本原则")
    assert "退出" in page(client, learner, lesson.url)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page(client, learner, lesson.url)
    assert "退出" not in html and 'lang="en"' in html

    html = page(client, learner, lesson.url + "?q=%3Cb%3E美沙酮")
    assert 'value="&lt;b&gt;美沙酮"' in html


def test_a_message_waiting_for_the_reader_is_shown(bank, learner, rf):
    lesson = lesson_add(bank, "M1", "社区康复", "社区康复的期限")
    request = rf.get(lesson.url)
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = learner
    request._messages = FallbackStorage(request)
    lesson.serve(request)  # the shell is cached
    messages.success(request, "资料已保存")

    response = LessonPage.objects.get(pk=lesson.pk).serve(request)
    if hasattr(response, "render"):
        response.render()
    assert "资料已保存" in response.content.decode()
