"""Roster import: the workbook an administrator fills in, checked and applied."""

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cms import jobs as cms_jobs
from courses.models import (
    LearnerProfile,
    OrgUnit,
    Position,
    RosterImport,
    UnitKind,
    UnitMembership,
)
from courses.models.learners import IdentityKind, MembershipSource
from courses.services.roster import (
    GENERIC_FAILURE,
    RosterError,
    RosterInvalid,
    roster_apply,
    roster_from_records,
    roster_import_process,
    roster_read,
    roster_validate,
)
from courses.services.roster import apply as roster_writes
from courses.services.roster import job as roster_job
from tests.courses.roster_files import (
    GOOD_PEOPLE,
    GOOD_UNITS,
    PDF_BYTES,
    PEOPLE_HEADER,
    RANDOM_BYTES,
    UNIT_HEADER,
    XLS_BYTES,
    bytes_write,
    people_csv,
    roster_xlsx,
    rows_copy,
    workbook_write,
)
from tests.factories import LearnerFactory, UserFactory, unit_create

User = get_user_model()
ON_DATE = date(2025, 3, 1)
TEMPLATE = Path(settings.BASE_DIR) / "fixtures" / "roster_template.xlsx"


def db_state() -> dict[str, int]:
    return {
        "units": OrgUnit.objects.count(),
        "people": LearnerProfile.objects.count(),
        "memberships": UnitMembership.objects.count(),
        "users": User.objects.count(),
    }


def import_file(path: Path, **kwargs) -> dict[str, int]:
    return roster_apply(roster=roster_read(file=path), on_date=ON_DATE, **kwargs)


def import_errors(path: Path, **kwargs) -> list[RosterError]:
    """The errors of a file that must not import, checking it wrote nothing."""
    before = db_state()
    with pytest.raises(RosterInvalid) as caught:
        import_file(path, **kwargs)
    assert db_state() == before, "a rejected roster must not write anything"
    return caught.value.errors


def where(errors: list[RosterError]) -> list[tuple]:
    return [(e.sheet, e.row, e.column) for e in errors]


def tree_problems() -> list:
    """Treebeard's own consistency check: paths, depths and child counts."""
    return [p for p in OrgUnit.find_problems() if p]


# --------------------------------------------------------------- a good roster


def test_good_file_creates_the_tree_and_the_people_in_their_units(db, tmp_path):
    counts = import_file(roster_xlsx(tmp_path))

    assert counts == {
        "units_created": 6,
        "units_updated": 0,
        "units_moved": 0,
        "people_created": 4,
        "people_updated": 0,
        "people_moved": 0,
        "unchanged": 0,
    }
    parents = {u.code: u.parent_code for u in OrgUnit.objects.all()}
    assert parents == {
        "NB": None,
        "NB-F1": "NB",
        "NB-F1-D1": "NB-F1",
        "NB-F1-XL": "NB-F1",
        "NB-C1": "NB",
        "NB-C1-S1": "NB-C1",
    }
    assert OrgUnit.objects.get(code="NB-F1-XL").kind == UnitKind.CENTRE
    assert OrgUnit.objects.get(code="NB-C1-S1").name == "某街道社区康复工作站"
    assert tree_problems() == []

    zhang = LearnerProfile.objects.select_related("unit", "position", "user").get(
        id_number="320101"
    )
    assert (zhang.real_name, zhang.unit.code, zhang.position.code, zhang.phone) == (
        "张伟",
        "NB-F1-D1",
        "education",
        "13800000001",
    )
    assert zhang.identity == IdentityKind.OFFICER
    assert zhang.user.username == "320101"
    assert not zhang.user.has_usable_password()
    wang = LearnerProfile.objects.get(id_number="320103")
    assert wang.identity == IdentityKind.COMMUNITY_WORKER
    assert wang.unit.code == "NB-C1-S1"
    assert LearnerProfile.objects.get(id_number="320104").identity == (
        IdentityKind.VOLUNTEER
    )

    memberships = UnitMembership.objects.select_related("learner", "unit")
    assert sorted((m.learner.id_number, m.unit.code) for m in memberships) == [
        ("320101", "NB-F1-D1"),
        ("320102", "NB-F1-XL"),
        ("320103", "NB-C1-S1"),
        ("320104", "NB-C1-S1"),
    ]
    for membership in memberships:
        assert membership.started_on == ON_DATE
        assert membership.ended_on is None
        assert membership.source == MembershipSource.ROSTER_IMPORT
    # The facility report sees the brigade's and the centre's people.
    facility = OrgUnit.objects.get(code="NB-F1")
    in_facility = LearnerProfile.objects.in_subtree_of(facility)
    assert set(in_facility.values_list("id_number", flat=True)) == {"320101", "320102"}


