"""Snapshots, answers and marks: pure functions, no database.

Marking reads only an item's snapshot, taken when the question was drawn, so a
later edit of the question cannot change a mark. The rules:

- single choice and true/false: full points for the one right answer, else 0;
- multiple choice, all-or-nothing: full points only for exactly the right set;
- multiple choice, partial (the usual Chinese exam rule, 少选得部分分、错选不得分):
  any wrong option gives 0; otherwise points × (right options chosen / right
  options), so choosing every right option and nothing else gives full points;
- fill-in-the-blank: each blank is right when its answer equals one of the
  blank's accepted answers after `normalise_blank`; the points are shared equally
  between the blanks (one blank: all or nothing);
- essay: marked by hand; an essay left empty is worth 0 without a marker.

An item counts as correct only with full points. Scores are rounded to 0.01.
"""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from quizzes.errors import QuizError
from quizzes.models import CHOICE_KINDS, Question, QuestionKind

SNAPSHOT_SCHEMA = 1
CENT = Decimal("0.01")
MAX_ESSAY_LENGTH = 20_000
MAX_BLANK_LENGTH = 500


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def normalise_blank(text: str) -> str:
    """Compare fill-in answers the way a marker would read them.

    NFKC folds full-width letters, digits and spaces to half-width
    ('ＡＢＣ１２３' → 'ABC123'); whitespace is dropped everywhere (Chinese
    answers have none, and a stray space is not a wrong answer); Latin letters
    compare without case.
    """
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(folded.split()).casefold()


def question_snapshot(
    question: Question, *, knowledge_points: Iterable[str] = ()
) -> dict[str, Any]:
    """Everything needed to show and mark `question` as it is now.

    Expects options and blank answers prefetched (or in memory).
    """
    snapshot: dict[str, Any] = {
        "schema": SNAPSHOT_SCHEMA,
        "question_id": question.pk,
        "version": question.version,
        "kind": question.kind,
        "stem": question.stem,
        "explanation": question.explanation,
        "difficulty": question.difficulty,
        "category_id": question.category_id,
        "category_path": question.category.full_path,
        "knowledge_points": sorted(knowledge_points),
    }
    if question.kind in CHOICE_KINDS:
        snapshot["options"] = [
            {"id": option.pk, "text": option.text, "correct": option.is_correct}
            for option in question.options.all()
        ]
    if question.kind == QuestionKind.MULTIPLE:
        snapshot["scoring"] = question.scoring
    if question.kind == QuestionKind.TRUE_FALSE:
        snapshot["true_answer"] = question.true_answer
    if question.kind == QuestionKind.FILL_IN:
        blanks: dict[int, list[str]] = {}
        for answer in question.blank_answers.all():
            if answer.text.strip():
                blanks.setdefault(answer.blank, []).append(answer.text.strip())
        snapshot["blanks"] = [blanks[number] for number in sorted(blanks)]
    return snapshot


# What a form may send for true/false.
_TRUE_FALSE_WORDS = {"true": True, "false": False, "1": True, "0": False}


def _refuse(message, code: str = "bad_response"):
    raise QuizError(message, code=code)


def _text(value: str) -> str:
    # PostgreSQL's jsonb cannot store NUL; no learner types one.
    return value.replace("\x00", "")


