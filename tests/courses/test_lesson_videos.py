"""A lesson with several videos: each is reported, counted and resumed on its own.

The browser numbers the videos in page order; the server counts the lesson's
video blocks in the same order, refuses a number the lesson does not have, and
weighs every video the same, so watching one of two is half the lesson's video.
"""

import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from courses.models import FactKind, LearningFact, LessonPage
from courses.models.pages import CompletionRule
from tests.api.conftest import api_as  # noqa: F401
from tests.courses.test_course_pages import book_dir, site  # noqa: F401
from tests.courses.test_progress_views import (  # noqa: F401
    learner,
    lessons,
    post,
    reader,
    status_of,
)

pytestmark = pytest.mark.django_db


def video_document(title):
    return get_document_model().objects.create(
        title=title, file=ContentFile(b"\x00\x00\x00\x18ftypmp42", name=f"{title}.mp4")
    )


@pytest.fixture
def two_videos(lessons):  # noqa: F811
    """第二节 with two videos (60 s and 30 s) and the rule "video ≥ 90 %"."""
    page = LessonPage.objects.get(pk=lessons[1].pk)
    page.body = [
        ("rich_text", "<p>先看示范，再看讲解。</p>"),
        ("video", {"video": video_document("示范"), "caption": "入户走访示范"}),
        ("video", {"video": video_document("讲解"), "caption": "要点讲解"}),
    ]
    page.completion_rule = CompletionRule.VIDEO
    page.completion_video_percent = 90
    page.save_revision().publish()
    return page


def watch(client, lesson, video, duration, upto):
    for position in range(0, upto, 10):
        response = post(
            client,
            "video",
            lesson.pk,
            position=position,
            duration=duration,
            video=video,
        )
        assert response.status_code == 200, response.content.decode()


def test_each_video_counts_and_the_lesson_needs_both(reader, learner, two_videos):  # noqa: F811
    watch(reader, two_videos, 0, 60, 60)  # the first, all of it
    status = status_of(reader, two_videos.pk)
    assert status["video_percent"] == 50 and not status["rule_met"]
    assert status["video_resume"] == [60, 0]
    assert post(reader, "complete", two_videos.pk).status_code == 409

    watch(reader, two_videos, 1, 30, 20)  # two thirds of the second
    status = status_of(reader, two_videos.pk)
    assert status["video_percent"] == 83
    assert status["video_resume"] == [60, 20]  # each resumes where it stopped

    watch(reader, two_videos, 1, 30, 30)
    assert status_of(reader, two_videos.pk)["video_percent"] == 100
    assert post(reader, "complete", two_videos.pk).status_code == 200


def test_a_video_the_lesson_does_not_have_is_refused(reader, learner, two_videos):  # noqa: F811
    for video in (2, -1, "第二个"):
        response = post(
            reader, "video", two_videos.pk, position=0, duration=60, video=video
        )
        assert response.status_code == 400
        assert "视频" in response.json()["error"]
    assert not LearningFact.objects.filter(
        learner=learner, kind=FactKind.VIDEO
    ).exists()


def test_the_lesson_page_numbers_its_videos_in_the_order_the_server_counts(
    reader,  # noqa: F811
    two_videos,
):
    page = reader.get(two_videos.url).content.decode()
    assert page.count("data-resume-key=") == 2
    assert page.index("入户走访示范") < page.index("要点讲解")


def test_the_api_reports_the_second_video(learner, two_videos, api_as):  # noqa: F811
    api = api_as(learner.user)
    url = f"/api/v1/me/lessons/{two_videos.pk}/events"
    response = api.post(
        url, {"type": "video", "position": 10, "duration": 30, "video": 1}
    )
    assert response.status_code == 200, response.content.decode()
    bad = api.post(url, {"type": "video", "position": 10, "duration": 30, "video": 5})
    assert bad.status_code == 400 and "本课没有这个视频" in bad.content.decode()
    status = api.get(f"/api/v1/me/lessons/{two_videos.pk}/progress").json()
    assert status["video_resume"] == [0, 0] and status["video_percent"] == 16