def test_numbers_spaces_column_order_and_blank_rows_are_read_as_people_mean_them(
    db, tmp_path
):
    # Columns in another order, headers with stray spaces, ids and phones typed as
    # numbers, full-width spaces around names, and an empty row in the middle.
    header = [" 姓名 ", "编号", "单位编码", "岗位", "身份类型", "手机号\u3000"]
    people = [
        ["\u3000张伟\u3000", 320101, "NB-F1-D1", "教育矫治岗", "民警", 13800000001],
        [None, None, None, None, None, None],
        ["李娜", 320102.0, " NB-F1-XL ", "心理咨询岗", "民警", None],
        [
            "王芳",
            "３２０１０３",
            "NB-C1-S1",
            "社区禁毒专干",
            "社区专干",
            "139 0000 0002",
        ],
    ]
    roster = roster_read(
        file=roster_xlsx(tmp_path, people=people, people_header=header)
    )
    read = [
        (p.row, p.id_number, p.real_name, p.unit_code, p.phone) for p in roster.people
    ]
    assert read == [
        (2, "320101", "张伟", "NB-F1-D1", "13800000001"),
        (4, "320102", "李娜", "NB-F1-XL", ""),
        (5, "320103", "王芳", "NB-C1-S1", "13900000002"),
    ]
    roster_apply(roster=roster)
    assert LearnerProfile.objects.get(id_number="320101").real_name == "张伟"


def test_rows_are_numbered_as_excel_shows_them_even_after_blank_rows(db, tmp_path):
    people = (
        rows_copy(GOOD_PEOPLE[:2])
        + [[None] * 6, [None] * 6]
        + [["320109", "钱多", "民警", "厨师", "NB-F1-D1", ""]]
    )
    errors = import_errors(roster_xlsx(tmp_path, people=people))
    assert where(errors) == [("人员", 6, "岗位")]


def test_aliases_and_position_codes_are_accepted(db, tmp_path):
    units = [
        ["NB", "某省戒毒管理局", "", "局"],
        ["NB-F1", "第一所", "NB", "强制隔离戒毒所"],
        ["NB-F1-K1", "教育科", "NB-F1", "科"],
        ["NB-F1-C1", "心理矫治中心", "NB-F1", "中心"],
        ["NB-C1", "市禁毒办", "NB", "禁毒委员会办公室"],
        ["NB-C1-S1", "街道站", "NB-C1", "社区戒毒社区康复工作站"],
    ]
    people = [
        ["1", "甲", "志愿者", "volunteer", "NB-C1-S1", ""],
        ["2", "乙", "社区专干", "community", "NB-C1-S1", ""],
        ["3", "丙", "民警", "Education", "NB-F1-K1", ""],
    ]
    import_file(roster_xlsx(tmp_path, units=units, people=people))
    kinds = dict(OrgUnit.objects.values_list("code", "kind"))
    assert kinds == {
        "NB": UnitKind.BUREAU,
        "NB-F1": UnitKind.FACILITY,
        "NB-F1-K1": UnitKind.DEPARTMENT,
        "NB-F1-C1": UnitKind.CENTRE,
        "NB-C1": UnitKind.COMMUNITY_OFFICE,
        "NB-C1-S1": UnitKind.COMMUNITY_STATION,
    }
    assert dict(LearnerProfile.objects.values_list("id_number", "position__code")) == {
        "1": "volunteer",
        "2": "community",
        "3": "education",
    }


def test_phone_column_may_be_left_out(db, tmp_path):
    people = [row[:5] for row in GOOD_PEOPLE]
    import_file(roster_xlsx(tmp_path, people=people, people_header=PEOPLE_HEADER[:5]))
    assert set(LearnerProfile.objects.values_list("phone", flat=True)) == {""}


def test_records_build_the_same_roster_numbered_from_row_2(db):
    records = {
        "单位": [dict(zip(UNIT_HEADER, row, strict=True)) for row in GOOD_UNITS],
        "人员": [dict(zip(PEOPLE_HEADER, row, strict=True)) for row in GOOD_PEOPLE],
    }
    records["人员"][3]["岗位"] = "厨师"
    roster = roster_from_records(sheets=records)
    assert [u.row for u in roster.units] == [2, 3, 4, 5, 6, 7]
    errors = roster_validate(roster=roster)
    assert [str(e) for e in errors] == [
        "人员 第 5 行（岗位）：岗位“厨师”不在岗位目录中。"
    ]
    assert errors[0].as_dict() == {
        "sheet": "人员",
        "row": 5,
        "column": "岗位",
        "message": "岗位“厨师”不在岗位目录中。",
    }


# ----------------------------------------------------- re-running and changes


def test_rerunning_the_same_file_changes_nothing(db, tmp_path):
    path = roster_xlsx(tmp_path)
    import_file(path)
    units_before = dict(OrgUnit.objects.values_list("code", "updated_at"))
    paths_before = dict(OrgUnit.objects.values_list("code", "path"))
    people_before = dict(LearnerProfile.objects.values_list("id_number", "updated_at"))
    state_before = db_state()

    with CaptureQueriesContext(connection) as queries:
        counts = import_file(path)

    assert counts == {
        "units_created": 0,
        "units_updated": 0,
        "units_moved": 0,
        "people_created": 0,
        "people_updated": 0,
        "people_moved": 0,
        "unchanged": 10,
    }
    assert db_state() == state_before
    assert dict(OrgUnit.objects.values_list("code", "updated_at")) == units_before
    assert dict(OrgUnit.objects.values_list("code", "path")) == paths_before
    assert (
        dict(LearnerProfile.objects.values_list("id_number", "updated_at"))
        == people_before
    )
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def fixture_people_rows(people) -> dict[str, list]:
    """The `people` fixture as roster rows, keyed by unit code."""
    return {
        code: [p.id_number, p.real_name, "民警", "教育矫治岗", code, ""]
        for code, p in people.items()
    }


