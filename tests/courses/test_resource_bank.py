"""The generated resource bank: deterministic, valid, imported through the lesson
import, and findable by Chinese search."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cms.demo import demo_home_page_load
from courses.demo import demo_content_load
from courses.models import LessonPage, Position, Programme
from courses.models.pages import LessonFormat
from courses.resource_bank import (
    PROGRAMMES,
    TOPICS_VOCABULARY,
    resource_bank_demo_load,
    resource_bank_generate,
    resource_bank_load,
)
from courses.services.lessons import lessons_from_records, lessons_validate


@pytest.fixture
def bank(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return demo_content_load(home=demo_home_page_load(), textbook_dir=None)["bank"]


def test_same_seed_gives_the_same_bank_and_another_seed_another():
    assert resource_bank_generate(count=40, seed=7) == resource_bank_generate(
        count=40, seed=7
    )
    assert resource_bank_generate(count=40, seed=7) != resource_bank_generate(
        count=40, seed=8
    )


def test_lesson_n_is_the_same_whatever_the_count():
    """The demo's lessons are the first lessons of the full bank."""
    assert resource_bank_generate(count=60) == resource_bank_generate(count=300)[:60]


def test_generated_rows_have_the_count_and_valid_values(db):
    rows = resource_bank_generate(count=1500, seed=3)
    assert len(rows) == 1500
    assert len({row["编码"] for row in rows}) == 1500
    assert len({row["标题"] for row in rows}) == 1500
    positions = set(Position.objects.values_list("name", flat=True))
    programmes = {f"{p.code}|{p.name}" for p in PROGRAMMES}
    labels = {str(f.label) for f in LessonFormat}
    for row in rows:
        hours = Decimal(str(row["课时"]))
        assert 0 < hours <= 20 and hours % Decimal("0.5") == 0, row
        assert isinstance(row["时长（分钟）"], int)
        assert 1 <= row["时长（分钟）"] <= 600, row
        assert set(row["适用岗位"].split("、")) <= positions, row
        assert set(row["专题"].split("、")) <= set(TOPICS_VOCABULARY), row
        assert row["教育项目"] in programmes
        assert row["形式"] in labels
        assert row["标题"] and row["内容提要"]
        assert len(row["正文"].split("\n")) >= 4  # several paragraphs
    assert {row["形式"] for row in rows} == labels
    assert len({row["教育项目"] for row in rows}) == 40


def test_the_forty_programmes_and_the_domain_words_are_there():
    assert len(PROGRAMMES) == 40
    assert len({p.code for p in PROGRAMMES}) == len({p.name for p in PROGRAMMES}) == 40
    names = {p.name for p in PROGRAMMES}
    assert {"正念防复发", "内观疗法", "运动戒毒", "中医药戒毒", "经颅磁刺激"} <= names
    assert {"VR渴求评估与矫正", "动机访谈", "家庭治疗", "认知行为治疗"} <= names
    assert {"职业技能培训", "法治教育", "心理健康教育"} <= names
    bodies = [row["正文"] for row in resource_bank_generate(count=300)]
    for word in ("美沙酮", "纳洛酮", "正念防复发", "四期四区"):
        assert any(word in body for body in bodies), word


def test_generated_rows_pass_the_import_checks(bank):
    sheet = lessons_from_records(records=resource_bank_generate(count=400, seed=5))
    assert lessons_validate(sheet=sheet, bank=bank) == []


def test_loading_goes_through_the_import_and_is_idempotent(bank):
    first = resource_bank_load(bank=bank, count=25, seed=2)
    assert first.created == 25
    assert Programme.objects.count() == len(first.programmes_created) > 0
    again = resource_bank_load(bank=bank, count=40, seed=2)
    assert (again.created, again.updated, again.unchanged) == (15, 0, 25)
    lesson = LessonPage.objects.get(code="ZYK-00001")
    row = resource_bank_generate(count=1, seed=2)[0]
    assert lesson.title == row["标题"]
    assert lesson.get_parent().specific == bank
    assert lesson.minutes == row["时长（分钟）"]
    assert {p.name for p in lesson.target_positions.all()} == set(
        row["适用岗位"].split("、")
    )


def test_demo_load_adds_the_first_sixty_lessons_once(bank):
    assert resource_bank_demo_load(bank=bank).created == 60
    assert resource_bank_demo_load(bank=bank).unchanged == 60
    assert LessonPage.objects.child_of(bank).live().count() == 60


def test_xlsx_written_by_the_command_imports_to_the_same_lessons(bank, tmp_path):
    path = tmp_path / "bank.xlsx"
    call_command(
        "generate_resource_bank", "--lessons", "30", "--seed", "4", "--out", path
    )
    call_command("import_lessons", str(path))
    assert LessonPage.objects.count() == 30
    revisions = {p.pk: p.latest_revision_id for p in LessonPage.objects.all()}
    # Loading the same bank directly finds nothing to change: the file is exact.
    call_command("generate_resource_bank", "--lessons", "30", "--seed", "4")
    assert {p.pk: p.latest_revision_id for p in LessonPage.objects.all()} == revisions


def test_command_refuses_a_non_positive_count_and_a_wrong_extension(bank, tmp_path):
    with pytest.raises(CommandError, match="--lessons 应为正整数"):
        call_command("generate_resource_bank", "--lessons", "0")
    with pytest.raises(CommandError, match=r"\.xlsx 结尾"):
        call_command("generate_resource_bank", "--out", str(tmp_path / "bank.csv"))


@pytest.mark.parametrize("word", ["美沙酮", "纳洛酮", "正念防复发", "四期四区"])
def test_search_finds_every_generated_lesson_containing_a_word(
    bank, client, django_capture_on_commit_callbacks, word
):
    with django_capture_on_commit_callbacks(execute=True):
        resource_bank_load(bank=bank, count=60)
    expected = {
        page.pk for page in LessonPage.objects.live() if word in page.plain_text()
    }
    assert expected, f"the first 60 lessons should mention {word}"

    response = client.get(reverse("search"), {"q": word, "kind": "lesson"})

    outcome = response.context["outcome"]
    assert outcome.page.paginator.count == len(expected)
    found = {hit.page.pk for hit in outcome.hits}
    assert found and found <= expected
    assert f"<mark>{word}</mark>" in response.content.decode()


def test_search_index_is_written_for_every_lesson_beyond_the_first_chunk(
    bank, client, django_capture_on_commit_callbacks, monkeypatch
):
    from courses.services.lessons import search_index

    monkeypatch.setattr(search_index, "INDEX_CHUNK_SIZE", 7)
    with django_capture_on_commit_callbacks(execute=True):
        resource_bank_load(bank=bank, count=30)
    for page in LessonPage.objects.all():
        response = client.get(reverse("search"), {"q": page.title, "kind": "lesson"})
        found = {hit.page.pk for hit in response.context["outcome"].hits}
        assert page.pk in found, page.title
