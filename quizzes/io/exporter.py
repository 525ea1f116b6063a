"""Writing the bank (or one category and everything under it) to a file.

The same three formats the importer reads, written so that importing the file
into an empty bank gives the same questions back: Moodle XML with the images
embedded as base64, GIFT with our comment lines, and the Excel template.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from quizzes.io.importer import FORMAT_GIFT, FORMAT_XLSX, FORMAT_XML, FORMATS
from quizzes.io.types import OptionData, QuestionSpec
from quizzes.models import Category, Question, QuestionKind

CONTENT_TYPES = {
    FORMAT_XML: "application/xml; charset=utf-8",
    FORMAT_GIFT: "text/plain; charset=utf-8",
    FORMAT_XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FILE_EXTENSIONS = {FORMAT_XML: "xml", FORMAT_GIFT: "gift", FORMAT_XLSX: "xlsx"}


def questions_for_export(
    *, category: Category | None = None, include_inactive: bool = False
) -> QuerySet[Question]:
    """The questions to export, grouped by category, with what writing them reads."""
    questions = Question.objects.all()
    if category is not None:
        questions = questions.in_category(category)
    if not include_inactive:
        questions = questions.active()
    return (
        questions.select_related("category")
        .prefetch_related("options", "blank_answers", "knowledge_point_items__tag")
        .order_by("category__full_path", "id")
    )


def spec_from_question(question: Question) -> QuestionSpec:
    blanks: dict[int, list[str]] = {}
    for answer in question.blank_answers.all():
        if answer.text.strip():
            blanks.setdefault(answer.blank, []).append(answer.text.strip())
    choice = question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
    return QuestionSpec(
        position="",
        kind=question.kind,
        stem=question.stem,
        options=[
            OptionData(text=option.text, is_correct=option.is_correct)
            for option in question.options.all()
        ]
        if choice
        else [],
        blanks=[blanks[number] for number in sorted(blanks)],
        true_answer=question.true_answer,
        scoring=question.scoring,
        explanation=question.explanation,
        difficulty=question.difficulty,
        points=Decimal(question.points),
        category_path=question.category.full_path,
        knowledge_points=sorted(
            item.tag.name for item in question.knowledge_point_items.all()
        ),
        code=question.code,
    )


def _image_bytes(name: str) -> bytes | None:
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def questions_export_bytes(*, questions, file_format: str) -> bytes:
    """`questions` written in `file_format` (one of FORMATS)."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown format {file_format!r}")
    specs = [spec_from_question(question) for question in questions]
    if file_format == FORMAT_GIFT:
        from quizzes.io.gift import gift_write

        header = _("题目导出 · %(when)s · 共 %(n)s 题") % {
            "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "n": len(specs),
        }
        return gift_write(specs, header=header).encode("utf-8")
    if file_format == FORMAT_XML:
        from quizzes.io.moodle_xml import moodle_xml_write

        return moodle_xml_write(specs, image_bytes=_image_bytes)
    from quizzes.io.xlsx import xlsx_write

    return xlsx_write(specs)


def questions_export(
    *,
    file_format: str,
    out: BinaryIO | str | Path,
    category_path: str | None = None,
    include_inactive: bool = False,
) -> int:
    """Write the questions (of `category_path` and below, if given) to `out`.

    Returns how many questions were written. An unknown category path raises
    Category.DoesNotExist rather than silently exporting nothing.
    """
    category = None
    if category_path:
        category = Category.objects.get(full_path=category_path.strip().strip("/"))
    questions = list(
        questions_for_export(category=category, include_inactive=include_inactive)
    )
    data = questions_export_bytes(questions=questions, file_format=file_format)
    if isinstance(out, str | Path):
        Path(out).write_bytes(data)
    else:
        out.write(data)
    return len(questions)