def test_person_whose_unit_changed_is_moved_and_keeps_the_history(
    province, people, tmp_path
):
    rows = fixture_people_rows(people)
    mover = people["F1-B1"]
    rows["F1-B1"][4] = "F2-B1"
    rows["F1-C1"][1] = "改了名字"  # a detail changes, the unit does not
    counts = import_file(roster_xlsx(tmp_path, units=[], people=list(rows.values())))

    assert counts["people_moved"] == 1
    assert counts["people_updated"] == 1
    assert counts["unchanged"] == 2
    mover.refresh_from_db()
    assert mover.unit.code == "F2-B1"
    stays = list(mover.memberships.order_by("started_on", "id"))
    assert [(s.unit.code, s.started_on, s.ended_on) for s in stays] == [
        ("F1-B1", date(2024, 1, 1), ON_DATE),
        ("F2-B1", ON_DATE, None),
    ]
    assert stays[1].source == MembershipSource.ROSTER_IMPORT
    renamed = people["F1-C1"]
    renamed.refresh_from_db()
    assert renamed.real_name == "改了名字"
    assert renamed.memberships.count() == 1, "a new name is not a move"


def test_blank_phone_keeps_the_phone_the_system_has(province, people, tmp_path):
    person = people["F1-B1"]
    LearnerProfile.objects.filter(pk=person.pk).update(phone="13811112222")
    row = fixture_people_rows(people)["F1-B1"]
    counts = import_file(roster_xlsx(tmp_path, units=[], people=[row]))
    assert counts["unchanged"] == 1
    person.refresh_from_db()
    assert person.phone == "13811112222"


def test_unit_moved_to_another_facility_takes_its_people_along(
    province, people, tmp_path
):
    units = [["F1-B1", "改隶二所的大队", "F2", "大队"]]
    counts = import_file(roster_xlsx(tmp_path, units=units, people=[]))
    assert counts["units_moved"] == 1
    brigade = OrgUnit.objects.get(code="F1-B1")
    assert (brigade.parent_code, brigade.name) == ("F2", "改隶二所的大队")
    assert tree_problems() == []
    f2 = OrgUnit.objects.get(code="F2")
    assert set(
        LearnerProfile.objects.in_subtree_of(f2).values_list("unit__code", flat=True)
    ) == {"F1-B1", "F2-B1"}
    assert OrgUnit.objects.get(code="F1").get_children_count() == 1


def test_units_can_swap_places_in_one_file(province, tmp_path):
    # F1-B1 becomes a facility under B, and F1-C1 a centre under it.
    units = [
        ["F1-C1", "心理矫治中心", "F1-B1", "专业中心"],
        ["F1-B1", "新设的所", "B", "戒毒所"],
    ]
    counts = import_file(roster_xlsx(tmp_path, units=units, people=[]))
    assert counts["units_moved"] == 2
    assert OrgUnit.objects.get(code="F1-C1").parent_code == "F1-B1"
    assert OrgUnit.objects.get(code="F1-B1").parent_code == "B"
    assert tree_problems() == []


def test_units_missing_from_the_file_are_left_alone(province, tmp_path):
    import_file(
        roster_xlsx(tmp_path, units=[["F1-B2", "一所二大队", "F1", "大队"]], people=[])
    )
    assert OrgUnit.objects.count() == len(province) + 1
    assert OrgUnit.objects.get(code="F2-B1").name == "二所一大队"


# --------------------------------------------------------------- row problems

EXTRA_UNIT_ROW = 8  # the row after GOOD_UNITS
UNIT_CASES = {
    "empty code": (["", "政治处", "NB", "科室"], "单位编码", "单位编码不能为空。"),
    "empty name": (["NB-K1", "", "NB", "科室"], "单位名称", "单位名称不能为空。"),
    "duplicate code": (
        ["NB-F1", "又一个一所", "NB", "戒毒所"],
        "单位编码",
        "单位编码“NB-F1”与第 4 行重复，同一单位只能填写一行。",
    ),
    "unknown kind": (
        ["NB-K1", "政治处", "NB", "处"],
        "单位类型",
        "单位类型“处”无法识别",
    ),
    "empty kind": (["NB-K1", "政治处", "NB", ""], "单位类型", "单位类型不能为空"),
    "unknown parent": (
        ["NB-K1", "政治处", "F9", "科室"],
        "上级单位编码",
        "上级单位编码“F9”在文件和系统中都不存在。",
    ),
    "brigade under a bureau": (
        ["NB-D9", "九大队", "NB", "大队"],
        "上级单位编码",
        "大队的上级单位应为戒毒所，但“NB”是戒毒管理局。",
    ),
    "facility without parent": (
        ["NB-F9", "九所", "", "戒毒所"],
        "上级单位编码",
        "戒毒所必须填写上级单位编码（上级应为戒毒管理局）。",
    ),
    "own parent": (
        ["NB-K1", "政治处", "NB-K1", "科室"],
        "上级单位编码",
        "单位“NB-K1”的上级单位编码填成了它自己",
    ),
}


