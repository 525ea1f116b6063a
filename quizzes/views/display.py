"""How a question, an answer and an answer key look on the learner's pages.

Everything here starts from what `attempt_review` (or, right after an answer,
`answer_save`'s feedback) decided may be shown: a key is only ever formatted
when it was handed over. Question HTML stays raw here; templates render it
through `quiz_html`.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from quizzes.models import (
    Attempt,
    AttemptItem,
    QuestionKind,
    Quiz,
    QuizMode,
    ReviewPolicy,
)
from quizzes.selectors import ItemReview

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def letter(index: int) -> str:
    return LETTERS[index] if index < len(LETTERS) else str(index + 1)


@dataclass
class OptionView:
    id: int
    letter: str
    text: str
    chosen: bool
    correct: bool | None  # None: the key is not shown


@dataclass
class ChoiceView:
    value: str
    label: str
    chosen: bool
    correct: bool | None


@dataclass
class BlankView:
    number: int
    value: str
    accepted: list[str] = field(default_factory=list)


@dataclass
class QuestionView:
    position: int
    kind: str
    kind_label: str
    stem: str
    points: Decimal
    options: list[OptionView]
    true_false: list[ChoiceView]
    blanks: list[BlankView]
    text: str
    answered: bool
    my_answer_text: str
    shows_key: bool
    is_correct: bool | None = None
    score: Decimal | None = None
    correct_text: str = ""
    explanation: str = ""
    marker_comment: str = ""
    revision: int = 0
    locked: bool = False  # practice: the answer was checked and cannot change

    @property
    def is_choice(self) -> bool:
        return self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)

    @property
    def input_type(self) -> str:
        return "checkbox" if self.kind == QuestionKind.MULTIPLE else "radio"

    @property
    def awaiting_marking(self) -> bool:
        return self.kind == QuestionKind.ESSAY and self.answered and self.score is None


def _true_false_label(value: bool | None) -> str:
    if value is None:
        return ""
    return _("正确") if value else _("错误")


def _answer_text(
    kind: str, answer: dict[str, Any] | None, letters: dict[int, str]
) -> str:
    """An answer (or key) in a line: “B”, “A、C”, “正确”, “第1空：禁毒法”."""
    if not answer:
        return ""
    if kind == QuestionKind.SINGLE:
        return letters.get(answer.get("option"), "")
    if kind == QuestionKind.MULTIPLE:
        chosen = [letters[pk] for pk in answer.get("options", []) if pk in letters]
        return "、".join(sorted(chosen))
    if kind == QuestionKind.TRUE_FALSE:
        return _true_false_label(answer.get("value"))
    if kind == QuestionKind.FILL_IN:
        parts = []
        for number, value in enumerate(answer.get("blanks", []), start=1):
            shown = " / ".join(value) if isinstance(value, list) else value
            parts.append(
                _("第%(number)s空：%(answer)s") % {"number": number, "answer": shown}
            )
        return "；".join(parts)
    if kind == QuestionKind.ESSAY:
        return answer.get("text", "")
    return ""


def question_view(
    *,
    position: int,
    kind: str,
    stem: str,
    options: list[dict[str, Any]],
    blank_count: int,
    points: Decimal,
    response: dict[str, Any] | None,
    shows_key: bool,
    is_correct: bool | None = None,
    score: Decimal | None = None,
    correct_answer: dict[str, Any] | None = None,
    explanation: str | None = None,
    marker_comment: str | None = None,
    revision: int = 0,
    locked: bool = False,
) -> QuestionView:
    response = response or {}
    key = correct_answer if shows_key else None
    letters = {option["id"]: letter(i) for i, option in enumerate(options)}
    chosen_ids = set(response.get("options", []))
    if "option" in response:
        chosen_ids.add(response["option"])
    key_ids: set[int] = set()
    if key:
        key_ids = set(key.get("options", []))
        if key.get("option") is not None:
            key_ids.add(key["option"])
    option_views = [
        OptionView(
            id=option["id"],
            letter=letters[option["id"]],
            text=option["text"],
            chosen=option["id"] in chosen_ids,
            correct=(option["id"] in key_ids) if key else None,
        )
        for option in options
    ]
    true_false = []
    if kind == QuestionKind.TRUE_FALSE:
        given = response.get("value")
        right = key.get("value") if key else None
        true_false = [
            ChoiceView(
                value=word,
                label=_true_false_label(value),
                chosen=given is value,
                correct=(right is value) if key else None,
            )
            for word, value in (("true", True), ("false", False))
        ]
    blanks = []
    if kind == QuestionKind.FILL_IN:
        given = response.get("blanks", [])
        accepted = key.get("blanks", []) if key else []
        blanks = [
            BlankView(
                number=n,
                value=given[n - 1] if n - 1 < len(given) else "",
                accepted=accepted[n - 1] if n - 1 < len(accepted) else [],
            )
            for n in range(1, blank_count + 1)
        ]
    return QuestionView(
        position=position,
        kind=kind,
        kind_label=QuestionKind(kind).label,
        stem=stem,
        points=points,
        options=option_views,
        true_false=true_false,
        blanks=blanks,
        text=response.get("text", ""),
        answered=bool(response),
        my_answer_text=_answer_text(kind, response, letters),
        shows_key=shows_key,
        is_correct=is_correct,
        score=score,
        correct_text=_answer_text(kind, key, letters) if key else "",
        explanation=(explanation or "") if shows_key else "",
        marker_comment=(marker_comment or "") if shows_key else "",
        revision=revision,
        locked=locked,
    )


def question_view_from_review(
    review: ItemReview, *, revision: int = 0, locked: bool = False
) -> QuestionView:
    return question_view(
        position=review.position,
        kind=review.kind,
        stem=review.stem,
        options=review.options,
        blank_count=review.blank_count,
        points=review.points,
        response=review.response,
        shows_key=review.shows_key,
        is_correct=review.is_correct,
        score=review.score,
        correct_answer=review.correct_answer,
        explanation=review.explanation,
        marker_comment=review.marker_comment,
        revision=revision,
        locked=locked,
    )


def item_options(item: AttemptItem) -> list[dict[str, Any]]:
    """An item's options in the order the learner saw them, without the key."""
    by_id = {option["id"]: option for option in item.snapshot.get("options", [])}
    return [
        {"id": pk, "text": by_id[pk]["text"]} for pk in item.option_order if pk in by_id
    ]


