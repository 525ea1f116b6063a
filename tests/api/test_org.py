"""The organisation endpoints, scoped exactly like the report screens.

A matrix: each endpoint × a user inside and outside the unit or learner's scope,
with hand-typed codes and id numbers of other units and people (404, the same
answer as for one that does not exist); and bad input (400, in Chinese).
"""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import Assignment
from courses.models.roles import Role
from courses.services.records.manual import hours_adjust
from reports.selectors import filters_from_params, unit_learners, unit_rollup

pytestmark = pytest.mark.django_db

UNIT_404 = "单位不存在或不在您的管辖范围内。"
LEARNER_404 = "人员不存在或不在您的管辖范围内。"
YEAR = timezone.localdate().year


@pytest.fixture
def facility(api_as, facility_admin):
    """The administrator of facility F1 (F1-B1, F1-C1 below it)."""
    return api_as(facility_admin)


@pytest.fixture
def bureau(api_as, bureau_admin):
    return api_as(bureau_admin)


@pytest.fixture
def assignments(province, bureau_admin):
    def make(code, title):
        return Assignment.objects.create(
            course_title=title,
            unit=province[code],
            training_year=YEAR,
            due_on=date(YEAR, 12, 31),
            assigned_by=bureau_admin,
        )

    made = {code: make(code, f"{code}必修课") for code in ["B", "F1", "F1-B1", "F2"]}
    withdrawn = make("F1-C1", "已撤销")
    withdrawn.withdrawn_at = timezone.now()
    withdrawn.save()
    return made


# ---------------------------------------------------------------- who may call


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/org/summary",
        "/api/v1/org/units/F1/children",
        "/api/v1/org/units/F1/learners",
        "/api/v1/org/learners/{id}/transcript",
        "/api/v1/org/assignments",
    ],
)
def test_learner_and_trainer_have_no_report_scope(
    api_as, people, make_role_user, client, path
):
    path = path.format(id=people["F1-B1"].id_number)
    trainer = make_role_user(Role.TRAINER, "F1")  # sees people, not reports
    for user in [people["F1-B1"].user, trainer]:
        response = api_as(user).get(path)
        assert response.status_code == 403, (user, path)
        assert response.json() == {"detail": "您没有查看培训报表的权限。"}
    assert client.get(path).status_code == 401


# ---------------------------------------------------------------- summary


def test_summary_is_the_rollup_of_the_callers_top_units(
    facility, bureau, facility_admin, people, province
):
    response = facility.get("/api/v1/org/summary", year=YEAR)
    assert response.status_code == 200, response.content.decode()
    data = response.json()
    assert data["year"] == YEAR
    assert [u["unit_code"] for u in data["units"]] == ["F1"]
    filters = filters_from_params({"year": str(YEAR)}, user=facility_admin)
    total, _children = unit_rollup(
        user=facility_admin, unit=province["F1"], filters=filters
    )
    expected = total.as_dict()
    assert data["units"][0]["headcount"] == expected["headcount"] == 2
    for name in ["hours_total", "completion_rate", "pass_rate", "score_avg"]:
        assert data["units"][0][name] == (
            None if expected[name] is None else float(expected[name])
        )

    bureau_units = bureau.get("/api/v1/org/summary").json()["units"]
    assert [u["unit_code"] for u in bureau_units] == ["B"]
    assert bureau_units[0]["headcount"] == 4


# ---------------------------------------------------------------- children


def test_children_in_scope(facility, people):
    response = facility.get("/api/v1/org/units/F1/children", year=YEAR)
    assert response.status_code == 200, response.content.decode()
    data = response.json()
    assert data["unit"] == {
        "code": "F1",
        "name": "第一强制隔离戒毒所",
        "kind": "facility",
    }
    assert data["total"]["headcount"] == 2
    assert {c["unit_code"]: c["headcount"] for c in data["children"]} == {
        "F1-B1": 1,
        "F1-C1": 1,
    }
    # A unit below the facility is in scope too.
    assert facility.get("/api/v1/org/units/F1-B1/children").status_code == 200


@pytest.mark.parametrize("code", ["F2", "F2-B1", "B", "C1-S1", "NOPE"])
@pytest.mark.parametrize("what", ["children", "learners"])
def test_units_outside_scope_are_404_like_missing_ones(facility, people, code, what):
    response = facility.get(f"/api/v1/org/units/{code}/{what}")
    assert response.status_code == 404
    assert response.json() == {"detail": UNIT_404}


def test_bureau_reaches_every_unit(bureau, people):
    for code in ["B", "F1", "F2", "F2-B1", "C1", "C1-S1"]:
        assert bureau.get(f"/api/v1/org/units/{code}/children").status_code == 200
        assert bureau.get(f"/api/v1/org/units/{code}/learners").status_code == 200


# ---------------------------------------------------------------- learners


def test_learners_of_a_unit_in_scope(facility, facility_admin, people, province):
    response = facility.get("/api/v1/org/units/F1/learners", year=YEAR)
    assert response.status_code == 200, response.content.decode()
    data = response.json()
    assert (data["count"], data["page"], data["pages"]) == (2, 1, 1)
    assert data["unit"]["code"] == "F1"
    assert {r["id_number"] for r in data["results"]} == {
        people["F1-B1"].id_number,
        people["F1-C1"].id_number,
    }
    filters = filters_from_params({"year": str(YEAR)}, user=facility_admin)
    expected = list(
        unit_learners(user=facility_admin, unit=province["F1"], filters=filters)
    )
    assert [r["id_number"] for r in data["results"]] == [
        r["id_number"] for r in expected
    ]


