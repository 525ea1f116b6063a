"""Item statistics (试题分析) and the score distribution of a quiz.

Every figure is a SQL aggregate over the attempt items (a handful of GROUP BY
queries per quiz, whatever the number of attempts); Python only combines the
sums. The population is the quiz's fully marked attempts (status `marked`), so
each attempt's total is final and every item in it has its score.

Definitions, per question of the quiz:

- attempts: items of the question in those attempts (every attempt of a quiz
  with fixed questions; fewer for questions drawn by blueprint rules);
- facility index (难度系数, P): the mean of score ÷ points, 0–1. 1 means everyone
  got full points; 0.3–0.8 is the usual range for a useful exam question;
- discrimination index (区分度, r): the Pearson correlation between the item's
  score fraction and the same attempt's rest-of-test score (the attempt's total
  minus this item's score), over those attempts. For items scored right/wrong
  this is the (corrected) point-biserial coefficient; for partial credit and
  essays it is the item–rest correlation. Why this and not the upper–lower 27 %
  groups: it uses every attempt rather than discarding the middle 46 %, it is
  five sums in one GROUP BY (no ranking, the same SQL on SQLite and
  PostgreSQL), and taking the rest of the test rather than the total keeps the
  item's own score from inflating it, which matters in 10–20 question quizzes.
  Read it as: ≥ 0.40 good, 0.30–0.39 acceptable, 0.20–0.29 to revise, < 0.20
  (or negative) to check the key. None when there are fewer than two attempts
  or either score does not vary (everyone right, or identical totals).
- option frequencies (choice and true/false questions): how many answered
  items chose each option, and the share of answered items that did.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, F, FloatField, Max, Min, Q, Sum, Value
from django.db.models.functions import Cast, Floor, Least
from django.utils.translation import gettext_lazy as _

from quizzes.html import html_text
from quizzes.models import (
    CHOICE_KINDS,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Option,
    Question,
    QuestionKind,
    Quiz,
)

# Options are lettered A, B, … in the author's order.
MAX_OPTIONS = 26


@dataclass(frozen=True)
class OptionFrequency:
    label: str
    count: int
    share: float | None  # of answered items, 0–1
    is_correct: bool
    option_id: int | None = None


@dataclass(frozen=True)
class ItemStatistics:
    question_id: int
    stem: str  # plain text
    kind: str
    attempts: int
    answered: int
    points: Decimal
    mean_score: float  # in points (a question keeps its points within a quiz)
    facility: float | None
    discrimination: float | None
    options: list[OptionFrequency] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return QuestionKind(self.kind).label


@dataclass(frozen=True)
class ScoreBin:
    lower: Decimal  # percent, inclusive
    upper: Decimal  # percent, exclusive except for the last bin
    count: int

    @property
    def is_last(self) -> bool:
        return self.upper == 100


@dataclass(frozen=True)
class ScoreDistribution:
    attempts: int
    mean_percent: float | None
    passed: int
    bins: list[ScoreBin]

    @property
    def largest_bin(self) -> int:
        return max((b.count for b in self.bins), default=0)


def _marked_items(quiz: Quiz):
    return AttemptItem.objects.filter(
        attempt__quiz=quiz, attempt__status=AttemptStatus.MARKED
    )


def pearson(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float):
    if n < 2:
        return None
    varx = n * sxx - sx * sx
    vary = n * syy - sy * sy
    # Relative tolerance: sums of thousands of floats leave rounding dust.
    if varx <= 1e-9 * max(1.0, n * sxx) or vary <= 1e-9 * max(1.0, n * syy):
        return None
    return (n * sxy - sx * sy) / math.sqrt(varx * vary)


def _response_counts(items, question_ids: list[int]) -> dict[int, list[tuple]]:
    """{question id: [(response, count)]} for the given questions.

    Responses are stored canonical (options sorted), so grouping by the whole
    response gives one row per distinct answer: at most a few dozen per
    question, whatever the number of attempts.
    """
    counts: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        items.filter(question_id__in=question_ids, response__isnull=False)
        .values("question_id", "response")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["question_id"]].append((row["response"], row["n"]))
    return counts


def _option_frequencies(
    items, by_question: dict[int, dict]
) -> dict[int, list[OptionFrequency]]:
    kinds = {qid: row["kind"] for qid, row in by_question.items()}
    choice_ids = [qid for qid, kind in kinds.items() if kind in CHOICE_KINDS]
    true_false = [qid for qid, kind in kinds.items() if kind == QuestionKind.TRUE_FALSE]
    if not choice_ids and not true_false:
        return {}
    answers = _response_counts(items, choice_ids + true_false)
    result: dict[int, list[OptionFrequency]] = {}

    options: dict[int, list[dict]] = defaultdict(list)
    for row in (
        Option.objects.filter(question_id__in=choice_ids)
        .order_by("question_id", "sort_order", "id")
        .values("id", "question_id", "text", "is_correct")
    ):
        options[row["question_id"]].append(row)

    for qid in choice_ids:
        answered = by_question[qid]["answered"]
        counted: dict[int, int] = defaultdict(int)
        for response, n in answers.get(qid, []):
            chosen = response.get("options", [])
            if "option" in response:
                chosen = [response["option"]]
            for option_id in chosen:
                counted[option_id] += n
        rows = []
        for letter, option in zip(_letters(), options[qid], strict=False):
            n = counted.pop(option["id"], 0)
            rows.append(
                OptionFrequency(
                    label=f"{letter}. {html_text(option['text'])}",
                    count=n,
                    share=n / answered if answered else None,
                    is_correct=option["is_correct"],
                    option_id=option["id"],
                )
            )
        for option_id, n in sorted(counted.items()):
            rows.append(
                OptionFrequency(
                    label=str(_("已删除的选项（编号%(id)s）") % {"id": option_id}),
                    count=n,
                    share=n / answered if answered else None,
                    is_correct=False,
                    option_id=option_id,
                )
            )
        result[qid] = rows

    keys = dict(
        Question.objects.filter(pk__in=true_false).values_list("id", "true_answer")
    )
    for qid in true_false:
        answered = by_question[qid]["answered"]
        counts = {True: 0, False: 0}
        for response, n in answers.get(qid, []):
            counts[bool(response.get("value"))] += n
        result[qid] = [
            OptionFrequency(
                label=str(label),
                count=counts[value],
                share=counts[value] / answered if answered else None,
                is_correct=keys.get(qid) is value,
            )
            for value, label in ((True, _("正确")), (False, _("错误")))
        ]
    return result


def _letters():
    return (chr(ord("A") + i) for i in range(MAX_OPTIONS))


def item_sums() -> dict:
    """The per-question sums behind facility and discrimination, to annotate a
    grouped query of attempt items (the report by unit groups them its own way):
    each item's fraction of its points (x) against the rest of its paper (y)."""
    fraction = Cast("score", FloatField()) / Cast("points", FloatField())
    rest = Cast(F("attempt__score") - F("score"), FloatField())
    return {
        "n": Count("id"),
        "answered": Count("response"),
        "max_points": Max("points"),
        "first_position": Min("position"),
        "sx": Sum(fraction),
        "sy": Sum(rest),
        "sxx": Sum(fraction * fraction),
        "syy": Sum(rest * rest),
        "sxy": Sum(fraction * rest),
    }


