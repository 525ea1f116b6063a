"""Demo data of the training domain, loaded by `manage.py load_demo`.

The organisation tree and people go through the same roster import a bureau
administrator uses, so the demo exercises the real path and stays idempotent.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from courses.authoring import REVIEWERS_GROUP, authoring_setup, section_editors_grant
from courses.catalogue import catalogue_ensure
from courses.models import LearnerProfile, OrgUnit
from courses.models.roles import Role
from courses.services.roles import role_grant
from courses.services.roster import roster_apply, roster_from_records

DEMO_ROSTER = Path(settings.BASE_DIR) / "fixtures" / "demo" / "roster.json"
DEMO_PASSWORD = "Demo@2026"


@dataclass(frozen=True)
class Persona:
    username: str
    id_number: str
    label: str
    role: str | None = None
    role_unit: str | None = None


PERSONAS = [
    Persona("officer", "320001", "民警（一所一大队）"),
    Persona("worker", "SQ0001", "社区禁毒专干（城关街道工作站）"),
    Persona("trainer", "320002", "教员（一所教育矫正中心）", Role.TRAINER, "GD-S01"),
    Persona(
        "facility_admin",
        "320003",
        "单位管理员（第一强制隔离戒毒所）",
        Role.FACILITY_ADMIN,
        "GD-S01",
    ),
    Persona("bureau_admin", "320004", "戒毒管理局管理员", Role.BUREAU_ADMIN, "GD-JJ"),
]


@transaction.atomic
def demo_people_load(*, progress=None) -> dict[str, int]:
    catalogue_ensure()
    sheets = json.loads(DEMO_ROSTER.read_text(encoding="utf-8"))
    summary = roster_apply(roster=roster_from_records(sheets=sheets), progress=progress)
    for persona in PERSONAS:
        profile = LearnerProfile.objects.select_related("user").get(
            id_number=persona.id_number
        )
        user = profile.user
        if user.username != persona.username or not user.has_usable_password():
            user.username = persona.username
            user.set_password(DEMO_PASSWORD)
            user.save()
        if persona.role:
            role_grant(
                user=user,
                role=persona.role,
                unit=OrgUnit.objects.get(code=persona.role_unit),
            )
    return summary


TEXTBOOK_DIR = Path(settings.BASE_DIR) / "fixtures" / "textbook"
TEXTBOOK_TITLE = "社区禁毒专干培训教材"
TEXTBOOK_SUMMARY = (
    "面向社区禁毒专干的系统培训教材：毒品的种类与危害、禁毒法律法规、社区戒毒与社区康复"
    "工作程序、个案管理与复吸预防、心理支持、家庭工作、统一戒治模式与后续照管。"
)


@transaction.atomic
def demo_content_load(*, home, textbook_dir: Path | None = TEXTBOOK_DIR) -> dict:
    """The course catalogue with the textbook, and the (empty) resource bank.
    `textbook_dir=None` leaves the textbook out (tests build their own)."""
    from courses.models import CourseIndexPage, ResourceBankPage
    from courses.textbook import textbook_load

    catalogue = CourseIndexPage.objects.child_of(home).first()
    if catalogue is None:
        catalogue = CourseIndexPage(
            title="课程",
            slug="courses",
            intro="<p>按岗位分类培训的课程。每门课由若干章、课组成，学完计入学时。</p>",
        )
        home.add_child(instance=catalogue)
        catalogue.save_revision().publish()
    bank = ResourceBankPage.objects.child_of(home).first()
    if bank is None:
        bank = ResourceBankPage(
            title="教育资源库",
            slug="resources",
            intro="<p>全国戒毒教育资源库精品课程，可按教育项目、专题、岗位和形式筛选。</p>",
        )
        home.add_child(instance=bank)
        bank.save_revision().publish()
    textbook = None
    if textbook_dir is not None and any(textbook_dir.glob("[0-9]*.md")):
        textbook = textbook_load(
            index_page=catalogue,
            directory=textbook_dir,
            slug="textbook",
            title=TEXTBOOK_TITLE,
            summary=TEXTBOOK_SUMMARY,
            code_prefix="TB",
        )
    authoring_setup(catalogue=catalogue, bank=bank)
    _demo_authors(textbook)
    return {"catalogue": catalogue, "bank": bank, "textbook": textbook}


def _demo_authors(textbook) -> None:
    """The trainer writes the textbook's chapter 3 (community procedures); the
    bureau administrator reviews and publishes."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from courses.models import ChapterPage

    users = get_user_model().objects.in_bulk(
        ["trainer", "bureau_admin"], field_name="username"
    )
    if "bureau_admin" in users:
        users["bureau_admin"].groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    chapter = (
        ChapterPage.objects.child_of(textbook).filter(slug="chapter-03").first()
        if textbook
        else None
    )
    if chapter is not None and "trainer" in users:
        section_editors_grant(
            page=chapter, group_name="教材第三章编写组", users=[users["trainer"]]
        )