def _option_id(value: Any, option_ids: set[int]) -> int:
    """An option id from JSON: a number, or a number sent as a string by a form."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if type(value) is not int or value not in option_ids:
        _refuse(_("所选选项不属于本题。"))
    return value


def response_clean(snapshot: dict[str, Any], response: Any) -> dict[str, Any] | None:
    """Check a learner's response against the item and return its canonical form.

    None (or an empty answer) means "no answer". Equal answers have equal
    canonical forms, which is what makes a repeated save a no-op.
    """
    if response is None or response == {}:
        return None
    if not isinstance(response, dict):
        _refuse(_("答案格式不正确。"))
    kind = snapshot["kind"]
    option_ids = {option["id"] for option in snapshot.get("options", [])}
    if kind == QuestionKind.SINGLE:
        option = response.get("option")
        if option is None or option == "":
            return None
        return {"option": _option_id(option, option_ids)}
    if kind == QuestionKind.MULTIPLE:
        chosen = response.get("options")
        if not isinstance(chosen, list | tuple):
            _refuse(_("答案格式不正确。"))
        chosen = {_option_id(option, option_ids) for option in chosen}
        return {"options": sorted(chosen)} if chosen else None
    if kind == QuestionKind.TRUE_FALSE:
        value = response.get("value")
        if value is None or value == "":
            return None
        value = _TRUE_FALSE_WORDS.get(value, value) if isinstance(value, str) else value
        if not isinstance(value, bool):
            _refuse(_("答案格式不正确。"))
        return {"value": value}
    if kind == QuestionKind.FILL_IN:
        answers = response.get("blanks")
        expected = len(snapshot["blanks"])
        if not isinstance(answers, list | tuple) or len(answers) != expected:
            _refuse(_("请按空位填写答案。"))
        if any(not isinstance(a, str) or len(a) > MAX_BLANK_LENGTH for a in answers):
            _refuse(_("填空答案格式不正确或过长。"))
        answers = [_text(a).strip() for a in answers]
        return {"blanks": answers} if any(answers) else None
    if kind == QuestionKind.ESSAY:
        text = response.get("text")
        if not isinstance(text, str) or len(text) > MAX_ESSAY_LENGTH:
            _refuse(_("简答内容格式不正确或过长。"))
        text = _text(text)
        return {"text": text} if text.strip() else None
    _refuse(_("未知题型。"))


@dataclass(frozen=True)
class Mark:
    score: Decimal
    is_correct: bool


def response_mark(
    snapshot: dict[str, Any], response: dict[str, Any] | None, points: Decimal
) -> Mark | None:
    """The machine's mark for a canonical response; None when a person must mark."""
    kind = snapshot["kind"]
    if response is None:
        return Mark(score=Decimal("0.00"), is_correct=False)
    if kind == QuestionKind.ESSAY:
        return None
    fraction = _fraction_right(snapshot, response)
    score = quantize(points * fraction)
    return Mark(score=score, is_correct=score == quantize(points))


def _fraction_right(snapshot: dict[str, Any], response: dict[str, Any]) -> Decimal:
    kind = snapshot["kind"]
    if kind == QuestionKind.SINGLE:
        right = {o["id"] for o in snapshot["options"] if o["correct"]}
        return Decimal(response["option"] in right)
    if kind == QuestionKind.MULTIPLE:
        right = {o["id"] for o in snapshot["options"] if o["correct"]}
        chosen = set(response["options"])
        if chosen == right:
            return Decimal(1)
        if snapshot.get("scoring") != "partial" or chosen - right or not right:
            return Decimal(0)
        return Decimal(len(chosen & right)) / Decimal(len(right))
    if kind == QuestionKind.TRUE_FALSE:
        return Decimal(response["value"] is snapshot["true_answer"])
    if kind == QuestionKind.FILL_IN:
        blanks = snapshot["blanks"]
        right = sum(
            1
            for given, accepted in zip(response["blanks"], blanks, strict=True)
            if normalise_blank(given) in {normalise_blank(a) for a in accepted}
        )
        return Decimal(right) / Decimal(len(blanks))
    raise ValueError(kind)


def correct_answer(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The answer key of a snapshot, in the same shape as a response."""
    kind = snapshot["kind"]
    right = [o["id"] for o in snapshot.get("options", []) if o["correct"]]
    if kind == QuestionKind.SINGLE:
        return {"option": right[0] if right else None}
    if kind == QuestionKind.MULTIPLE:
        return {"options": sorted(right)}
    if kind == QuestionKind.TRUE_FALSE:
        return {"value": snapshot["true_answer"]}
    if kind == QuestionKind.FILL_IN:
        return {"blanks": snapshot["blanks"]}
    return {}