@pytest.mark.parametrize("case", UNIT_CASES, ids=list(UNIT_CASES))
def test_bad_unit_row_is_reported_with_row_and_column_and_nothing_is_written(
    db, tmp_path, case
):
    row, column, message = UNIT_CASES[case]
    errors = import_errors(roster_xlsx(tmp_path, units=[*GOOD_UNITS, row]))
    assert where(errors) == [("单位", EXTRA_UNIT_ROW, column)]
    assert message in errors[0].message
    assert db_state()["units"] == 0


PERSON_CASES = {
    "empty id": (1, 0, "", "编号", "编号不能为空。"),
    "duplicate id": (3, 0, "320101", "编号", "编号“320101”与第 2 行重复"),
    "empty name": (2, 1, "", "姓名", "姓名不能为空。"),
    "unknown identity": (1, 2, "保安", "身份类型", "身份类型“保安”无法识别"),
    "unknown position": (3, 3, "厨师", "岗位", "岗位“厨师”不在岗位目录中。"),
    "empty position": (3, 3, "", "岗位", "岗位不能为空。"),
    "unknown unit": (
        0,
        4,
        "NB-F1-D9",
        "单位编码",
        "单位编码“NB-F1-D9”在文件和系统中都不存在。",
    ),
    "short phone": (1, 5, "1380000000", "手机号", "应为 11 位数字并以 1 开头"),
    "phone not starting with 1": (1, 5, "23800000000", "手机号", "应为 11 位数字"),
    "id that cannot be a login name": (1, 0, "32 01/02", "编号", "含有不允许的字符"),
}


@pytest.mark.parametrize("case", PERSON_CASES, ids=list(PERSON_CASES))
def test_bad_person_row_is_reported_with_row_and_column_and_nothing_is_written(
    db, tmp_path, case
):
    index, column_index, value, column, message = PERSON_CASES[case]
    people = rows_copy(GOOD_PEOPLE)
    people[index][column_index] = value
    errors = import_errors(roster_xlsx(tmp_path, people=people))
    assert where(errors) == [("人员", index + 2, column)]
    assert message in errors[0].message
    assert db_state() == {"units": 0, "people": 0, "memberships": 0, "users": 0}


def test_error_reads_as_a_sentence_naming_sheet_row_and_column(db, tmp_path):
    people = rows_copy(GOOD_PEOPLE)
    people[3][3] = "厨师"
    (error,) = import_errors(roster_xlsx(tmp_path, people=people))
    assert str(error) == "人员 第 5 行（岗位）：岗位“厨师”不在岗位目录中。"


def test_every_bad_row_is_reported_at_once(db, tmp_path):
    units = rows_copy(GOOD_UNITS)
    units[3][3] = "处"  # row 5
    people = rows_copy(GOOD_PEOPLE)
    people[0][5] = "12345"  # row 2
    people[2][3] = "厨师"  # row 4
    errors = import_errors(roster_xlsx(tmp_path, units=units, people=people))
    assert where(errors) == [
        ("单位", 5, "单位类型"),
        ("人员", 2, "手机号"),
        ("人员", 4, "岗位"),
    ]


def test_a_row_with_several_problems_reports_each(db, tmp_path):
    people = rows_copy(GOOD_PEOPLE) + [["", "", "保安", "厨师", "X9", "1"]]
    errors = import_errors(roster_xlsx(tmp_path, people=people))
    assert where(errors) == [
        ("人员", 6, "编号"),
        ("人员", 6, "姓名"),
        ("人员", 6, "身份类型"),
        ("人员", 6, "岗位"),
        ("人员", 6, "单位编码"),
        ("人员", 6, "手机号"),
    ]


def test_cycle_among_parents_is_reported_on_each_unit_in_it(db, tmp_path):
    units = [
        *GOOD_UNITS,
        ["X1", "甲办", "X2", "禁毒办"],
        ["X2", "乙办", "X1", "禁毒办"],
    ]
    errors = import_errors(roster_xlsx(tmp_path, units=units))
    assert where(errors) == [("单位", 8, "上级单位编码"), ("单位", 9, "上级单位编码")]
    assert "X1 → X2 → X1" in errors[0].message
    assert all("循环" in e.message for e in errors)


def test_moving_a_unit_under_its_own_child_is_a_cycle(province, tmp_path):
    errors = import_errors(
        roster_xlsx(tmp_path, units=[["F1", "第一所", "F1-B1", "戒毒所"]], people=[])
    )
    assert where(errors) == [("单位", 2, "上级单位编码")]
    assert "循环" in errors[0].message


def test_kind_change_that_would_orphan_children_in_the_system_is_refused(
    province, tmp_path
):
    # 禁毒办 C1 has a station under it; a station may not sit under a 科室.
    errors = import_errors(
        roster_xlsx(tmp_path, units=[["C1", "某市禁毒办", "B", "科室"]], people=[])
    )
    assert where(errors) == [("单位", 2, "单位类型")]
    assert "某街道工作站" in errors[0].message
    assert OrgUnit.objects.get(code="C1").kind == UnitKind.COMMUNITY_OFFICE