def quiz_item_statistics(*, quiz: Quiz) -> list[ItemStatistics]:
    """Per question of `quiz`: attempts, facility, discrimination, option choices.

    See the module docstring for the definitions. Ordered by the question's
    first position in the papers, then id.
    """
    items = _marked_items(quiz)
    rows = (
        items.values("question_id")
        .annotate(**item_sums())
        .order_by("first_position", "question_id")
    )
    by_question = {row["question_id"]: row for row in rows}
    if not by_question:
        return []
    questions = Question.objects.filter(pk__in=by_question).values("id", "stem", "kind")
    for question in questions:
        by_question[question["id"]]["stem"] = question["stem"]
        by_question[question["id"]]["kind"] = question["kind"]
    options = _option_frequencies(items, by_question)

    result = []
    for qid, row in by_question.items():
        n = row["n"]
        result.append(
            ItemStatistics(
                question_id=qid,
                stem=html_text(row["stem"]),
                kind=row["kind"],
                attempts=n,
                answered=row["answered"],
                points=row["max_points"],
                mean_score=(row["sx"] / n) * float(row["max_points"]) if n else 0.0,
                facility=(row["sx"] / n) if n else None,
                discrimination=pearson(
                    n, row["sx"], row["sy"], row["sxx"], row["syy"], row["sxy"]
                ),
                options=options.get(qid, []),
            )
        )
    return result


def quiz_score_distribution(*, quiz: Quiz, bins: int = 10) -> ScoreDistribution:
    """How many marked attempts fall in each band of percent score.

    `bins` equal bands from 0 to 100 %; each includes its lower bound, and the
    last also 100 %.
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    attempts = Attempt.objects.filter(quiz=quiz, status=AttemptStatus.MARKED)
    band = Least(Floor(Cast("percent", FloatField()) * bins / 100.0), Value(bins - 1.0))
    counts = {
        int(row["band"]): row["n"]
        for row in attempts.annotate(band=band)
        .values("band")
        .annotate(n=Count("id"))
        .order_by()
    }
    summary = attempts.aggregate(
        n=Count("id"),
        mean=Avg(Cast("percent", FloatField())),
        passed=Count("id", filter=Q(passed=True)),
    )
    width = Decimal(100) / bins
    return ScoreDistribution(
        attempts=summary["n"],
        mean_percent=summary["mean"],
        passed=summary["passed"],
        bins=[
            ScoreBin(
                lower=(width * i).quantize(Decimal("0.01")),
                upper=(width * (i + 1)).quantize(Decimal("0.01")),
                count=counts.get(i, 0),
            )
            for i in range(bins)
        ],
    )
