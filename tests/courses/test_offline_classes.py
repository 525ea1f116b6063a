"""Offline classes: roster, capacity and waitlist, attendance by rotating QR code
or by the trainer, and the hours it credits."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from courses.models import (
    ClassDay,
    ClassEnrolment,
    CreditReason,
    EnrolmentStatus,
    FactKind,
    HourCredit,
    LearnerYear,
    LearningFact,
    TrainingPolicy,
)
from courses.models.roles import Role
from courses.selectors.classes import learner_classes
from courses.services.records.aggregate import records_refresh_stale
from courses.services.records.classes import (
    AttendanceRefused,
    attendance_code_current,
    attendance_record_by_code,
    attendance_record_by_trainer,
    class_create,
    class_enrol,
    class_withdraw,
)
from tests.factories import LearnerFactory

# A morning of the class, 15 s into a 30-second window.
NOW = timezone.make_aware(datetime(2026, 3, 10, 9, 0, 15))
DAY = date(2026, 3, 10)
EXPIRED = "二维码已过期，请扫描最新的二维码"


@pytest.fixture
def trainer(make_role_user):
    return make_role_user(Role.TRAINER, "F1", "trainer-f1")


@pytest.fixture
def make_class(province, trainer):
    def make(**overrides):
        fields = {
            "title": "社区戒毒工作实务培训班",
            "code": "2026-F1-01",
            "unit": province["F1"],
            "place": "一所报告厅",
            "starts_on": date(2026, 3, 9),
            "ends_on": date(2026, 3, 11),
            "capacity": 2,
            "by": trainer,
        }
        fields.update(overrides)
        return class_create(**fields)

    return make


@pytest.fixture
def offline_class(make_class):
    return make_class()


@pytest.fixture
def learners(province, people):
    """Four learners of the first facility, in the order they sign up."""
    return [
        people["F1-B1"],
        people["F1-C1"],
        LearnerFactory(unit=province["F1-B1"], real_name="王晓"),
        LearnerFactory(unit=province["F1-C1"], real_name="李明"),
    ]


def day_of(offline_class, on=DAY) -> ClassDay:
    return ClassDay.objects.select_related("offline_class").get(
        offline_class=offline_class, date=on
    )


def code_at(offline_class, when, on=DAY) -> str:
    return attendance_code_current(day=day_of(offline_class, on), now=when).code


def scan(learner, offline_class, when=NOW, code_time=None, on=DAY):
    return attendance_record_by_code(
        learner=learner,
        class_code=offline_class.code,
        on=on.isoformat(),
        code=code_at(offline_class, code_time or when, on),
        now=when,
    )


def enrol_all(offline_class, learners, by):
    return [
        class_enrol(offline_class=offline_class, learner=p, by=by) for p in learners
    ]


def status_of(offline_class, learner):
    return ClassEnrolment.objects.get(offline_class=offline_class, learner=learner)


# ---- the class, the roster, the waitlist ----


def test_class_days_and_hours_per_day_from_the_bureau_policy(province, make_class):
    TrainingPolicy.objects.create(
        bureau=province["B"], offline_day_hours=Decimal("7.5")
    )
    offline_class = make_class()
    assert offline_class.hours_per_day == Decimal("7.5")
    assert list(offline_class.days.values_list("date", flat=True)) == [
        date(2026, 3, 9),
        date(2026, 3, 10),
        date(2026, 3, 11),
    ]
    # Kept on the class: a later change of policy does not touch it.
    TrainingPolicy.objects.filter(bureau=province["B"]).update(
        offline_day_hours=Decimal("4")
    )
    offline_class.refresh_from_db()
    assert offline_class.hours_per_day == Decimal("7.5")
    assert list(offline_class.trainers.values_list("username", flat=True)) == [
        "trainer-f1"
    ]


def test_a_class_is_checked_before_it_is_created(make_class, make_role_user):
    with pytest.raises(ValidationError) as error:
        make_class(starts_on=date(2026, 3, 11), ends_on=date(2026, 3, 9))
    assert "结班日期不能早于开班日期。" in error.value.message_dict["ends_on"]
    with pytest.raises(ValidationError) as error:
        make_class(code="checkin")
    assert "code" in error.value.message_dict
    other = make_role_user(Role.TRAINER, "F2", "trainer-f2")
    with pytest.raises(ValidationError) as error:
        make_class(by=other)
    assert "您只能为本单位及下级单位举办培训班。" in error.value.message_dict["unit"]


def test_beyond_capacity_learners_wait_in_order_and_a_withdrawal_promotes_the_first(
    offline_class, learners, trainer
):
    first, second, third, fourth = learners
    enrolments = enrol_all(offline_class, learners, trainer)
    assert [e.status for e in enrolments] == [
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.WAITLISTED,
        EnrolmentStatus.WAITLISTED,
    ]
    with pytest.raises(ValidationError, match="已在名单中"):
        class_enrol(offline_class=offline_class, learner=third, by=trainer)

    promoted = class_withdraw(offline_class=offline_class, learner=first, by=trainer)
    assert promoted.learner == third
    assert status_of(offline_class, third).status == EnrolmentStatus.ENROLLED
    assert status_of(offline_class, fourth).status == EnrolmentStatus.WAITLISTED
    assert status_of(offline_class, first).status == EnrolmentStatus.WITHDRAWN

    # Withdrawing from the waitlist frees no place on the roster.
    assert (
        class_withdraw(offline_class=offline_class, learner=fourth, by=trainer) is None
    )
    # The first learner signs up again: the class is full, so at the back.
    again = class_enrol(offline_class=offline_class, learner=first, by=trainer)
    assert again.status == EnrolmentStatus.WAITLISTED
    assert (
        ClassEnrolment.objects.filter(
            offline_class=offline_class, status=EnrolmentStatus.ENROLLED
        ).count()
        == 2
    )


def test_only_learners_of_the_organising_unit_can_be_enrolled(
    offline_class, people, trainer
):
    with pytest.raises(ValidationError, match="不属于主办单位"):
        class_enrol(offline_class=offline_class, learner=people["F2-B1"], by=trainer)
    assert not ClassEnrolment.objects.exists()


# ---- attendance by the rotating code ----


def test_an_enrolled_learners_scan_credits_the_days_hours_once(
    offline_class, learners, trainer
):
    learner = learners[0]
    enrol_all(offline_class, [learner], trainer)
    result = scan(learner, offline_class)
    assert result.created and result.hours == offline_class.hours_per_day

    again = scan(learner, offline_class, when=NOW + timedelta(minutes=5))
    assert not again.created and again.credit == result.credit

    fact = LearningFact.objects.get(learner=learner)
    assert fact.kind == FactKind.ATTENDANCE
    assert fact.key == "attend:2026-F1-01:2026-03-10"
    assert fact.occurred_at == NOW and fact.recorded_by is None
    credit = HourCredit.objects.get(learner=learner)
    assert (credit.key, credit.reason, credit.hours) == (
        "attend:2026-F1-01:2026-03-10",
        CreditReason.OFFLINE,
        Decimal("6.0"),
    )
    assert credit.title == "社区戒毒工作实务培训班（2026-03-10）"


def test_waitlisted_or_unlisted_learners_are_refused_and_nothing_is_recorded(
    make_class, learners, people, trainer
):
    offline_class = make_class(capacity=1)
    enrol_all(offline_class, learners[:2], trainer)  # the second waits
    with pytest.raises(AttendanceRefused) as waitlisted:
        scan(learners[1], offline_class)
    assert waitlisted.value.messages == [
        "您在培训班“社区戒毒工作实务培训班”的候补名单上，尚未正式入班，不能签到。"
        "请联系培训教员。"
    ]
    with pytest.raises(AttendanceRefused) as unlisted:
        scan(people["F2-B1"], offline_class)
    assert unlisted.value.messages == [
        "您不在培训班“社区戒毒工作实务培训班”的学员名单中，不能签到。请联系培训教员。"
    ]
    assert not LearningFact.objects.exists() and not HourCredit.objects.exists()


def test_a_code_is_good_for_its_window_and_the_next_only(
    offline_class, learners, trainer
):
    early, late = learners[:2]
    enrol_all(offline_class, [early, late], trainer)
    with pytest.raises(AttendanceRefused) as old:
        scan(early, offline_class, code_time=NOW - timedelta(seconds=60))
    assert old.value.messages == [EXPIRED]
    assert not LearningFact.objects.exists()

    # The previous window's code still works (the screen just changed).
    assert scan(late, offline_class, code_time=NOW - timedelta(seconds=30)).created

    with pytest.raises(AttendanceRefused) as forged:
        attendance_record_by_code(
            learner=early,
            class_code=offline_class.code,
            on=DAY.isoformat(),
            code=code_at(offline_class, NOW).replace("-", "-x", 1),
            now=NOW,
        )
    assert forged.value.code == "invalid"
    # Another day's code is not today's code.
    with pytest.raises(AttendanceRefused) as other_day:
        attendance_record_by_code(
            learner=early,
            class_code=offline_class.code,
            on=DAY.isoformat(),
            code=code_at(offline_class, NOW, on=date(2026, 3, 11)),
            now=NOW,
        )
    assert other_day.value.code == "invalid"
    assert LearningFact.objects.filter(learner=early).count() == 0


def test_a_scan_must_be_on_a_day_of_the_class_and_on_that_day(
    offline_class, learners, trainer
):
    learner = learners[0]
    enrol_all(offline_class, [learner], trainer)
    with pytest.raises(AttendanceRefused, match="只能在上课当天签到"):
        scan(learner, offline_class, when=NOW + timedelta(days=1))
    with pytest.raises(
        AttendanceRefused, match="不是培训班“社区戒毒工作实务培训班”的上课日期"
    ):
        attendance_record_by_code(
            learner=learner,
            class_code=offline_class.code,
            on="2026-03-12",
            code="1-abc",
            now=NOW,
        )
    assert not LearningFact.objects.exists()


# ---- attendance by the trainer ----


def test_the_trainer_cannot_tick_a_name_not_on_the_roster(
    make_class, learners, people, trainer
):
    offline_class = make_class(capacity=1)
    enrol_all(offline_class, learners[:2], trainer)
    for outsider in (learners[1], people["F2-B1"]):  # waitlisted; never enrolled
        with pytest.raises(AttendanceRefused, match="不在本培训班的学员名单中"):
            attendance_record_by_trainer(
                day=day_of(offline_class),
                learners=[learners[0], outsider],
                by=trainer,
                now=NOW,
            )
    # Nothing is half recorded: not even the name that was on the roster.
    assert not LearningFact.objects.exists()


def test_a_tick_after_a_scan_credits_once(offline_class, learners, trainer):
    learner = learners[0]
    enrol_all(offline_class, [learner], trainer)
    scan(learner, offline_class)
    [result] = attendance_record_by_trainer(
        day=day_of(offline_class),
        learners=[learner],
        by=trainer,
        now=NOW + timedelta(hours=1),
    )
    assert not result.created
    assert LearningFact.objects.filter(learner=learner).count() == 1
    assert HourCredit.objects.filter(learner=learner).count() == 1


def test_the_trainer_ticks_a_past_day_but_not_a_future_one(
    offline_class, learners, trainer
):
    learner = learners[0]
    enrol_all(offline_class, [learner], trainer)
    [result] = attendance_record_by_trainer(
        day=day_of(offline_class, date(2026, 3, 9)),
        learners=[learner],
        by=trainer,
        now=NOW,
    )
    assert result.created
    fact = LearningFact.objects.get(learner=learner)
    assert timezone.localdate(fact.occurred_at) == date(2026, 3, 9)
    assert fact.recorded_by == trainer
    with pytest.raises(AttendanceRefused, match="还没有到"):
        attendance_record_by_trainer(
            day=day_of(offline_class, date(2026, 3, 11)),
            learners=[learner],
            by=trainer,
            now=NOW,
        )


def test_a_trainer_of_another_facility_can_neither_see_nor_take_attendance(
    client, offline_class, learners, trainer, make_role_user, facility_admin
):
    enrol_all(offline_class, learners[:1], trainer)
    stranger = make_role_user(Role.TRAINER, "F2", "trainer-f2")
    other_admin = make_role_user(Role.FACILITY_ADMIN, "F2", "admin-f2")
    for outsider in (stranger, other_admin):
        with pytest.raises(ValidationError, match="您不是该培训班的教员"):
            attendance_record_by_trainer(
                day=day_of(offline_class), learners=learners[:1], by=outsider, now=NOW
            )
        with pytest.raises(ValidationError, match="您不是该培训班的教员"):
            class_enrol(offline_class=offline_class, learner=learners[1], by=outsider)
        client.force_login(outsider)
        for name, args in [
            ("courses:class_detail", [offline_class.code]),
            ("courses:class_day", [offline_class.code, "2026-03-10"]),
            ("courses:class_day_qr", [offline_class.code, "2026-03-10"]),
            ("courses:class_day_code", [offline_class.code, "2026-03-10"]),
        ]:
            assert client.get(reverse(name, args=args)).status_code == 404
        response = client.post(
            reverse("courses:class_day", args=[offline_class.code, "2026-03-10"]),
            {"present": [learners[0].pk]},
        )
        assert response.status_code == 404
        listing = client.get(reverse("courses:class_index"))
        assert "社区戒毒工作实务培训班" not in listing.content.decode()
    assert not LearningFact.objects.exists()

    # The facility's own administrator may take attendance.
    attendance_record_by_trainer(
        day=day_of(offline_class), learners=learners[:1], by=facility_admin, now=NOW
    )
    assert LearningFact.objects.filter(learner=learners[0]).count() == 1


def test_attended_hours_reach_the_learners_year(offline_class, learners, trainer):
    learner = learners[0]
    enrol_all(offline_class, [learner], trainer)
    attendance_record_by_trainer(
        day=day_of(offline_class, date(2026, 3, 9)),
        learners=[learner],
        by=trainer,
        now=NOW,
    )
    scan(learner, offline_class)
    records_refresh_stale()
    year = LearnerYear.objects.get(learner=learner, training_year=2026)
    assert year.offline_hours == Decimal("12.0")
    assert year.hours == Decimal("12.0")


# ---- what a learner sees ----


def test_learner_classes_lists_current_and_upcoming_with_attended_days(
    make_class, learners, trainer
):
    learner = learners[0]
    today = timezone.localdate()
    current = make_class(
        code="NOW-1", starts_on=today - timedelta(days=1), ends_on=today
    )
    past = make_class(
        code="OLD-1",
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=29),
    )
    full = make_class(
        code="NEXT-1",
        capacity=1,
        starts_on=today + timedelta(days=7),
        ends_on=today + timedelta(days=8),
    )
    for c in (current, past):
        class_enrol(offline_class=c, learner=learner, by=trainer)
    class_enrol(offline_class=full, learner=learners[1], by=trainer)
    class_enrol(offline_class=full, learner=learner, by=trainer)
    attendance_record_by_trainer(
        day=day_of(current, today - timedelta(days=1)), learners=[learner], by=trainer
    )

    rows = learner_classes(learner=learner)
    assert [r.offline_class.code for r in rows] == ["NOW-1", "NEXT-1"]
    assert rows[0].days_attended == [today - timedelta(days=1)]
    assert rows[0].days_total == 2 and rows[0].hours == Decimal("6.0")
    assert rows[1].status == EnrolmentStatus.WAITLISTED and rows[1].waitlist_rank == 1
    assert [
        r.offline_class.code
        for r in learner_classes(learner=learner, include_past=True)
    ] == ["OLD-1", "NOW-1", "NEXT-1"]


# ---- the pages ----


@pytest.fixture
def todays_class(make_class):
    today = timezone.localdate()
    return make_class(
        code="TODAY-1", starts_on=today, ends_on=today + timedelta(days=1)
    )


def checkin_url(offline_class, code, on=None):
    on = on or timezone.localdate()
    return (
        f"{reverse('courses:class_checkin')}?c={offline_class.code}"
        f"&d={on.isoformat()}&k={code}"
    )


def test_the_checkin_page_records_and_shows_the_hours(
    client, todays_class, learners, trainer
):
    learner = learners[0]
    enrol_all(todays_class, [learner], trainer)
    day = day_of(todays_class, timezone.localdate())
    client.force_login(learner.user)
    response = client.get(
        checkin_url(todays_class, attendance_code_current(day=day).code)
    )
    page = response.content.decode()
    assert "签到成功" in page and "已计入 <strong>6.0</strong> 学时" in page
    response = client.get(
        checkin_url(todays_class, attendance_code_current(day=day).code)
    )
    assert "今天已签到" in response.content.decode()
    assert HourCredit.objects.filter(learner=learner).count() == 1

    stranger = learners[3]
    client.force_login(stranger.user)
    response = client.get(
        checkin_url(todays_class, attendance_code_current(day=day).code)
    )
    assert "不在培训班“社区戒毒工作实务培训班”的学员名单中" in response.content.decode()
    assert not LearningFact.objects.filter(learner=stranger).exists()


def test_a_code_seen_before_logging_in_is_honoured_after_it(
    client, todays_class, learners, trainer, monkeypatch
):
    learner = learners[0]
    enrol_all(todays_class, [learner], trainer)
    day = day_of(todays_class, timezone.localdate())
    seen = timezone.localtime().replace(hour=9, minute=0, second=5, microsecond=0)
    url = checkin_url(todays_class, attendance_code_current(day=day, now=seen).code)

    monkeypatch.setattr(timezone, "now", lambda: seen)
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    # Logging in took two minutes: the code has rotated four times since.
    monkeypatch.setattr(timezone, "now", lambda: seen + timedelta(minutes=2))
    client.force_login(learner.user)
    assert "签到成功" in client.get(url).content.decode()

    # Without having been seen in time, the same old code is refused.
    other = learners[1]
    enrol_all(todays_class, [other], trainer)
    client.force_login(other.user)
    assert EXPIRED in client.get(url).content.decode()
    assert not LearningFact.objects.filter(learner=other).exists()


def test_the_qr_endpoint_gives_a_working_checkin_url(
    client, todays_class, learners, trainer
):
    enrol_all(todays_class, learners[:1], trainer)
    today = timezone.localdate().isoformat()
    client.force_login(trainer)
    page = client.get(reverse("courses:class_day_qr", args=[todays_class.code, today]))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    data = client.get(
        reverse("courses:class_day_code", args=[todays_class.code, today])
    ).json()
    assert data["svg"].startswith("<svg") and (data["present"], data["enrolled"]) == (
        0,
        1,
    )
    parts = urlsplit(data["url"])
    assert parts.scheme == "http" and parts.path == reverse("courses:class_checkin")
    assert parse_qs(parts.query) == {
        "c": [todays_class.code],
        "d": [today],
        "k": [data["code"]],
    }
    client.force_login(learners[0].user)
    assert "签到成功" in client.get(f"{parts.path}?{parts.query}").content.decode()


def test_trainer_enrols_by_id_number_and_ticks_the_sheet(
    client, todays_class, learners, people, trainer
):
    client.force_login(trainer)
    ids = " ".join(p.id_number for p in learners[:3]) + f"\n{people['F2-B1'].id_number}"
    response = client.post(
        reverse("courses:class_enrol", args=[todays_class.code]),
        {"id_numbers": ids},
        follow=True,
    )
    page = response.content.decode()
    assert "已列入候补名单" in page
    assert f"找不到编号为 {people['F2-B1'].id_number} 的人员" in page
    assert [
        e.status
        for e in ClassEnrolment.objects.filter(offline_class=todays_class).order_by(
            "id"
        )
    ] == ["enrolled", "enrolled", "waitlisted"]

    sheet = reverse(
        "courses:class_day", args=[todays_class.code, timezone.localdate().isoformat()]
    )
    refused = client.post(sheet, {"present": [learners[2].pk]})
    assert refused.status_code == 400
    assert "不在本培训班的学员名单中" in refused.content.decode()
    response = client.post(sheet, {"present": [learners[0].pk]}, follow=True)
    assert "已记录 1 人出勤" in response.content.decode()
    assert "已到 1 / 2 人" in response.content.decode()
    assert HourCredit.objects.get(learner=learners[0]).hours == Decimal("6.0")

    client.force_login(learners[0].user)
    mine = client.get(reverse("courses:my_classes")).content.decode()
    assert "社区戒毒工作实务培训班" in mine and "1 / 2 天" in mine


def test_a_trainer_creates_a_class_from_the_form(client, province, trainer):
    TrainingPolicy.objects.create(bureau=province["B"], offline_day_hours=Decimal("5"))
    client.force_login(trainer)
    form = client.get(reverse("courses:class_create")).content.decode()
    assert "留空则按本局规定，每天计 5.0 学时。" in form
    fields = {
        "title": "心理矫治技能培训班",
        "code": "2026-XL-01",
        "unit": province["F1"].pk,
        "place": "一所心理矫治中心",
        "starts_on": "2026-04-01",
        "ends_on": "2026-04-03",
        "capacity": "40",
        "hours_per_day": "",
    }
    response = client.post(reverse("courses:class_create"), fields)
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:class_detail", args=["2026-XL-01"])
    detail = client.get(response["Location"]).content.decode()
    assert "心理矫治技能培训班" in detail and "5.0" in detail

    again = client.post(reverse("courses:class_create"), fields)
    assert again.status_code == 200
    assert "培训班编号" in again.content.decode()
    assert again.context["form"].errors["code"]
    fields.update(code="2026-XL-02", unit=province["F2"].pk)
    other_unit = client.post(reverse("courses:class_create"), fields)
    assert other_unit.context["form"].errors["unit"]