def test_id_number_already_used_as_a_login_name_is_refused(db, tmp_path):
    UserFactory(username="320102")
    errors = import_errors(roster_xlsx(tmp_path))
    assert where(errors) == [("人员", 3, "编号")]
    assert "登录名" in errors[0].message


def test_inactive_position_is_refused_for_new_people_but_kept_for_existing(
    province, people, tmp_path
):
    Position.objects.filter(code="education").update(is_active=False)
    existing = list(fixture_people_rows(people).values())
    counts = import_file(roster_xlsx(tmp_path, units=[], people=existing))
    assert counts["unchanged"] == 4

    new = [["330001", "新人", "民警", "教育矫治岗", "F1-B1", ""]]
    errors = import_errors(roster_xlsx(tmp_path, units=[], people=new, name="new.xlsx"))
    assert where(errors) == [("人员", 2, "岗位")]
    assert "已停用" in errors[0].message


# ---------------------------------------------------------- file-level problems


def zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


def truncated_workbook(tmp_path) -> bytes:
    return roster_xlsx(tmp_path, name="whole.xlsx").read_bytes()[:300]


FILE_CASES = {
    "GBK CSV": (
        lambda tmp: people_csv(encoding="gbk"),
        "这是 GBK 编码的 CSV 文件，不是 Excel 工作簿。请在 Excel 中打开后另存为"
        "“Excel 工作簿（*.xlsx）”再导入。",
    ),
    "UTF-8 CSV": (lambda tmp: people_csv(encoding="utf-8-sig"), "CSV 文本文件"),
    "PDF": (lambda tmp: PDF_BYTES, "不是 Excel 工作簿（.xlsx），而是 PDF 文件"),
    "old .xls": (lambda tmp: XLS_BYTES, "旧版 Excel 97-2003 工作簿（.xls）"),
    "random bytes": (lambda tmp: RANDOM_BYTES, "不是 Excel 工作簿（.xlsx）"),
    "empty file": (lambda tmp: b"", "是空的"),
    "truncated zip": (truncated_workbook, "已损坏"),
    "zip that is not a workbook": (
        lambda tmp: zip_without_workbook(),
        "无法作为 Excel 工作簿读取",
    ),
}


@pytest.mark.parametrize("case", FILE_CASES, ids=list(FILE_CASES))
def test_file_that_is_not_an_xlsx_roster_gets_one_clear_chinese_error(
    db, tmp_path, case
):
    make, expected = FILE_CASES[case]
    path = bytes_write(tmp_path, "roster.xlsx", make(tmp_path))
    with pytest.raises(RosterInvalid) as caught:
        roster_read(file=path)
    (error,) = caught.value.errors
    assert (error.sheet, error.row, error.column) == (None, None, None)
    assert expected in error.message
    assert "请" in error.message, "the message tells the user what to do"


def test_xls_and_csv_messages_ask_to_save_as_xlsx(db, tmp_path):
    for data in (XLS_BYTES, people_csv(encoding="utf-8")):
        with pytest.raises(RosterInvalid) as caught:
            roster_read(file=io.BytesIO(data), filename="花名册.xls")
        assert "另存为“Excel 工作簿（*.xlsx）”" in caught.value.errors[0].message


def test_wrong_sheet_names_say_what_was_expected_and_what_was_found(db, tmp_path):
    path = roster_xlsx(tmp_path, sheet_names=("Sheet1", "人员"))
    with pytest.raises(RosterInvalid) as caught:
        roster_read(file=path)
    (error,) = caught.value.errors
    assert "“单位”和“人员”" in error.message
    assert "缺少“单位”" in error.message
    assert "“Sheet1”" in error.message


def test_missing_required_column_is_named(db, tmp_path):
    header = [c for c in PEOPLE_HEADER if c != "岗位"]
    people = [[v for i, v in enumerate(row) if i != 3] for row in GOOD_PEOPLE]
    with pytest.raises(RosterInvalid) as caught:
        roster_read(file=roster_xlsx(tmp_path, people=people, people_header=header))
    assert where(caught.value.errors) == [("人员", 1, "岗位")]
    assert "缺少“岗位”列" in caught.value.errors[0].message


def test_missing_columns_in_both_sheets_are_all_reported(db, tmp_path):
    path = roster_xlsx(
        tmp_path,
        unit_header=["单位编码", "名称", "上级单位编码", "单位类型"],
        people_header=["工号", "姓名", "身份类型", "岗位", "单位编码", "手机号"],
    )
    with pytest.raises(RosterInvalid) as caught:
        roster_read(file=path)
    assert where(caught.value.errors) == [("单位", 1, "单位名称"), ("人员", 1, "编号")]


def test_workbook_without_any_rows_is_refused(db, tmp_path):
    with pytest.raises(RosterInvalid) as caught:
        roster_read(file=roster_xlsx(tmp_path, units=[], people=[]))
    assert "没有数据" in caught.value.errors[0].message


def test_extra_sheets_are_ignored(db, tmp_path):
    path = workbook_write(
        tmp_path / "extra.xlsx",
        {
            "说明": [["随便写点什么"]],
            "单位": [UNIT_HEADER, *GOOD_UNITS],
            "人员": [PEOPLE_HEADER, *GOOD_PEOPLE],
        },
    )
    assert import_file(path)["people_created"] == 4


