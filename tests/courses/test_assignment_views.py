"""The administrators' side of the training record: assigning mandatory courses,
adjusting hours by hand and setting the bureau's rules, each within scope."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import (
    Assignment,
    CoursePage,
    CourseProgress,
    HourCredit,
    HourRequirement,
    LearningFact,
    Position,
    TrainingPolicy,
)
from courses.models.roles import Role
from courses.selectors.records import learner_assignments
from courses.services.records.policy import current_training_year, requirement_hours
from tests.courses.test_course_pages import book_dir, load, site  # noqa: F401
from tests.factories import LearnerFactory

TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def course(site, book_dir):  # noqa: F811
    load(site, book_dir)
    return CoursePage.objects.get(slug="book")


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def year(province):
    return current_training_year(unit_path=province["B"].path)


def position(code: str) -> Position:
    return Position.objects.get(code=code)


def assignment_post(client, course, unit, *, year, positions=(), **extra):
    data = {
        "course": course.pk,
        "unit": unit.pk,
        "positions": [p.pk for p in positions],
        "training_year": year,
        "due_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "note": "年度必修",
        **extra,
    }
    return client.post(reverse("courses:assignment_create"), data)


# ---- assignments: who may create them, and for which units ----


@pytest.mark.parametrize("code", ["F1", "F1-B1"])
def test_facility_admin_assigns_to_own_facility_and_its_brigades(
    client_for, province, facility_admin, course, year, code
):
    response = assignment_post(
        client_for(facility_admin), course, province[code], year=year
    )
    assignment = Assignment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "courses:assignment_detail", args=[assignment.pk]
    )
    assert assignment.unit == province[code]
    assert assignment.assigned_by == facility_admin
    assert assignment.course_title == course.title


@pytest.mark.parametrize("code", ["F2", "F2-B1", "B"])
def test_facility_admin_cannot_assign_elsewhere_even_by_posting_the_unit_id(
    client_for, province, facility_admin, course, year, code
):
    client = client_for(facility_admin)
    form_page = client.get(reverse("courses:assignment_create")).content.decode()
    assert province["F2"].name not in form_page  # not even offered

    response = assignment_post(client, course, province[code], year=year)

    assert response.status_code == 200
    assert "所选单位不在您的管理范围内" in response.content.decode()
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("code", ["B", "F2", "C1-S1"])
def test_bureau_admin_assigns_to_any_unit(
    client_for, province, bureau_admin, course, year, code
):
    response = assignment_post(
        client_for(bureau_admin), course, province[code], year=year
    )
    assert response.status_code == 302
    assert Assignment.objects.get().unit == province[code]


def test_trainer_cannot_create_assignments(
    client_for, province, make_role_user, course, year
):
    trainer = make_role_user(Role.TRAINER, "F1")
    client = client_for(trainer)
    assert client.get(reverse("courses:assignment_create")).status_code == 403
    response = assignment_post(client, course, province["F1"], year=year)
    assert response.status_code == 403
    assert not Assignment.objects.exists()
    # ...but sees the list of what was assigned in their unit.
    assert client.get(reverse("courses:assignment_index")).status_code == 200


def test_past_due_date_is_refused_on_the_form(
    client_for, province, facility_admin, course, year
):
    response = assignment_post(
        client_for(facility_admin),
        course,
        province["F1"],
        year=year,
        due_on=(timezone.localdate() - timedelta(days=1)).isoformat(),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["due_on"] == ["完成期限不能早于今天。"]
    assert not Assignment.objects.exists()


# ---- who is reached ----


def test_assignment_reaches_matching_positions_in_the_subtree_at_once(
    client_for, province, people, facility_admin, course, year
):
    educator = people["F1-B1"]  # position "education" (the factory's default)
    medic = LearnerFactory(unit=province["F1-B1"], position=position("medical"))
    outsider = people["F2-B1"]

    assignment_post(
        client_for(facility_admin),
        course,
        province["F1"],
        year=year,
        positions=[position("education")],
    )
    assignment = Assignment.objects.get()

    assert list(learner_assignments(learner=educator)) == [assignment]
    assert list(learner_assignments(learner=medic)) == []
    assert list(learner_assignments(learner=outsider)) == []


def test_people_who_join_the_unit_later_are_assigned_too(
    client_for, province, people, facility_admin, course, year
):
    client = client_for(facility_admin)
    assignment_post(client, course, province["F1"], year=year)
    assignment = Assignment.objects.get()

    newcomer = LearnerFactory(unit=province["F1-C1"], real_name="新调入的学员")

    assert list(learner_assignments(learner=newcomer, training_year=year)) == [
        assignment
    ]
    detail = client.get(reverse("courses:assignment_detail", args=[assignment.pk]))
    assert detail.context["reached"] == 3  # F1-B1, F1-C1 and the newcomer


def test_double_submit_makes_one_assignment_and_says_so(
    client_for, province, facility_admin, course, year
):
    client = client_for(facility_admin)
    first = assignment_post(client, course, province["F1"], year=year)
    second = assignment_post(client, course, province["F1"], year=year)

    assignment = Assignment.objects.get()
    detail = reverse("courses:assignment_detail", args=[assignment.pk])
    assert first["Location"] == second["Location"] == detail
    page = client.get(second["Location"]).content.decode()
    assert "未重复布置" in page


def test_detail_counts_reached_and_completed(
    client_for, province, people, bureau_admin, course, year
):
    client = client_for(bureau_admin)
    assignment_post(client, course, province["F1"], year=year)
    assignment = Assignment.objects.get()
    CourseProgress.objects.create(
        learner=people["F1-B1"],
        course_id_ref=course.pk,
        required_lessons=2,
        completed_lessons=2,
        completed_at=timezone.now(),
    )
    # Completing it outside the assigned unit does not count here.
    CourseProgress.objects.create(
        learner=people["F2-B1"], course_id_ref=course.pk, completed_at=timezone.now()
    )

    response = client.get(reverse("courses:assignment_detail", args=[assignment.pk]))

    assert (response.context["reached"], response.context["completed"]) == (2, 1)


def test_withdrawing_removes_the_course_from_learners(
    client_for, province, people, facility_admin, course, year
):
    client = client_for(facility_admin)
    assignment_post(client, course, province["F1"], year=year)
    assignment = Assignment.objects.get()
    learner = people["F1-B1"]
    assert list(learner_assignments(learner=learner)) == [assignment]

    url = reverse("courses:assignment_withdraw", args=[assignment.pk])
    confirm = client.get(url)
    assert "确定撤销" in confirm.content.decode()
    assert Assignment.objects.get().withdrawn_at is None  # a GET changes nothing

    response = client.post(url, follow=True)

    assert "已撤销" in response.content.decode()
    assert Assignment.objects.get().withdrawn_at is not None
    assert list(learner_assignments(learner=learner)) == []
    # A new assignment of the same course is possible once the old one is gone.
    assert assignment_post(client, course, province["F1"], year=year).status_code == 302
    assert Assignment.objects.filter(withdrawn_at__isnull=True).count() == 1


def test_facility_admin_sees_bureau_assignments_but_cannot_withdraw_them(
    client_for, province, people, facility_admin, bureau_admin, course, year
):
    assignment_post(client_for(bureau_admin), course, province["B"], year=year)
    assignment = Assignment.objects.get()

    client = client_for(facility_admin)
    listing = client.get(reverse("courses:assignment_index"))
    assert list(listing.context["page"]) == [assignment]
    detail = client.get(reverse("courses:assignment_detail", args=[assignment.pk]))
    assert detail.context["reached"] == 2  # only F1's people, not the province's
    assert not detail.context["can_withdraw"]
    withdraw = client.post(reverse("courses:assignment_withdraw", args=[assignment.pk]))
    assert withdraw.status_code == 403
    assert Assignment.objects.get().withdrawn_at is None


def test_facility_admin_never_sees_another_facilitys_assignments(
    client_for, province, make_role_user, facility_admin, course, year
):
    f2_client = Client()
    f2_client.force_login(make_role_user(Role.FACILITY_ADMIN, "F2"))
    assignment_post(f2_client, course, province["F2-B1"], year=year)
    theirs = Assignment.objects.get()

    client = client_for(facility_admin)
    listing = client.get(reverse("courses:assignment_index"))
    assert list(listing.context["page"]) == []
    assert "二所一大队" not in listing.content.decode()
    detail = client.get(reverse("courses:assignment_detail", args=[theirs.pk]))
    assert detail.status_code == 404
    withdraw = client.post(reverse("courses:assignment_withdraw", args=[theirs.pk]))
    assert withdraw.status_code == 404
    assert Assignment.objects.get().withdrawn_at is None


def test_list_filters_by_training_year(
    client_for, province, bureau_admin, course, year
):
    client = client_for(bureau_admin)
    assignment_post(client, course, province["F1"], year=year)
    assignment_post(client, course, province["F1"], year=year + 1)
    this_year, next_year = Assignment.objects.order_by("training_year")
    url = reverse("courses:assignment_index")

    assert list(client.get(url).context["page"]) == [this_year]  # opens on now
    by_year = client.get(url, {"year": year + 1})
    assert list(by_year.context["page"]) == [next_year]
    every_year = client.get(url, {"year": ""})
    assert set(every_year.context["page"]) == {this_year, next_year}


# ---- manual adjustments ----


def adjust(client, learner, **data):
    return client.post(
        reverse("courses:learner_hours_adjust", args=[learner.id_number]),
        {"hours": "2.5", "reason": "补录线下专题讲座", "token": TOKEN, **data},
    )


def test_adjustment_without_reason_shows_the_error_and_saves_nothing(
    client_for, people, facility_admin
):
    response = adjust(client_for(facility_admin), people["F1-B1"], reason="   ")

    assert response.status_code == 200
    assert "请填写调整原因。" in response.content.decode()
    assert response.context["adjust_form"].errors["reason"]
    assert not HourCredit.objects.exists()
    assert not LearningFact.objects.exists()


def test_adjustment_out_of_range_is_refused_in_chinese(
    client_for, people, facility_admin
):
    response = adjust(client_for(facility_admin), people["F1-B1"], hours="0")
    assert "调整学时须为非零数" in response.content.decode()
    assert not HourCredit.objects.exists()


def test_adjustment_is_recorded_with_who_and_why_on_the_ledger(
    client_for, people, facility_admin
):
    facility_admin.first_name = "王科长"
    facility_admin.save()
    learner = people["F1-B1"]
    client = client_for(facility_admin)

    response = adjust(client, learner)

    assert response.status_code == 302
    credit = HourCredit.objects.get(learner=learner)
    assert credit.hours == Decimal("2.5")
    assert credit.fact.recorded_by == facility_admin
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "王科长：补录线下专题讲座" in html
    assert "已计 2.5 学时" in html
    # The form on the page carries a fresh token for the next adjustment.
    assert page.context["adjust_form"].initial["token"] != TOKEN


def test_posting_the_same_form_twice_records_one_adjustment(
    client_for, people, facility_admin
):
    learner = people["F1-B1"]
    client = client_for(facility_admin)

    adjust(client, learner)
    second = adjust(client, learner, hours="3")

    assert HourCredit.objects.filter(learner=learner).count() == 1
    assert HourCredit.objects.get(learner=learner).hours == Decimal("2.5")
    assert "未重复计入" in client.get(second["Location"]).content.decode()


def test_another_facilitys_admin_cannot_adjust(client_for, people, make_role_user):
    f2_admin = make_role_user(Role.FACILITY_ADMIN, "F2")
    response = adjust(client_for(f2_admin), people["F1-B1"])

    assert response.status_code == 404
    assert not HourCredit.objects.exists()
    assert not LearningFact.objects.exists()


def test_trainer_cannot_adjust_or_see_the_form(client_for, people, make_role_user):
    trainer = make_role_user(Role.TRAINER, "F1")
    client = client_for(trainer)
    learner = people["F1-B1"]

    page = client.get(reverse("courses:learner_detail", args=[learner.id_number]))
    assert page.status_code == 200
    assert page.context["adjust_form"] is None
    assert adjust(client, learner).status_code == 403
    assert not HourCredit.objects.exists()


# ---- the bureau's rules ----


def test_policy_page_is_for_bureau_admins_only(
    client_for, province, facility_admin, make_role_user
):
    url = reverse("courses:policy_edit")
    assert client_for(facility_admin).get(url).status_code == 403
    response = client_for(facility_admin).post(url, {"year_starts_month": "3"})
    assert response.status_code == 403
    trainer = make_role_user(Role.TRAINER, "B")
    assert client_for(trainer).get(url).status_code == 403
    assert not TrainingPolicy.objects.exists()


def policy_data(**extra):
    data = {
        "year_starts_month": "1",
        "year_starts_day": "1",
        "exam_pass_hours": "3",
        "offline_day_hours": "6",
        "time_cap_ratio": "1.5",
        "requirement_education": "40",
        "requirement_medical": "",
    }
    data.update(extra)
    return data


def test_bureau_admin_saves_rules_and_requirements(
    client_for, province, people, bureau_admin
):
    client = client_for(bureau_admin)
    url = reverse("courses:policy_edit")
    assert "尚未设置学时规则" in client.get(url).content.decode()

    response = client.post(url, policy_data())

    assert response.status_code == 302
    policy = TrainingPolicy.objects.get(bureau=province["B"])
    assert policy.exam_pass_hours == Decimal("3")
    assert policy.time_cap_ratio == Decimal("1.5")
    assert requirement_hours(learner=people["F1-B1"]) == Decimal("40")
    medic = LearnerFactory(unit=province["F2-B1"], position=position("medical"))
    assert requirement_hours(learner=medic) is None
    # The page shows what was saved; clearing a requirement removes it.
    page = client.get(response["Location"])
    assert page.context["form"].initial["requirement_education"] == Decimal("40")
    client.post(url, policy_data(requirement_education=""))
    assert not HourRequirement.objects.exists()
    assert requirement_hours(learner=people["F1-B1"]) is None
    assert TrainingPolicy.objects.count() == 1


def test_policy_errors_are_shown_in_chinese_and_nothing_saved(
    client_for, province, bureau_admin
):
    response = client_for(bureau_admin).post(
        reverse("courses:policy_edit"),
        policy_data(year_starts_month="13", requirement_education="-2"),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["year_starts_month"] == ["确保该值小于或等于12。"]
    assert errors["requirement_education"] == ["确保该值大于或等于0。"]
    assert not TrainingPolicy.objects.exists()


def test_superuser_may_set_the_rules(client_for, province, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x-Pass-12")
    response = client_for(admin).post(reverse("courses:policy_edit"), policy_data())
    assert response.status_code == 302
    assert TrainingPolicy.objects.get().bureau == province["B"]


# ---- navigation ----


def test_staff_pages_link_to_the_training_record_pages(
    client_for, province, bureau_admin, facility_admin
):
    index = client_for(facility_admin).get(reverse("courses:unit_index"))
    assert reverse("courses:assignment_index") in index.content.decode()
    facility_list = client_for(facility_admin).get(reverse("courses:assignment_index"))
    assert reverse("courses:policy_edit") not in facility_list.content.decode()
    bureau_list = client_for(bureau_admin).get(reverse("courses:assignment_index"))
    assert reverse("courses:policy_edit") in bureau_list.content.decode()