# What a learner may see after the attempt is over, mirrored from
# `quizzes.selectors.review` for lists that must not load every attempt's items
# (the quiz list, the wrong-answer book). The review page itself always asks
# `attempt_review`.


def quiz_is_closed(quiz: Quiz, now: datetime) -> bool:
    return quiz.closes_at is not None and now >= quiz.closes_at


def score_visible(quiz: Quiz, now: datetime | None = None) -> bool:
    """Whether a marked attempt's score may be shown now."""
    now = now or timezone.now()
    return quiz.review_policy != ReviewPolicy.AFTER_CLOSE or quiz_is_closed(quiz, now)


def key_visible(attempt: Attempt, item: AttemptItem, now: datetime) -> bool:
    """Whether `item`'s answer key may be shown now (as `attempt_review` decides)."""
    policy = attempt.quiz.review_policy
    finished = not attempt.is_in_progress
    if policy == ReviewPolicy.IMMEDIATELY:
        return finished or item.checked_at is not None
    if policy == ReviewPolicy.AFTER_SUBMIT:
        return finished
    if policy == ReviewPolicy.AFTER_CLOSE:
        return finished and quiz_is_closed(attempt.quiz, now)
    return False


def quiz_window(quiz: Quiz, now: datetime) -> str:
    """“not yet open”, “open”, “closed” or “always” (no window)."""
    if quiz.opens_at and now < quiz.opens_at:
        return "not_open"
    if quiz.closes_at and now >= quiz.closes_at:
        return "closed"
    if quiz.opens_at or quiz.closes_at:
        return "open"
    return "always"


MODE_ORDER = [QuizMode.PRACTICE, QuizMode.DRILL, QuizMode.EXAM]