# --------------------------------------------------- failure halfway through


def fail_on_call(monkeypatch, name: str, n: int) -> None:
    real = getattr(roster_writes, name)
    calls = {"count": 0}

    def flaky(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] == n:
            raise RuntimeError("数据库连接中断")
        return real(*args, **kwargs)

    monkeypatch.setattr(roster_writes, name, flaky)


def test_failure_during_moves_leaves_nothing_partial(
    province, people, tmp_path, monkeypatch
):
    rows = fixture_people_rows(people)
    for code, target in [("F1-B1", "F1-B9"), ("F1-C1", "F1-B9"), ("F2-B1", "F1-B9")]:
        rows[code][4] = target
    units = [
        ["F1-B9", "一所九大队", "F1", "大队"],
        ["F1-B1", "一所一大队（改名）", "F1", "大队"],
    ]
    new = [["330001", "新人", "民警", "管理岗", "F1-B9", ""]]
    path = roster_xlsx(tmp_path, units=units, people=[*rows.values(), *new])
    fail_on_call(monkeypatch, "learner_move", 2)
    before = db_state()

    with pytest.raises(RuntimeError):
        import_file(path)

    assert db_state() == before
    assert not OrgUnit.objects.filter(code="F1-B9").exists()
    assert OrgUnit.objects.get(code="F1-B1").name == "一所一大队"
    first = LearnerProfile.objects.get(pk=people["F1-B1"].pk)
    assert first.unit.code == "F1-B1", "the first move was rolled back too"
    assert first.memberships.get().ended_on is None
    assert tree_problems() == []


def test_failure_while_creating_people_leaves_nothing_partial(
    province, tmp_path, monkeypatch
):
    many = [
        [f"4{n:05d}", f"学员{n}", "民警", "管理岗", "F1-B1", ""]
        for n in range(roster_writes.BULK_BATCH_SIZE + 20)
    ]
    path = roster_xlsx(
        tmp_path, units=[["F1-B9", "一所九大队", "F1", "大队"]], people=many
    )
    fail_on_call(monkeypatch, "_people_create", 2)  # the second batch
    before = db_state()
    with pytest.raises(RuntimeError):
        import_file(path)
    assert db_state() == before
    assert not OrgUnit.objects.filter(code="F1-B9").exists()


# ----------------------------------------------------------------------- scope


def other_bureau():
    bureau = unit_create(code="B2", name="另一省戒毒管理局", kind=UnitKind.BUREAU)
    facility = unit_create(
        code="B2-F1", name="另一省第一所", kind=UnitKind.FACILITY, parent=bureau
    )
    return OrgUnit.objects.get(pk=bureau.pk), OrgUnit.objects.get(pk=facility.pk)


def test_facility_admin_may_not_import(province, facility_admin, tmp_path):
    path = roster_xlsx(
        tmp_path, units=[], people=[["330001", "新人", "民警", "管理岗", "F1-B1", ""]]
    )
    errors = import_errors(path, importer=facility_admin)
    assert where(errors) == [(None, None, None)]
    assert "没有导入花名册的权限" in errors[0].message


def test_bureau_admin_imports_within_the_bureau(province, bureau_admin, tmp_path):
    units = [
        ["B", "某省戒毒管理局", "", "戒毒管理局"],  # listed unchanged: allowed
        ["F1-B2", "一所二大队", "F1", "大队"],
    ]
    people = [["330001", "新人", "民警", "管理岗", "F1-B2", ""]]
    counts = import_file(
        roster_xlsx(tmp_path, units=units, people=people), importer=bureau_admin
    )
    assert (counts["units_created"], counts["people_created"], counts["unchanged"]) == (
        1,
        1,
        1,
    )
    membership = UnitMembership.objects.get(learner__id_number="330001")
    assert membership.recorded_by == bureau_admin


def test_bureau_admin_cannot_place_people_outside_the_bureau(
    province, bureau_admin, tmp_path
):
    other_bureau()
    people = [
        ["330001", "新人", "民警", "管理岗", "F1-B1", ""],
        ["330002", "外省人", "民警", "管理岗", "B2-F1", ""],
    ]
    errors = import_errors(
        roster_xlsx(tmp_path, units=[], people=people), importer=bureau_admin
    )
    assert where(errors) == [("人员", 3, "单位编码")]
    assert "不在你的管理范围内" in errors[0].message


def test_bureau_admin_cannot_take_a_person_from_another_bureau(
    province, bureau_admin, tmp_path
):
    _, facility = other_bureau()
    outsider = LearnerFactory(unit=facility, id_number="990001")
    people = [["990001", outsider.real_name, "民警", "教育矫治岗", "F1-B1", ""]]
    errors = import_errors(
        roster_xlsx(tmp_path, units=[], people=people), importer=bureau_admin
    )
    assert where(errors) == [("人员", 2, "编号")]
    assert errors[0].message == "编号“990001”属于其他单位，无权调整。"
    outsider.refresh_from_db()
    assert outsider.unit.code == "B2-F1"


