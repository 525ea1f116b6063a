"""The presence check (防挂机): with it in the bureau's policy, a page left open
keeps sending beats but the server stops counting them until the reader shows
they are there (clicks “继续学习”, opens the page again, plays new video)."""

from datetime import timedelta

import pytest

from courses.models import FactKind, LearningFact, TrainingPolicy
from courses.services.records.policy import policy_version_bump
from tests.courses.test_course_pages import book_dir, site  # noqa: F401
from tests.courses.test_progress_views import (  # noqa: F401
    T0,
    clock,
    learner,
    lessons,
    post,
    reader,
    status_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def check_every(province):
    def set_minutes(minutes):
        TrainingPolicy.objects.update_or_create(
            bureau=province["B"], defaults={"presence_minutes": minutes}
        )
        policy_version_bump()

    return set_minutes


def read_for(client, clock, lesson, start, minutes):  # noqa: F811
    """A beat each minute for `minutes` minutes, from `start`."""
    for minute in range(minutes):
        clock.at(start + timedelta(minutes=minute))
        assert post(client, "beat", lesson.pk).status_code == 200


def test_beats_past_the_window_do_not_count_until_the_reader_confirms(
    reader,  # noqa: F811
    learner,  # noqa: F811
    lessons,  # noqa: F811
    clock,  # noqa: F811
    check_every,
):
    check_every(10)
    lesson = lessons[0]  # 45 minutes: a cap of 90
    clock.at(T0)
    assert post(reader, "open", lesson.pk).json()["presence_minutes"] == 10
    read_for(reader, clock, lesson, T0, 25)  # left open: 25 beats arrive
    assert status_of(reader, lesson.pk)["minutes"] == 11  # minutes 0–10 only

    clock.at(T0 + timedelta(minutes=25, seconds=20))
    assert post(reader, "presence", lesson.pk).status_code == 200
    read_for(reader, clock, lesson, T0 + timedelta(minutes=26), 5)
    assert status_of(reader, lesson.pk)["minutes"] == 16
    # Every beat is kept as a fact; only the counting leaves some out.
    assert (
        LearningFact.objects.filter(learner=learner, kind=FactKind.TIME_ON_TASK).count()
        == 30
    )


def test_without_the_check_every_beat_counts_as_before(
    reader,  # noqa: F811
    lessons,  # noqa: F811
    clock,  # noqa: F811
):
    lesson = lessons[0]
    clock.at(T0)
    assert post(reader, "open", lesson.pk).json()["presence_minutes"] == 0
    read_for(reader, clock, lesson, T0, 25)
    assert status_of(reader, lesson.pk)["minutes"] == 25


def test_playing_new_video_shows_the_reader_is_there(
    reader,  # noqa: F811
    lessons,  # noqa: F811
    clock,  # noqa: F811
    check_every,
):
    check_every(5)
    lesson = lessons[1]  # 30 minutes
    clock.at(T0)
    post(reader, "open", lesson.pk)
    for minute in range(12):
        clock.at(T0 + timedelta(minutes=minute))
        post(reader, "beat", lesson.pk)
        post(reader, "video", lesson.pk, position=minute * 60, duration=900)
    assert status_of(reader, lesson.pk)["minutes"] == 12


def test_a_confirmation_for_a_lesson_the_reader_cannot_see_records_nothing(
    reader,  # noqa: F811
    learner,  # noqa: F811
    lessons,  # noqa: F811
):
    response = post(reader, "presence", 999_999)
    assert response.status_code == 404
    assert not LearningFact.objects.filter(learner=learner).exists()


def test_the_bureau_sets_the_check_on_its_rules_page(
    client,
    bureau_admin,
    province,
):
    from django.urls import reverse

    from tests.courses.test_assignment_views import policy_data

    client.force_login(bureau_admin)
    url = reverse("courses:policy_edit")
    assert "防挂机确认间隔" in client.get(url).content.decode()
    refused = client.post(url, policy_data(presence_minutes="500"))
    assert refused.status_code == 200
    assert "presence_minutes" in refused.context["form"].errors
    assert client.post(url, policy_data(presence_minutes="15")).status_code == 302
    assert TrainingPolicy.objects.get(bureau=province["B"]).presence_minutes == 15
