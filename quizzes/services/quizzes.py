"""Checking and publishing quizzes: a blueprint the bank cannot fill is refused here,
when the trainer saves or publishes, never first at a learner's start."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from quizzes.models import Quiz, QuizMode, QuizRule


def blueprint_problems(
    *, rules: Iterable[QuizRule], fixed_question_ids: Iterable[int] = ()
) -> list[str]:
    """Why these rules could fail to draw a full paper, one Chinese message each.

    Rules draw in order and never repeat a question, so a rule can only count on
    the questions that neither the fixed questions nor the earlier rules might
    take. The check assumes the worst (an earlier rule takes as many of this
    rule's questions as it can), which is exactly when the draw would fail.
    """
    fixed = set(fixed_question_ids)
    problems: list[str] = []
    earlier: list[tuple[set[int], int]] = []
    for number, rule in enumerate(rules, start=1):
        pool = set(rule.candidates().values_list("pk", flat=True)) - fixed
        taken_at_worst = sum(min(count, len(pool & other)) for other, count in earlier)
        available = len(pool) - taken_at_worst
        if available < rule.count:
            values = {
                "number": number,
                "rule": rule.describe(),
                "count": rule.count,
                "available": max(available, 0),
            }
            if taken_at_worst:
                message = _(
                    "第%(number)s条组卷规则（%(rule)s）要抽%(count)s道题，"
                    "但除去固定题目和前面规则可能抽走的题目，题库中只能保证%(available)s道。"
                )
            else:
                message = _(
                    "第%(number)s条组卷规则（%(rule)s）要抽%(count)s道题，"
                    "题库中只有%(available)s道符合条件的启用题目。"
                )
            problems.append(str(message % values))
        earlier.append((pool, rule.count))
    return problems


def quiz_validate(*, quiz: Quiz) -> None:
    """Raise ValidationError listing everything that keeps `quiz` from running.

    Reads the fixed questions and rules through the cluster relations, so it
    also checks a quiz being edited in a form before anything is saved.
    """
    quiz.full_clean()
    links = quiz.fixed_in_order()
    rules = quiz.rules_in_order()
    problems: list[str] = []
    if quiz.mode == QuizMode.DRILL:
        if links or rules:
            problems.append(
                str(
                    _(
                        "每日一练按学员的错题本和题库自动抽题，不能设置固定题目或组卷规则。"
                    )
                )
            )
    elif not links and not rules:
        problems.append(str(_("测验还没有题目：请添加固定题目或组卷规则。")))
    for link in links:
        if not link.question.is_active:
            problems.append(
                str(
                    _("固定题目“%(question)s”已停用。")
                    % {"question": link.question.stem[:30]}
                )
            )
    problems += blueprint_problems(
        rules=rules, fixed_question_ids=[link.question_id for link in links]
    )
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def quiz_publish(*, quiz: Quiz) -> Quiz:
    """Validate `quiz` and open it to learners."""
    quiz = Quiz.objects.select_for_update().get(pk=quiz.pk)
    quiz_validate(quiz=quiz)
    quiz.is_published = True
    quiz.save(update_fields=["is_published", "updated_at"])
    return quiz