SCOPE_UNIT_CASES = {
    "new top-level unit": (
        ["NB", "新局", "", "戒毒管理局"],
        "上级单位编码",
        "只有系统管理员",
    ),
    "renaming the bureau itself": (
        ["B", "改名的局", "", "戒毒管理局"],
        "单位编码",
        "只能原样列出",
    ),
    "unit under another bureau": (
        ["B2-F2", "外省二所", "B2", "戒毒所"],
        "上级单位编码",
        "不在你的管理范围内",
    ),
    "taking another bureau's unit": (
        ["B2-F1", "外省第一所", "B", "戒毒所"],
        "单位编码",
        "无权调整",
    ),
    "moving own unit to another bureau": (
        ["F2", "第二强制隔离戒毒所", "B2", "戒毒所"],
        "上级单位编码",
        "不在你的管理范围内",
    ),
}


@pytest.mark.parametrize("case", SCOPE_UNIT_CASES, ids=list(SCOPE_UNIT_CASES))
def test_bureau_admin_cannot_change_units_outside_the_bureau(
    province, bureau_admin, tmp_path, case
):
    other_bureau()
    row, column, message = SCOPE_UNIT_CASES[case]
    errors = import_errors(
        roster_xlsx(tmp_path, units=[row], people=[]), importer=bureau_admin
    )
    assert where(errors) == [("单位", 2, column)]
    assert message in errors[0].message


def test_scope_errors_come_with_the_other_errors_of_the_row_and_not_twice(
    province, bureau_admin, tmp_path
):
    other_bureau()
    units = [["F1-B9", "九大队", "F9", "大队"]]  # unknown parent: one error, not two
    people = [["330001", "外省人", "民警", "厨师", "B2-F1", ""]]
    errors = import_errors(
        roster_xlsx(tmp_path, units=units, people=people), importer=bureau_admin
    )
    assert where(errors) == [
        ("单位", 2, "上级单位编码"),
        ("人员", 2, "岗位"),
        ("人员", 2, "单位编码"),
    ]


def test_superuser_and_system_runs_have_full_rights(province, tmp_path):
    other_bureau()
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    units = [["NB", "新局", "", "戒毒管理局"], ["B2-F1", "改隶的所", "NB", "戒毒所"]]
    path = roster_xlsx(tmp_path, units=units, people=[])
    counts = import_file(path, importer=root)
    assert (counts["units_created"], counts["units_moved"]) == (1, 1)
    assert OrgUnit.objects.get(code="B2-F1").parent_code == "NB"


# -------------------------------------------------------------------- the job


