"""Reading question files of any supported format, and importing them.

`questions_read` is pure: it sniffs the file, picks the reader and returns the
specs and every problem found, without touching the database. `questions_import`
writes, all or nothing: a file with any bad question imports no question, and
the report lists every bad one with its position.

Re-importing is idempotent. A question is found again by its code (编号) when
the file gives one, otherwise by (category, type, normalised stem text); a found
question is updated through `question_update` only when something differs, so
its version does not climb on a no-op re-import.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from quizzes.html import html_text
from quizzes.io.images import image_srcs, images_delete, images_save
from quizzes.io.types import (
    DEFAULT_CATEGORY,
    ImportProblem,
    QuestionSpec,
    category_path_clean,
    spec_problems,
)
from quizzes.models import Category, Question, QuestionKind
from quizzes.services.bank import category_ensure, question_create, question_update

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

FORMAT_GIFT = "gift"
FORMAT_XML = "xml"
FORMAT_XLSX = "xlsx"
FORMATS = (FORMAT_GIFT, FORMAT_XML, FORMAT_XLSX)
EXTENSIONS = {
    ".gift": FORMAT_GIFT,
    ".txt": FORMAT_GIFT,
    ".xml": FORMAT_XML,
    ".xlsx": FORMAT_XLSX,
}

Progress = Callable[[int, int], None]


class FileRefused(Exception):
    """The file as a whole cannot be read; `problem` says why, in Chinese."""

    def __init__(self, message: str):
        self.problem = ImportProblem(_("文件"), message)
        super().__init__(message)


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do), or why it did nothing."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> dict:
        return {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
        }


def import_max_bytes() -> int:
    return int(getattr(settings, "QUIZ_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _bytes_read(file: BinaryIO | bytes | str | Path, *, limit: int) -> bytes:
    """At most `limit` bytes, refusing a bigger file without reading all of it."""
    too_big = FileRefused(
        _("文件太大，上限为 %(limit)s。请把题目分成几个文件分别导入。")
        % {"limit": filesizeformat(limit)}
    )
    if isinstance(file, bytes):
        data = file
    elif isinstance(file, str | Path):
        path = Path(file)
        try:
            if path.stat().st_size > limit:
                raise too_big
            data = path.read_bytes()
        except OSError as exc:
            raise FileRefused(
                _("无法打开文件“%(name)s”：%(reason)s")
                % {"name": path.name, "reason": exc.strerror or exc}
            ) from exc
    else:
        if hasattr(file, "seek"):
            with contextlib.suppress(OSError, ValueError):
                file.seek(0)
        data = file.read(limit + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    if len(data) > limit:
        raise too_big
    if not data.strip():
        raise FileRefused(_("文件是空的。"))
    return data


def _looks_like_gbk(data: bytes) -> bool:
    for encoding in ("gbk", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def text_decode(data: bytes) -> str:
    """A text file as str: UTF-8 with or without a byte-order mark, nothing else.

    Windows Notepad in a Chinese locale saves GBK (ANSI); guessing would risk
    importing garbled stems, so such a file is refused with how to resave it.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(
            _("文件是 UTF-16（Unicode）编码，请用记事本另存为“UTF-8”编码后再导入。")
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if _looks_like_gbk(data):
            raise FileRefused(
                _(
                    "文件是 GBK（ANSI）编码，不是 UTF-8。请用记事本打开，"
                    "选择“另存为”，把编码改为“UTF-8”后再导入。"
                )
            ) from exc
        raise FileRefused(
            _(
                "文件不是 UTF-8 编码的文本（第 %(offset)s 个字节无法识别），"
                "请另存为 UTF-8 编码后再导入。"
            )
            % {"offset": exc.start + 1}
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _sniff(data: bytes) -> str | None:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return FORMAT_XLSX
    if head.startswith((b"<?xml", b"<quiz", b"<!DOCTYPE")):
        return FORMAT_XML
    return None


def format_detect(*, filename: str, data: bytes) -> str:
    """The reader for a file, from its name and checked against its first bytes."""
    extension = Path(filename).suffix.lower() if filename else ""
    sniffed = _sniff(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise FileRefused(
            _(
                "这是旧版 Excel 97-2003 工作簿（.xls），不能直接导入。"
                "请在 Excel 中打开后另存为“Excel 工作簿（*.xlsx）”再导入。"
            )
        )
    if extension == ".xls":
        raise FileRefused(
            _("不支持 .xls 文件。请在 Excel 中另存为“Excel 工作簿（*.xlsx）”再导入。")
        )
    if extension == ".csv":
        raise FileRefused(_("不支持 CSV 文件。请使用题目导入模板（.xlsx）填写后导入。"))
    chosen = EXTENSIONS.get(extension) or sniffed
    if chosen is None:
        raise FileRefused(
            _(
                "无法识别文件类型“%(ext)s”。支持的格式：Moodle XML（.xml）、"
                "GIFT（.gift 或 .txt）、Excel 模板（.xlsx）。"
            )
            % {"ext": extension or _("无扩展名")}
        )
    if chosen == FORMAT_XLSX and sniffed != FORMAT_XLSX:
        if data.startswith(b"%PDF"):
            raise FileRefused(
                _("文件扩展名是 .xlsx，但内容是 PDF，不是 Excel 工作簿。")
            )
        raise FileRefused(
            _(
                "文件扩展名是 .xlsx，但内容不是 Excel 工作簿（可能是改了扩展名的 CSV "
                "或文本文件）。"
                "请在 Excel 中打开后另存为“Excel 工作簿（*.xlsx）”再导入。"
            )
        )
    if chosen != FORMAT_XLSX and sniffed == FORMAT_XLSX:
        raise FileRefused(
            _(
                "文件内容是 Excel 工作簿或压缩包，但扩展名是“%(ext)s”。"
                "Excel 模板请保存为 .xlsx 后导入。"
            )
            % {"ext": extension}
        )
    return chosen


def stem_key(stem: str) -> str:
    """A stem as compared for "the same question": its text and its images.

    Markup, spacing and full-width forms do not make two questions different;
    a different picture does.
    """
    text = unicodedata.normalize("NFKC", html_text(stem))
    return " ".join(text.split()) + "\x00" + "\x00".join(image_srcs(stem))


def _duplicates(specs: list[QuestionSpec]) -> list[ImportProblem]:
    problems: list[ImportProblem] = []
    by_code: dict[str, QuestionSpec] = {}
    by_stem: dict[tuple, QuestionSpec] = {}
    for spec in specs:
        if spec.code:
            first = by_code.setdefault(spec.code, spec)
            if first is not spec:
                problems.append(
                    ImportProblem(
                        spec.position,
                        _("题目编号“%(code)s”与%(other)s的题目重复。")
                        % {"code": spec.code, "other": first.position},
                    )
                )
            continue
        key = (category_path_clean(spec.category_path), spec.kind, stem_key(spec.stem))
        first = by_stem.setdefault(key, spec)
        if first is not spec:
            problems.append(
                ImportProblem(
                    spec.position,
                    _(
                        "与%(other)s的题目重复（同一分类、同一题型、题干相同）。"
                        "请删除其中一道，或给两道题不同的编号。"
                    )
                    % {"other": first.position},
                )
            )
    return problems


def _reader(file_format: str):
    if file_format == FORMAT_GIFT:
        from quizzes.io.gift import gift_read

        return lambda data: gift_read(text_decode(data))
    if file_format == FORMAT_XML:
        from quizzes.io.moodle_xml import moodle_xml_read

        return moodle_xml_read
    from quizzes.io.xlsx import xlsx_read

    return xlsx_read


def questions_read(
    file: BinaryIO | bytes | str | Path, *, filename: str = ""
) -> tuple[list[QuestionSpec], list[ImportProblem]]:
    """Every question in a file and every problem, without writing anything.

    `file` is a path, the bytes, or a binary file object; `filename` (whose
    extension picks the format) defaults to the path's name. Problems carry the
    position a user finds them by: a line for GIFT, a question number and name
    for Moodle XML, a row for Excel.
    """
    if not filename and isinstance(file, str | Path):
        filename = Path(file).name
    try:
        data = _bytes_read(file, limit=import_max_bytes())
        file_format = format_detect(filename=filename, data=data)
        specs, problems = _reader(file_format)(data)
    except FileRefused as exc:
        return [], [exc.problem]
    for spec in specs:
        spec.category_path = category_path_clean(spec.category_path)
        problems.extend(
            ImportProblem(spec.position, message) for message in spec_problems(spec)
        )
    problems.extend(_duplicates(specs))
    if not specs and not problems:
        problems.append(ImportProblem(_("文件"), _("文件中没有找到任何题目。")))
    return specs, problems


# ---------------------------------------------------------------------- writing


class _Rollback(Exception):
    pass


class _Bank:
    """Finds the existing question a spec describes; caches per category and type."""

    def __init__(self, *, default_category: str):
        self.default_category = (
            category_path_clean(default_category) or DEFAULT_CATEGORY
        )
        self.categories: dict[str, Category] = {}
        self.stems: dict[tuple[int, str], dict[str, int]] = {}

    def category(self, path: str) -> Category:
        path = path or self.default_category
        if path not in self.categories:
            self.categories[path] = category_ensure(path=path)
        return self.categories[path]

    def _stems(self, category: Category, kind: str) -> dict[str, int]:
        key = (category.pk, kind)
        if key not in self.stems:
            found: dict[str, int] = {}
            rows = Question.objects.filter(category=category, kind=kind).order_by("id")
            for pk, stem in rows.values_list("pk", "stem"):
                found.setdefault(stem_key(stem), pk)
            self.stems[key] = found
        return self.stems[key]

    def find(self, spec: QuestionSpec, category: Category) -> Question | None:
        if spec.code:
            question = Question.objects.filter(code=spec.code).first()
            if question is not None:
                return question
        pk = self._stems(category, spec.kind).get(stem_key(spec.stem))
        if pk is None:
            return None
        question = Question.objects.get(pk=pk)
        if spec.code and question.code:
            return None  # someone else's numbered question with the same words
        return question

    def remember(self, question: Question) -> None:
        self._stems(question.category, question.kind).setdefault(
            stem_key(question.stem), question.pk
        )


def _options(spec: QuestionSpec) -> list[tuple[str, bool]]:
    return [(option.text, option.is_correct) for option in spec.options]


def _current(question: Question) -> dict:
    blanks: dict[int, list[str]] = {}
    for answer in question.blank_answers.all():
        if answer.text.strip():
            blanks.setdefault(answer.blank, []).append(answer.text.strip())
    return {
        "kind": question.kind,
        "stem": question.stem,
        "category": question.category_id,
        "explanation": question.explanation,
        "difficulty": question.difficulty,
        "points": Decimal(question.points),
        "scoring": question.scoring if question.kind == QuestionKind.MULTIPLE else "",
        "true_answer": question.true_answer
        if question.kind == QuestionKind.TRUE_FALSE
        else None,
        "options": [(o.text, o.is_correct) for o in question.options.all()],
        "blanks": [blanks[number] for number in sorted(blanks)],
        "knowledge_points": sorted(question.knowledge_points.names()),
    }


def _wanted(spec: QuestionSpec, category: Category) -> dict:
    choice = spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
    return {
        "kind": spec.kind,
        "stem": spec.stem,
        "category": category.pk,
        "explanation": spec.explanation,
        "difficulty": spec.difficulty,
        "points": Decimal(spec.points),
        "scoring": spec.scoring if spec.kind == QuestionKind.MULTIPLE else "",
        "true_answer": spec.true_answer
        if spec.kind == QuestionKind.TRUE_FALSE
        else None,
        "options": _options(spec) if choice else [],
        "blanks": [
            [a.strip() for a in accepted if a.strip()]
            for accepted in spec.blanks
            if any(a.strip() for a in accepted)
        ]
        if spec.kind == QuestionKind.FILL_IN
        else [],
        "knowledge_points": sorted(set(spec.knowledge_points)),
    }


def _question_apply(spec: QuestionSpec, bank: _Bank) -> str:
    """Create or update the question `spec` describes: "created", "updated", or
    "unchanged"."""
    category = bank.category(spec.category_path)
    question = bank.find(spec, category)
    wanted = _wanted(spec, category)
    option_specs = [
        {"text": text, "is_correct": correct} for text, correct in wanted["options"]
    ]
    if question is None:
        question = question_create(
            kind=spec.kind,
            stem=spec.stem,
            category=category,
            options=option_specs,
            blanks=wanted["blanks"],
            true_answer=wanted["true_answer"],
            scoring=spec.scoring,
            explanation=spec.explanation,
            difficulty=spec.difficulty,
            points=spec.points,
            knowledge_points=wanted["knowledge_points"],
        )
        if spec.code:
            # Not a content change: set without raising the version.
            Question.objects.filter(pk=question.pk).update(code=spec.code)
        bank.remember(question)
        return "created"
    current = _current(question)
    changed = {key for key, value in wanted.items() if current[key] != value}
    code_changed = bool(spec.code) and question.code != spec.code
    if not changed:
        if code_changed:
            Question.objects.filter(pk=question.pk).update(code=spec.code)
            return "updated"
        return "unchanged"
    fields = {
        name: wanted[name]
        for name in ("kind", "stem", "explanation", "difficulty", "points")
        if name in changed
    }
    if "category" in changed:
        fields["category"] = category
    if "scoring" in changed:
        fields["scoring"] = spec.scoring
    if "true_answer" in changed:
        fields["true_answer"] = wanted["true_answer"]
    kwargs: dict = {}
    if "options" in changed:
        existing = [option.pk for option in question.options.all()]
        kwargs["options"] = [
            {**option, "id": existing[index]} if index < len(existing) else option
            for index, option in enumerate(option_specs)
        ]
    if "blanks" in changed:
        kwargs["blanks"] = wanted["blanks"]
    if "knowledge_points" in changed:
        kwargs["knowledge_points"] = wanted["knowledge_points"]
    question_update(question=question, **kwargs, **fields)
    if code_changed:
        Question.objects.filter(pk=question.pk).update(code=spec.code)
    return "updated"


def _error_messages(exc: ValidationError) -> str:
    return "；".join(str(message) for message in exc.messages)


def questions_import(
    file: BinaryIO | bytes | str | Path,
    *,
    filename: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
    default_category: str = DEFAULT_CATEGORY,
) -> ImportReport:
    """Import every question of a file, or none; see the module docstring.

    A dry run does the whole import inside a transaction that is rolled back,
    so its counts are what the real import would do. Images are stored only
    when the import commits. `progress(done, total)` is called per question.
    """
    specs, problems = questions_read(file, filename=filename)
    report = ImportReport(total=len(specs), dry_run=dry_run, problems=problems)
    if problems:
        return report
    bank = _Bank(default_category=default_category)
    written: list[str] = []
    try:
        with transaction.atomic():
            for done, spec in enumerate(specs, 1):
                try:
                    with transaction.atomic():
                        outcome = _question_apply(spec, bank)
                except ValidationError as exc:
                    report.problems.append(
                        ImportProblem(spec.position, _error_messages(exc))
                    )
                else:
                    setattr(report, outcome, getattr(report, outcome) + 1)
                if progress is not None:
                    progress(done, len(specs))
            if report.problems or dry_run:
                raise _Rollback
            written = images_save(image for spec in specs for image in spec.images)
    except _Rollback:
        pass
    except BaseException:
        images_delete(written)
        raise
    if report.problems:
        report.created = report.updated = report.unchanged = 0
    return report
