"""Trainers write, reviewers publish; trainers reach only their own sections."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import WorkflowState

from cms.demo import demo_home_page_load
from courses.authoring import REVIEWERS_GROUP, authoring_setup, section_editors_grant
from courses.demo import demo_content_load
from courses.models import ChapterPage, CoursePage, LessonPage
from courses.models.roles import Role
from courses.services.roles import role_grant
from tests.factories import UserFactory


@pytest.fixture
def site(db, province):
    content = demo_content_load(home=demo_home_page_load(), textbook_dir=None)
    authoring_setup(catalogue=content["catalogue"], bank=content["bank"])
    course = CoursePage(title="教材", slug="book")
    content["catalogue"].add_child(instance=course)
    chapters = []
    for n in (1, 3):
        chapter = ChapterPage(title=f"第{n}章", slug=f"chapter-{n}")
        course.add_child(instance=chapter)
        lesson = LessonPage(title=f"第{n}章第一节", code=f"B-{n}-1")
        chapter.add_child(instance=lesson)
        lesson.save_revision().publish()
        chapters.append(chapter)
    content["chapters"] = chapters
    return content


@pytest.fixture
def trainer(site, province):
    user = UserFactory(username="trainer-x")
    role_grant(user=user, role=Role.TRAINER, unit=province["F1"])
    return user


@pytest.fixture
def reviewer(site):
    from django.contrib.auth.models import Group

    user = UserFactory(username="reviewer-x")
    user.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    return user


def test_trainer_writes_in_the_bank_but_cannot_publish(site, trainer):
    perms = site["bank"].permissions_for_user(trainer)
    assert perms.can_add_subpage()
    lesson = LessonPage(title="新课", code="N-1")
    site["bank"].add_child(instance=lesson)
    lesson_perms = lesson.permissions_for_user(trainer)
    assert lesson_perms.can_edit()
    assert not lesson_perms.can_publish()


def test_trainer_edits_only_the_sections_given(site, trainer):
    chapter_one, chapter_three = site["chapters"]
    section_editors_grant(
        page=chapter_three, group_name="第三章编写组", users=[trainer]
    )
    mine = LessonPage.objects.get(code="B-3-1")
    other = LessonPage.objects.get(code="B-1-1")
    assert mine.permissions_for_user(trainer).can_edit()
    assert not other.permissions_for_user(trainer).can_edit()
    assert not chapter_one.permissions_for_user(trainer).can_add_subpage()


def test_submitted_lesson_goes_live_when_a_reviewer_approves(site, trainer, reviewer):
    lesson = LessonPage(title="待审课", code="W-1", live=False)
    site["bank"].add_child(instance=lesson)
    revision = lesson.save_revision(user=trainer)
    workflow = lesson.get_workflow()
    assert workflow is not None and workflow.name == "课程审核发布"
    state = workflow.start(lesson, trainer)
    lesson.refresh_from_db()
    assert not lesson.live and state.status == WorkflowState.STATUS_IN_PROGRESS
    task_state = state.current_task_state
    assert task_state.task.specific.user_can_access_editor(lesson, reviewer)
    assert not task_state.task.specific.user_can_access_editor(lesson, UserFactory())
    task_state.approve(user=reviewer, comment="内容准确")
    lesson.refresh_from_db()
    assert lesson.live and lesson.live_revision == revision


def test_rejected_lesson_stays_unpublished_with_the_comment(site, trainer, reviewer):
    lesson = LessonPage(title="需修改", code="W-2", live=False)
    site["bank"].add_child(instance=lesson)
    lesson.save_revision(user=trainer)
    state = lesson.get_workflow().start(lesson, trainer)
    state.current_task_state.reject(user=reviewer, comment="法条引用有误")
    lesson.refresh_from_db()
    state.refresh_from_db()
    assert not lesson.live
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert state.current_task_state.comment == "法条引用有误"


def test_every_version_is_kept_and_can_be_restored(site):
    lesson = LessonPage.objects.get(code="B-1-1")
    first = lesson.latest_revision
    lesson.title = "改过的标题"
    lesson.save_revision().publish()
    assert lesson.revisions.count() == 2
    first.as_object().save_revision().publish()  # restore the first version
    lesson.refresh_from_db()
    assert lesson.title == "第1章第一节" and lesson.revisions.count() == 3


def test_scheduled_publishing(site):
    lesson = LessonPage(title="定时发布", code="T-1", live=False)
    site["bank"].add_child(instance=lesson)
    lesson.go_live_at = timezone.now() + timedelta(seconds=2)
    revision = lesson.save_revision()
    revision.publish()  # a future go-live time schedules instead of publishing
    lesson.refresh_from_db()
    revision.refresh_from_db()
    assert not lesson.live and revision.approved_go_live_at is not None
    call_command("publish_scheduled")
    lesson.refresh_from_db()
    assert not lesson.live, "not before its time"
    time.sleep(2.5)
    call_command("publish_scheduled")
    lesson.refresh_from_db()
    assert lesson.live