@pytest.fixture
def job_for(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"

    def make(path: Path, *, uploaded_by=None) -> RosterImport:
        job = RosterImport(original_name=path.name, uploaded_by=uploaded_by)
        job.file.save(path.name, ContentFile(path.read_bytes()), save=True)
        return job

    return make


def test_job_succeeds_with_summary_and_full_progress(
    province, bureau_admin, tmp_path, job_for
):
    units = [["F1-B2", "一所二大队", "F1", "大队"]]
    people = [
        ["330001", "孙丽", "民警", "管理岗", "F1-B2", ""],
        ["330002", "周强", "民警", "执法管理岗", "F1-B2", "13700000001"],
    ]
    job = job_for(
        roster_xlsx(tmp_path, units=units, people=people), uploaded_by=bureau_admin
    )

    roster_import_process(roster_import_id=job.pk)

    job.refresh_from_db()
    assert job.status == RosterImport.Status.SUCCEEDED
    assert job.summary == {
        "units_created": 1,
        "units_updated": 0,
        "units_moved": 0,
        "people_created": 2,
        "people_updated": 0,
        "people_moved": 0,
        "unchanged": 0,
    }
    assert (job.progress_done, job.progress_total, job.percent) == (3, 3, 100)
    assert job.errors == []
    assert job.finished_at is not None
    memberships = UnitMembership.objects.filter(roster_import=job)
    assert memberships.count() == 2
    assert {m.recorded_by for m in memberships} == {bureau_admin}


def test_job_with_bad_rows_fails_with_every_error_and_writes_nothing(
    province, bureau_admin, tmp_path, job_for
):
    people = [
        ["330001", "孙丽", "民警", "厨师", "F1-B1", ""],
        ["330002", "周强", "保安", "管理岗", "F1-B1", ""],
    ]
    job = job_for(
        roster_xlsx(tmp_path, units=[], people=people), uploaded_by=bureau_admin
    )
    before = db_state()

    roster_import_process(roster_import_id=job.pk)

    job.refresh_from_db()
    assert job.status == RosterImport.Status.FAILED
    assert job.errors == [
        {
            "sheet": "人员",
            "row": 2,
            "column": "岗位",
            "message": "岗位“厨师”不在岗位目录中。",
        },
        {
            "sheet": "人员",
            "row": 3,
            "column": "身份类型",
            "message": "身份类型“保安”无法识别，可填：民警、社区禁毒专干、禁毒志愿者。",
        },
    ]
    assert job.finished_at is not None
    assert db_state() == before


def test_job_with_a_file_that_is_not_a_workbook_fails(db, tmp_path, job_for):
    job = job_for(bytes_write(tmp_path, "名单.xlsx", PDF_BYTES))
    roster_import_process(roster_import_id=job.pk)
    job.refresh_from_db()
    assert job.status == RosterImport.Status.FAILED
    assert "PDF" in job.errors[0]["message"]
    assert job.errors[0]["row"] is None


def test_job_crash_is_recorded_as_failed_and_raised(db, tmp_path, job_for, monkeypatch):
    job = job_for(roster_xlsx(tmp_path))

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(roster_job, "roster_apply", broken)
    with pytest.raises(RuntimeError):
        roster_import_process(roster_import_id=job.pk)
    job.refresh_from_db()
    assert job.status == RosterImport.Status.FAILED
    assert job.errors == [
        {"sheet": None, "row": None, "column": None, "message": GENERIC_FAILURE}
    ]
    assert job.finished_at is not None


def test_job_records_progress_every_few_hundred_rows_not_every_row(
    province, tmp_path, job_for, monkeypatch
):
    people = [
        [f"5{n:05d}", f"学员{n}", "民警", "管理岗", "F1-B1", ""] for n in range(450)
    ]
    path = roster_xlsx(tmp_path, units=[], people=people)
    import_file(path)  # the job then re-checks 450 unchanged people, row by row
    saved = []
    monkeypatch.setattr(
        cms_jobs,
        "job_progress_store",
        lambda *, model, pk, done, total: saved.append((done, total)),
    )
    job = job_for(path)
    roster_import_process(roster_import_id=job.pk)
    assert saved == [(200, 450), (400, 450), (450, 450)]
    job.refresh_from_db()
    assert job.summary["unchanged"] == 450
    assert job.percent == 100


def test_finished_job_is_not_run_twice(db, tmp_path, job_for):
    job = job_for(roster_xlsx(tmp_path))
    roster_import_process(roster_import_id=job.pk)
    roster_import_process(roster_import_id=job.pk)
    assert UnitMembership.objects.count() == 4


# -------------------------------------------------------------------- command


def run_import(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_roster", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports_a_good_file_and_prints_the_summary(db, tmp_path):
    out, err = run_import(roster_xlsx(tmp_path), "--date", "2024-06-30")
    assert "导入完成" in out
    assert "新建单位 6 个" in out and "新建人员 4 名" in out
    assert "100%" in err, "a progress bar is drawn on stderr"
    assert db_state()["people"] == 4
    assert set(UnitMembership.objects.values_list("started_on", flat=True)) == {
        date(2024, 6, 30)
    }


def test_command_dry_run_reports_what_would_change_and_writes_nothing(db, tmp_path):
    out, _ = run_import(roster_xlsx(tmp_path), "--dry-run")
    assert "检查通过" in out and "新建人员 4 名" in out
    assert db_state() == {"units": 0, "people": 0, "memberships": 0, "users": 0}


def test_command_lists_every_error_and_fails(db, tmp_path):
    people = rows_copy(GOOD_PEOPLE)
    people[3][3] = "厨师"
    people[1][5] = "123"
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="导入失败，共 2 处错误，未写入任何数据。"):
        call_command(
            "import_roster",
            str(roster_xlsx(tmp_path, people=people)),
            stdout=out,
            stderr=err,
        )
    lines = err.getvalue().splitlines()
    assert "人员 第 5 行（岗位）：岗位“厨师”不在岗位目录中。" in lines
    assert any(line.startswith("人员 第 3 行（手机号）：") for line in lines)
    assert db_state()["units"] == 0


def test_command_rejects_a_file_that_is_not_a_workbook(db, tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError, match="共 1 处错误"):
        call_command(
            "import_roster",
            str(bytes_write(tmp_path, "名单.xlsx", PDF_BYTES)),
            stderr=err,
        )
    assert "PDF" in err.getvalue()


def test_command_exit_status_is_non_zero_on_errors(db, tmp_path):
    with pytest.raises(CommandError) as caught:
        call_command("import_roster", str(tmp_path / "missing.xlsx"))
    assert caught.value.returncode == 1
    assert "找不到文件" in str(caught.value)


def test_command_refuses_a_malformed_date(db, tmp_path):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("import_roster", str(roster_xlsx(tmp_path)), "--date", "2024/6/30")


# ------------------------------------------------------------------- template


def test_shipped_template_imports_into_an_empty_database(db):
    assert OrgUnit.objects.count() == 0
    counts = roster_apply(roster=roster_read(file=TEMPLATE))
    assert counts["units_created"] == 3
    assert counts["people_created"] == 2
    assert tree_problems() == []


def test_template_command_writes_sheets_columns_and_the_position_list(db, tmp_path):
    output = tmp_path / "template.xlsx"
    call_command("make_roster_template", "--output", str(output), stdout=io.StringIO())
    workbook = load_workbook(output)
    assert workbook.sheetnames == ["单位", "人员", "说明"]
    assert [c.value for c in workbook["单位"][1]] == UNIT_HEADER
    assert [c.value for c in workbook["人员"][1]] == PEOPLE_HEADER
    assert all(c.font.bold for c in workbook["人员"][1])
    notes = {
        str(c.value) for row in workbook["说明"].iter_rows() for c in row if c.value
    }
    for position in Position.objects.filter(is_active=True):
        assert position.name in notes
    for label in ["戒毒管理局", "社区康复工作站", "民警", "禁毒志愿者"]:
        assert label in notes
    assert roster_validate(roster=roster_read(file=output)) == []
