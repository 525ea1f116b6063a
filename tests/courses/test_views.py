"""What administrators and learners see on the organisation pages."""

import pytest
from django.urls import reverse

from courses.models.roles import Role


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_anonymous_is_sent_to_login(client, people):
    response = client.get(reverse("courses:unit_index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_facility_admin_sees_own_facility_tree_with_head_counts(
    client_for, people, facility_admin
):
    response = client_for(facility_admin).get(reverse("courses:unit_index"))
    assert response.status_code == 200
    rows = {row["unit"].code: row["people"] for row in response.context["rows"]}
    assert rows == {"F1": 2, "F1-B1": 1, "F1-C1": 1}
    assert "第二强制隔离戒毒所" not in response.content.decode()


def test_facility_admin_sees_people_of_own_facility_only(
    client_for, people, facility_admin
):
    response = client_for(facility_admin).get(
        reverse("courses:unit_detail", args=["F1"])
    )
    html = response.content.decode()
    assert "F1-B1的学员" in html and "F1-C1的学员" in html
    assert "F2-B1的学员" not in html


@pytest.mark.parametrize("code", ["F2", "F2-B1", "B", "C1-S1", "NO-SUCH-UNIT"])
def test_unit_outside_scope_typed_by_hand_is_404(
    client_for, people, facility_admin, code
):
    response = client_for(facility_admin).get(
        reverse("courses:unit_detail", args=[code])
    )
    assert response.status_code == 404
    assert "F2-B1的学员" not in response.content.decode()


def test_person_outside_scope_is_404(client_for, people, facility_admin):
    other = people["F2-B1"]
    response = client_for(facility_admin).get(
        reverse("courses:learner_detail", args=[other.id_number])
    )
    assert response.status_code == 404


def test_person_inside_scope_shows_history(client_for, people, facility_admin):
    mine = people["F1-B1"]
    response = client_for(facility_admin).get(
        reverse("courses:learner_detail", args=[mine.id_number])
    )
    assert response.status_code == 200
    assert response.context["learner"] == mine
    assert list(response.context["memberships"]) == list(mine.memberships.all())


def test_plain_learner_cannot_open_people_pages(client_for, people):
    client = client_for(people["F1-B1"].user)
    assert client.get(reverse("courses:unit_index")).status_code == 403
    assert client.get(reverse("courses:unit_detail", args=["F1-B1"])).status_code == 403


def test_bureau_admin_sees_every_facility(client_for, people, bureau_admin):
    response = client_for(bureau_admin).get(reverse("courses:unit_detail", args=["B"]))
    assert response.context["page"].paginator.count == 4


def test_people_filter_by_name_and_position(client_for, people, bureau_admin):
    from courses.models import Position

    client = client_for(bureau_admin)
    url = reverse("courses:unit_detail", args=["B"])
    response = client.get(url, {"q": "F2-B1"})
    assert [p.real_name for p in response.context["page"]] == ["F2-B1的学员"]
    medical = Position.objects.get(code="medical")
    people["C1-S1"].position = medical
    people["C1-S1"].save()
    response = client.get(url, {"position": medical.pk})
    assert [p.real_name for p in response.context["page"]] == ["C1-S1的学员"]


def test_trainer_sees_people_but_cannot_import(client_for, people, make_role_user):
    trainer = make_role_user(Role.TRAINER, "F1")
    client = client_for(trainer)
    assert client.get(reverse("courses:unit_detail", args=["F1"])).status_code == 200
    assert client.get(reverse("courses:roster_import")).status_code == 403


def test_my_profile_shows_own_unit_and_moves(client_for, people, province):
    from courses.services.learners import learner_move

    me = people["F1-B1"]
    learner_move(learner=me, unit=province["F2-B1"])
    response = client_for(me.user).get(reverse("courses:my_profile"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "二所一大队" in html and "一所一大队" in html
    assert [m.unit.code for m in response.context["memberships"]] == ["F2-B1", "F1-B1"]


def test_unit_page_query_count_does_not_grow_with_people(
    client_for, province, facility_admin
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import LearnerFactory

    client = client_for(facility_admin)
    url = reverse("courses:unit_detail", args=["F1"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        return len(captured), response.context["page"].paginator.count

    LearnerFactory(unit=province["F1-B1"])
    client.get(url)  # warm per-process caches
    few = queries()
    LearnerFactory.create_batch(30, unit=province["F1-B1"])
    many = queries()
    assert (few[1], many[1]) == (1, 31)
    assert many[0] == few[0]


def test_bureau_head_counts_add_up_through_every_level(
    client_for, people, bureau_admin
):
    response = client_for(bureau_admin).get(reverse("courses:unit_index"))
    rows = {row["unit"].code: row["people"] for row in response.context["rows"]}
    assert rows == {
        "B": 4,
        "F1": 2,
        "F1-B1": 1,
        "F1-C1": 1,
        "F2": 1,
        "F2-B1": 1,
        "C1": 1,
        "C1-S1": 1,
    }
    indents = {row["unit"].code: row["indent"] for row in response.context["rows"]}
    assert indents["B"] == 0 and indents["F1"] == 1 and indents["F1-B1"] == 2