def test_learners_are_paged(bureau, people):
    first = bureau.get("/api/v1/org/units/B/learners", page_size=3).json()
    second = bureau.get("/api/v1/org/units/B/learners", page_size=3, page=2).json()
    assert (first["count"], first["pages"], len(first["results"])) == (4, 2, 3)
    assert len(second["results"]) == 1
    ids = [r["id_number"] for r in first["results"] + second["results"]]
    assert sorted(ids) == sorted(p.id_number for p in people.values())
    beyond = bureau.get("/api/v1/org/units/B/learners", page_size=3, page=9).json()
    assert beyond["results"] == [] and beyond["count"] == 4


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page_size": 1_000_000}, "每页条数必须在 1 到 200 之间。"),
        ({"page_size": 0}, "每页条数必须在 1 到 200 之间。"),
        ({"page": 0}, "页码必须从 1 开始。"),
        ({"page_size": "很多"}, "请求参数不正确：page_size。"),
    ],
)
def test_absurd_paging_is_a_clear_400(bureau, people, params, message):
    for path in ["/api/v1/org/units/B/learners", "/api/v1/org/assignments"]:
        response = bureau.get(path, **params)
        assert response.status_code == 400, path
        assert response.json()["detail"] == message


def test_the_largest_page_is_allowed(bureau, people):
    response = bureau.get("/api/v1/org/units/B/learners", page_size=200)
    assert response.status_code == 200 and response.json()["page_size"] == 200


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"year": 9999}, "超出可统计的范围"),
        ({"year": "去年"}, "请求参数不正确：year"),
        ({"position": "astronaut"}, "没有这个岗位：astronaut"),
        ({"identity": "alien"}, "没有这种身份类型"),
        ({"from": f"{YEAR}-05-01", "to": f"{YEAR}-04-01"}, "开始日期晚于结束日期"),
        ({"from": "昨天"}, "不是有效日期"),
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/org/summary",
        "/api/v1/org/units/F1/children",
        "/api/v1/org/units/F1/learners",
    ],
)
def test_bad_filters_are_400_in_chinese(facility, people, path, params, fragment):
    response = facility.get(path, **params)
    assert response.status_code == 400, response.content.decode()
    assert fragment in response.json()["detail"]


def test_filters_are_applied(bureau, people):
    people["F2-B1"].identity = "community_worker"
    people["F2-B1"].save()
    data = bureau.get(
        "/api/v1/org/units/B/learners", identity="community_worker"
    ).json()
    assert [r["id_number"] for r in data["results"]] == [people["F2-B1"].id_number]
    children = bureau.get(
        "/api/v1/org/units/B/children", identity="community_worker"
    ).json()
    assert children["total"]["headcount"] == 1


# ---------------------------------------------------------------- transcript


def test_transcript_of_a_learner_in_scope(facility, bureau_admin, people, assignments):
    learner = people["F1-B1"]
    hours_adjust(
        learner=learner, hours=Decimal("2.5"), reason="补录线下培训", by=bureau_admin
    )
    response = facility.get(f"/api/v1/org/learners/{learner.id_number}/transcript")
    assert response.status_code == 200, response.content.decode()
    data = response.json()
    assert data["learner"]["real_name"] == "F1-B1的学员"
    assert data["learner"]["unit"]["code"] == "F1-B1"
    assert data["hours_total"] == 2.5
    assert data["by_reason"]["adjustment"] == 2.5
    [line] = data["credits"]
    assert (line["reason"], line["hours"], line["unit_code"]) == (
        "adjustment",
        2.5,
        "F1-B1",
    )
    # Made to its unit, the facility and the bureau; not F2's nor the withdrawn.
    titles = sorted(a["course_title"] for a in data["assignments"])
    assert titles == ["B必修课", "F1-B1必修课", "F1必修课"]
    assert {a["state"] for a in data["assignments"]} == {"doing"}

    other_year = facility.get(
        f"/api/v1/org/learners/{learner.id_number}/transcript", year=YEAR - 1
    ).json()
    assert other_year["credits"] == [] and other_year["assignments"] == []


@pytest.mark.parametrize("whose", ["F2-B1", "C1-S1", "nobody"])
def test_transcripts_outside_scope_are_404_like_missing_ones(facility, people, whose):
    id_number = people[whose].id_number if whose in people else "J999999"
    response = facility.get(f"/api/v1/org/learners/{id_number}/transcript")
    assert response.status_code == 404
    assert response.json() == {"detail": LEARNER_404}


def test_transcript_year_out_of_range_is_400(facility, people):
    path = f"/api/v1/org/learners/{people['F1-B1'].id_number}/transcript"
    response = facility.get(path, year=9999)
    assert response.status_code == 400
    assert "超出范围" in response.json()["detail"]


# ---------------------------------------------------------------- assignments


def test_assignments_made_to_units_in_scope(facility, bureau, assignments):
    data = facility.get("/api/v1/org/assignments", year=YEAR).json()
    assert sorted(a["course_title"] for a in data["results"]) == [
        "F1-B1必修课",
        "F1必修课",
    ]
    assert data["count"] == 2
    row = next(a for a in data["results"] if a["unit"]["code"] == "F1")
    assert row["positions"] == [] and row["due_on"] == f"{YEAR}-12-31"

    everything = bureau.get("/api/v1/org/assignments").json()
    assert everything["count"] == 4  # the withdrawn one is not live
    assert bureau.get("/api/v1/org/assignments", year=YEAR - 1).json()["count"] == 0
