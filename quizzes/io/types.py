"""The vocabulary every question file format shares.

A reader turns a file into `QuestionSpec`s (what a question should be, still
without any database row) and `ImportProblem`s (where and why a question cannot
be imported, in Chinese). Keeping readers pure lets a whole file be checked, and
every problem listed, before anything is written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from quizzes.models import Difficulty, MultipleScoring, QuestionKind
from quizzes.models.categories import PATH_SEPARATOR

DEFAULT_CATEGORY = "未分类"

# What authors type for a difficulty, beside our three labels.
DIFFICULTY_LABELS: dict[str, str] = {
    "容易": Difficulty.EASY,
    "简单": Difficulty.EASY,
    "易": Difficulty.EASY,
    "easy": Difficulty.EASY,
    "中等": Difficulty.MEDIUM,
    "中": Difficulty.MEDIUM,
    "一般": Difficulty.MEDIUM,
    "适中": Difficulty.MEDIUM,
    "medium": Difficulty.MEDIUM,
    "困难": Difficulty.HARD,
    "难": Difficulty.HARD,
    "较难": Difficulty.HARD,
    "hard": Difficulty.HARD,
}
DIFFICULTY_WRITTEN: dict[str, str] = {
    Difficulty.EASY: "容易",
    Difficulty.MEDIUM: "中等",
    Difficulty.HARD: "困难",
}

SCORING_LABELS: dict[str, str] = {
    "全对才得分": MultipleScoring.ALL_OR_NOTHING,
    "全部选对才得分": MultipleScoring.ALL_OR_NOTHING,
    "全对得分": MultipleScoring.ALL_OR_NOTHING,
    "all_or_nothing": MultipleScoring.ALL_OR_NOTHING,
    "按比例": MultipleScoring.PARTIAL,
    "按比例得分": MultipleScoring.PARTIAL,
    "少选按比例得分": MultipleScoring.PARTIAL,
    "partial": MultipleScoring.PARTIAL,
}
SCORING_WRITTEN: dict[str, str] = {
    MultipleScoring.ALL_OR_NOTHING: "全对才得分",
    MultipleScoring.PARTIAL: "按比例得分",
}

KIND_LABELS: dict[str, str] = {
    "单选题": QuestionKind.SINGLE,
    "单选": QuestionKind.SINGLE,
    "多选题": QuestionKind.MULTIPLE,
    "多选": QuestionKind.MULTIPLE,
    "判断题": QuestionKind.TRUE_FALSE,
    "判断": QuestionKind.TRUE_FALSE,
    "填空题": QuestionKind.FILL_IN,
    "填空": QuestionKind.FILL_IN,
    "简答题": QuestionKind.ESSAY,
    "简答": QuestionKind.ESSAY,
    "问答题": QuestionKind.ESSAY,
}
KIND_WRITTEN: dict[str, str] = {
    QuestionKind.SINGLE: "单选题",
    QuestionKind.MULTIPLE: "多选题",
    QuestionKind.TRUE_FALSE: "判断题",
    QuestionKind.FILL_IN: "填空题",
    QuestionKind.ESSAY: "简答题",
}

# Knowledge points: "美沙酮, 维持治疗" or "美沙酮、维持治疗" (and their full-width kin).
KNOWLEDGE_POINT_SPLIT = re.compile(r"[,，、;；]")
# Fill-in answers: alternatives of one blank split by "|", blanks split by "；".
BLANK_SPLIT = re.compile(r"[;；]")
ALTERNATIVE_SPLIT = re.compile(r"[|｜]")

# Moodle writes category paths from the course or system context.
MOODLE_CATEGORY_PREFIXES = ("$course$", "$system$", "$module$", "$cat1$", "top")

CODE_MAX = 64
BLANK_ANSWER_MAX = 200
KNOWLEDGE_POINT_MAX = 100
CATEGORY_NAME_MAX = 100
POINTS_MAX = Decimal("9999.99")


@dataclass(frozen=True)
class ImportProblem:
    """Why one question (or the whole file) cannot be imported, and where."""

    position: str  # "第 12 行", "第 3 题（名称）", "文件"
    message: str

    def __str__(self) -> str:
        return f"{self.position}：{self.message}" if self.position else self.message

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class OptionData:
    text: str
    is_correct: bool


@dataclass
class ImageData:
    """An image a file carried, checked by Pillow; `name` is its storage name."""

    name: str  # quizzes/images/<sha256>.<ext>
    data: bytes


@dataclass
class QuestionSpec:
    """One question as a file describes it, ready for `question_create`."""

    position: str
    kind: str
    stem: str
    options: list[OptionData] = field(default_factory=list)
    blanks: list[list[str]] = field(default_factory=list)
    true_answer: bool | None = None
    scoring: str = MultipleScoring.ALL_OR_NOTHING
    explanation: str = ""
    difficulty: str = Difficulty.MEDIUM
    points: Decimal = Decimal("1")
    category_path: str = ""  # "" for the import's default category
    knowledge_points: list[str] = field(default_factory=list)
    code: str = ""
    title: str = ""  # GIFT ::title:: or Moodle <name>; shown in positions only
    images: list[ImageData] = field(default_factory=list)


def category_path_clean(path: str) -> str:
    """ "$course$/top/禁毒法/第三章" → "禁毒法/第三章"; empty parts dropped."""
    parts = [part.strip() for part in path.split(PATH_SEPARATOR) if part.strip()]
    while parts and parts[0].lower() in MOODLE_CATEGORY_PREFIXES:
        parts.pop(0)
    return PATH_SEPARATOR.join(parts)


def knowledge_points_split(text: str) -> list[str]:
    names = (name.strip() for name in KNOWLEDGE_POINT_SPLIT.split(text or ""))
    return list(dict.fromkeys(name for name in names if name))


def blanks_split(text: str) -> list[list[str]]:
    """ "禁毒法|《禁毒法》；2008" → [["禁毒法", "《禁毒法》"], ["2008"]]."""
    blanks = []
    for part in BLANK_SPLIT.split(text or ""):
        accepted = [a.strip() for a in ALTERNATIVE_SPLIT.split(part) if a.strip()]
        if accepted:
            blanks.append(accepted)
    return blanks


def blanks_join(blanks: list[list[str]]) -> str:
    return "；".join("|".join(accepted) for accepted in blanks)


def label_normalise(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()


def difficulty_parse(text: str) -> str | None:
    """The difficulty for a label, or None when the label is unknown."""
    key = label_normalise(text)
    return {label_normalise(k): v for k, v in DIFFICULTY_LABELS.items()}.get(key)


def scoring_parse(text: str) -> str | None:
    key = label_normalise(text)
    return {label_normalise(k): v for k, v in SCORING_LABELS.items()}.get(key)


def points_parse(text: str) -> Decimal | None:
    """Points as a Decimal with at most two places, or None when not valid."""
    try:
        value = Decimal(unicodedata.normalize("NFKC", str(text)).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value <= 0 or value > POINTS_MAX:
        return None
    if value != value.quantize(Decimal("0.01")):
        return None
    return value


def difficulty_choices_text() -> str:
    return "、".join(DIFFICULTY_WRITTEN.values())


def spec_problems(spec: QuestionSpec) -> list[str]:
    """What is wrong with a spec for its type, found before touching the database.

    Mirrors `Question.composition_errors` and the field limits, so a bad file is
    refused with every reason at once instead of failing on its first bad row.
    """
    errors: list[str] = []
    if not spec.stem.strip() and not spec.images:
        errors.append(_("题干不能为空。"))
    if spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        correct = sum(1 for option in spec.options if option.is_correct)
        if len(spec.options) < 2:
            errors.append(_("选择题至少需要两个选项。"))
        if any(not option.text.strip() for option in spec.options):
            errors.append(_("选项内容不能为空。"))
        if spec.kind == QuestionKind.SINGLE and correct != 1:
            errors.append(
                _("单选题必须有且只有一个正确选项（现在有 %(n)s 个）。")
                % {"n": correct}
            )
        if spec.kind == QuestionKind.MULTIPLE and correct < 1:
            errors.append(_("多选题至少需要一个正确选项。"))
    if spec.kind == QuestionKind.TRUE_FALSE and spec.true_answer is None:
        errors.append(_("判断题必须给出正确答案。"))
    if spec.kind == QuestionKind.FILL_IN:
        if not any(any(a.strip() for a in accepted) for accepted in spec.blanks):
            errors.append(_("填空题至少需要一个参考答案。"))
        for accepted in spec.blanks:
            for answer in accepted:
                if len(answer) > BLANK_ANSWER_MAX:
                    errors.append(
                        _("填空参考答案“%(answer)s…”超过 %(max)s 个字。")
                        % {"answer": answer[:20], "max": BLANK_ANSWER_MAX}
                    )
    if len(spec.code) > CODE_MAX:
        errors.append(_("题目编号不能超过 %(max)s 个字符。") % {"max": CODE_MAX})
    for name in spec.knowledge_points:
        if len(name) > KNOWLEDGE_POINT_MAX:
            errors.append(
                _("知识点“%(name)s…”超过 %(max)s 个字。")
                % {"name": name[:20], "max": KNOWLEDGE_POINT_MAX}
            )
    for name in spec.category_path.split(PATH_SEPARATOR):
        if len(name.strip()) > CATEGORY_NAME_MAX:
            errors.append(
                _("分类名称“%(name)s…”超过 %(max)s 个字。")
                % {"name": name[:20], "max": CATEGORY_NAME_MAX}
            )
    return errors
