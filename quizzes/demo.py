"""The demo question bank, quizzes and a little seeded activity, for `load_demo`.

The bank is the GIFT files in fixtures/demo/questions/, imported through the same
`questions_import` a trainer uses, so the demo exercises the real path; every
question carries a code (编号), which is what makes a second import find the same
questions and change nothing.

The quizzes are found by slug, kept in step with the definitions below and
published after `quiz_validate`. Seeded activity (a finished practice attempt per
learner, an exam attempt whose essay waits for marking) goes through the attempt
services like a learner's clicks would, and is seeded only for a learner who has
no attempt at that quiz yet, so running the load again adds nothing.

The quiz engine knows nothing of organisations or positions: the caller passes
the users in.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from quizzes.io import questions_import, questions_read
from quizzes.models import (
    Attempt,
    AttemptItem,
    Category,
    Difficulty,
    Question,
    QuestionKind,
    Quiz,
    QuizMode,
    QuizQuestion,
    QuizRule,
    ReviewPolicy,
)
from quizzes.services import (
    answer_save,
    attempt_start,
    attempt_submit,
    item_mark,
    quiz_publish,
    quiz_validate,
)

DEMO_QUESTIONS_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo" / "questions"

Progress = Callable[[int, int], None]


class DemoBankError(Exception):
    """A demo question file cannot be imported; lists every problem."""


@dataclass(frozen=True)
class RuleSpec:
    category: str  # full path of the category; subcategories included
    count: int
    kind: str = ""
    difficulty: str = ""
    points_each: Decimal | None = None


@dataclass(frozen=True)
class QuizSpec:
    slug: str
    title: str
    description: str
    mode: str
    review_policy: str
    codes: tuple[str, ...] = ()  # fixed questions, in order
    rules: tuple[RuleSpec, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)
    exam_days: int | None = None  # open from `now` for this many days


WORKER_TEST = QuizSpec(
    slug="worker-must-know",
    title="社区禁毒专干应知应会测试",
    description=(
        "对照《社区禁毒专干培训教材》的要点，检验社区戒毒社区康复工作程序、"
        "禁毒法律法规、毒品识别、个案管理与后续照管的应知应会内容。"
        "每题作答后立即显示对错和解析，可反复练习。"
    ),
    mode=QuizMode.PRACTICE,
    review_policy=ReviewPolicy.IMMEDIATELY,
    codes=(
        "JDF-0003",
        "JDF-0004",
        "JDTL-0002",
        "JDTL-0004",
        "JDTL-0008",
        "SQJD-0006",
        "SQJD-0007",
        "SQJD-0012",
        "SQJD-0021",
        "JDF-0010",
        "DPZS-0001",
        "DPZS-0013",
        "DPZS-0018",
        "DPZS-0024",
        "GAGL-0003",
        "GAGL-0013",
        "GAGL-0018",
        "XLJZ-0007",
        "HXZG-0004",
        "ZYGF-0008",
    ),
)

OFFICER_TEST = QuizSpec(
    slug="officer-must-know",
    title="戒毒民警应知应会测试",
    description=(
        "岗位大练兵应知应会测试：强制隔离戒毒法律规定、“四期四区”和五大专业中心、"
        "戒毒医疗与过量急救、场所安全管理和执法规范。"
        "每题作答后立即显示对错和解析，可反复练习。"
    ),
    mode=QuizMode.PRACTICE,
    review_policy=ReviewPolicy.IMMEDIATELY,
    codes=(
        "JDF-0007",
        "JDF-0008",
        "JDF-0020",
        "JDF-0025",
        "SQSQ-0001",
        "SQSQ-0007",
        "SQSQ-0011",
        "ZYZX-0001",
        "ZYZX-0007",
        "ZYZX-0010",
        "JDYL-0001",
        "JDYL-0003",
        "JDYL-0012",
        "JDYL-0018",
        "JDYL-0024",
        "AQGL-0006",
        "AQGL-0007",
        "AQGL-0014",
        "ZYGF-0006",
        "ZYGF-0001",
    ),
)

DAILY_DRILL = QuizSpec(
    slug="daily-drill",
    title="每日一练",
    description=(
        "每天10道题：优先安排错题本中到期复习的题目，其余从题库中抽取没做过的题。"
        "答错的题会自动进入错题本，连续答对两次即为掌握。"
    ),
    mode=QuizMode.DRILL,
    review_policy=ReviewPolicy.IMMEDIATELY,
    fields={"drill_size": 10},
)

EXAM = QuizSpec(
    slug="exam-2026-comprehensive",
    title="2026年度综合业务考核",
    description=(
        "年度综合业务考核，满分100分，60分及格。限时60分钟，共两次作答机会，"
        "取最高分。试题从题库按组卷规则随机抽取：禁毒法律法规单选题10道（每题4分）、"
        "戒毒医疗判断题5道（每题2分）、社区戒毒社区康复多选题5道（每题6分，"
        "少选按比例得分，错选不得分）、简答题1道（20分，由教员阅卷）。"
        "交卷后可查看答案和解析。"
    ),
    mode=QuizMode.EXAM,
    review_policy=ReviewPolicy.AFTER_SUBMIT,
    rules=(
        RuleSpec(
            "禁毒法律法规",
            10,
            QuestionKind.SINGLE,
            Difficulty.MEDIUM,
            Decimal("4"),
        ),
        RuleSpec("戒毒医疗", 5, QuestionKind.TRUE_FALSE, "", Decimal("2")),
        RuleSpec("社区戒毒社区康复", 5, QuestionKind.MULTIPLE, "", Decimal("6")),
        RuleSpec("社区戒毒社区康复", 1, QuestionKind.ESSAY, "", Decimal("20")),
    ),
    fields={
        "time_limit": 60,
        "max_attempts": 2,
        "pass_mark": Decimal("60"),
        "shuffle_options": True,
    },
    exam_days=30,
)

DEMO_QUIZZES = (WORKER_TEST, OFFICER_TEST, DAILY_DRILL, EXAM)
# The practice quiz seeded for each learner, in turn: the first learner passed
# in (the officer persona) takes the officers' test, the second the workers'.
PRACTICE_ROTATION = (OFFICER_TEST, WORKER_TEST)
# Items answered wrong in seeded attempts, so wrong-answer books have entries.
PRACTICE_WRONG = frozenset({2, 6, 11})
EXAM_WRONG = frozenset({3, 12})

ESSAY_ANSWERS = {
    "SQJD-0027": (
        "邓某三次逃避检测，已属于严重违反社区戒毒协议。我会先核对检测台账，"
        "再当面告诉他工作站必须依法报告，当天把台账和谈话记录报给社区民警。"
        "他深夜外出、和以前的朋友来往，可能有复吸，要配合民警检测。"
        "以前两次漏检时就应该上门核实，不能只打电话。"
    ),
    "SQJD-0028": (
        "先上门找家属了解黄某去向，打电话告诉他十五日内必须报到，"
        "逾期视为拒绝社区戒毒，可能被强制隔离戒毒；外出打工可以报到后办理请假。"
        "如果还是不来，要记录下来并报告派出所。"
    ),
}
ESSAY_FALLBACK = "按照规定及时报告，做好记录，同时关心服务对象的实际困难。"


@dataclass
class DemoQuizzesSummary:
    questions: int = 0
    questions_created: int = 0
    questions_updated: int = 0
    questions_unchanged: int = 0
    quizzes_created: list[str] = field(default_factory=list)
    quizzes_updated: list[str] = field(default_factory=list)
    attempts_created: int = 0


# ---------------------------------------------------------------- the bank


def demo_bank_load(
    *, directory: Path = DEMO_QUESTIONS_DIR, progress: Progress | None = None
) -> DemoQuizzesSummary:
    """Import every GIFT file of `directory`, all of them or none."""
    paths = sorted(directory.glob("*.gift"))
    totals: dict[Path, int] = {}
    problems: list[str] = []
    for path in paths:
        specs, found = questions_read(path)
        totals[path] = len(specs)
        problems += [f"{path.name} {problem}" for problem in found]
    if problems:
        raise DemoBankError("\n".join(problems))
    summary = DemoQuizzesSummary()
    grand_total = sum(totals.values())
    with transaction.atomic():
        for path in paths:
            before = summary.questions

            def file_progress(done: int, _total: int, before: int = before) -> None:
                if progress is not None:
                    progress(before + done, grand_total)

            report = questions_import(path, filename=path.name, progress=file_progress)
            if not report.ok:
                raise DemoBankError(
                    "\n".join(f"{path.name} {problem}" for problem in report.problems)
                )
            summary.questions += report.total
            summary.questions_created += report.created
            summary.questions_updated += report.updated
            summary.questions_unchanged += report.unchanged
    return summary


# ---------------------------------------------------------------- quizzes


def _questions_by_code(codes: Sequence[str]) -> list[Question]:
    found = {q.code: q for q in Question.objects.filter(code__in=list(codes))}
    missing = [code for code in codes if code not in found]
    if missing:
        raise DemoBankError(f"演示题库中缺少题目：{'、'.join(missing)}")
    return [found[code] for code in codes]


def _fixed_sync(quiz: Quiz, spec: QuizSpec) -> bool:
    wanted = [question.pk for question in _questions_by_code(spec.codes)]
    current = [link.question_id for link in quiz.fixed_in_order()]
    if current == wanted:
        return False
    quiz.quiz_questions.all().delete()
    QuizQuestion.objects.bulk_create(
        QuizQuestion(quiz=quiz, question_id=pk, sort_order=order)
        for order, pk in enumerate(wanted)
    )
    return True


def _rule_key(rule: QuizRule) -> tuple:
    return (
        rule.category_id,
        rule.include_subcategories,
        rule.kind,
        rule.difficulty,
        rule.count,
        rule.points_each,
    )


def _rules_sync(quiz: Quiz, spec: QuizSpec) -> bool:
    wanted = [
        QuizRule(
            quiz=quiz,
            category=Category.objects.get(full_path=rule.category),
            include_subcategories=True,
            kind=rule.kind,
            difficulty=rule.difficulty,
            count=rule.count,
            points_each=rule.points_each,
            sort_order=order,
        )
        for order, rule in enumerate(spec.rules)
    ]
    current = [_rule_key(rule) for rule in quiz.rules_in_order()]
    if current == [_rule_key(rule) for rule in wanted]:
        return False
    quiz.rules.all().delete()
    QuizRule.objects.bulk_create(wanted)
    return True


def _quiz_fields(spec: QuizSpec) -> dict[str, Any]:
    return {
        "title": spec.title,
        "description": spec.description,
        "mode": spec.mode,
        "review_policy": spec.review_policy,
        **spec.fields,
    }


def _quiz_ensure(spec: QuizSpec, *, now: datetime) -> tuple[Quiz, str | None]:
    """The quiz of `spec`, created or brought in step, validated and published.

    Returns the quiz and "created", "updated" or None (nothing changed). An
    exam's window is set when it is created, and moved to start at `now` only
    when `now` falls outside it, so a second load the same month keeps it.
    """
    fields = _quiz_fields(spec)
    quiz = Quiz.objects.filter(slug=spec.slug).first()
    outcome = None
    if quiz is None:
        quiz = Quiz(slug=spec.slug, **fields)
        outcome = "created"
    else:
        for name, value in fields.items():
            if getattr(quiz, name) != value:
                setattr(quiz, name, value)
                outcome = "updated"
    if spec.exam_days is not None:
        inside = (
            quiz.opens_at is not None
            and quiz.closes_at is not None
            and quiz.opens_at <= now < quiz.closes_at
        )
        if not inside:
            quiz.opens_at = now
            quiz.closes_at = now + timedelta(days=spec.exam_days)
            outcome = outcome or "updated"
    if outcome:
        quiz.full_clean()
        quiz.save()
    changed = _fixed_sync(quiz, spec) | _rules_sync(quiz, spec)
    if changed and outcome is None:
        outcome = "updated"
    quiz = Quiz.objects.get(pk=quiz.pk)
    quiz_validate(quiz=quiz)
    if not quiz.is_published:
        quiz = quiz_publish(quiz=quiz)
    return quiz, outcome


# ---------------------------------------------------------------- activity


def _response(item: AttemptItem, *, right: bool) -> dict[str, Any]:
    """What a learner would send for `item`: its answer key, or a wrong answer."""
    snapshot = item.snapshot
    kind = snapshot["kind"]
    options = snapshot.get("options", [])
    correct = [option["id"] for option in options if option["correct"]]
    wrong = [option["id"] for option in options if not option["correct"]]
    if kind == QuestionKind.SINGLE:
        return {"option": correct[0] if right else wrong[0]}
    if kind == QuestionKind.MULTIPLE:
        # A typical slip: one right option left out (or a wrong one ticked).
        if right:
            chosen = correct
        elif len(correct) > 1:
            chosen = correct[:-1]
        else:
            chosen = correct + wrong[:1]
        return {"options": chosen}
    if kind == QuestionKind.TRUE_FALSE:
        truth = snapshot["true_answer"]
        return {"value": truth if right else not truth}
    if kind == QuestionKind.FILL_IN:
        blanks = snapshot["blanks"]
        return {"blanks": [b[0] if right else "不清楚" for b in blanks]}
    code = Question.objects.filter(pk=item.question_id).values_list("code", flat=True)
    return {"text": ESSAY_ANSWERS.get(code.first() or "", ESSAY_FALLBACK)}


def _attempt_take(
    *,
    quiz: Quiz,
    user: AbstractBaseUser,
    started: datetime,
    wrong_positions: frozenset[int],
) -> Attempt:
    attempt = attempt_start(quiz=quiz, user=user, now=started)
    items = list(attempt.items.order_by("position"))
    for item in items:
        answer_save(
            attempt=attempt,
            user=user,
            position=item.position,
            response=_response(item, right=item.position not in wrong_positions),
            now=started + timedelta(minutes=item.position),
        )
    return attempt_submit(
        attempt=attempt,
        user=user,
        now=started + timedelta(minutes=len(items) + 2),
    )


def _has_attempt(quiz: Quiz, user: AbstractBaseUser) -> bool:
    return Attempt.objects.filter(quiz=quiz, user=user).exists()


def _activity_seed(
    *,
    quizzes: dict[str, Quiz],
    learners: Sequence[AbstractBaseUser],
    trainer: AbstractBaseUser | None,
    now: datetime,
) -> int:
    created = 0
    # Yesterday's practice: its mistakes are due for review in today's drill.
    for index, learner in enumerate(learners):
        quiz = quizzes[PRACTICE_ROTATION[index % len(PRACTICE_ROTATION)].slug]
        if not _has_attempt(quiz, learner):
            _attempt_take(
                quiz=quiz,
                user=learner,
                started=now - timedelta(days=1),
                wrong_positions=PRACTICE_WRONG,
            )
            created += 1
    exam = quizzes[EXAM.slug]
    exam_start = max(now, exam.opens_at)
    # The first learner's exam waits for the trainer: the marking queue's item.
    if learners and not _has_attempt(exam, learners[0]):
        _attempt_take(
            quiz=exam,
            user=learners[0],
            started=exam_start,
            wrong_positions=EXAM_WRONG,
        )
        created += 1
    # The second learner's exam is already marked, so results have a row too.
    if trainer is not None and len(learners) > 1:
        learner = learners[1]
        if not _has_attempt(exam, learner):
            attempt = _attempt_take(
                quiz=exam,
                user=learner,
                started=exam_start + timedelta(minutes=5),
                wrong_positions=frozenset({5}),
            )
            for item in attempt.items.filter(score__isnull=True):
                item_mark(
                    item=item,
                    score=item.points * Decimal("0.75"),
                    marker=trainer,
                    comment="要点基本完整，依法报告的时限和材料要求还可以写得更具体。",
                    now=exam_start + timedelta(hours=2),
                )
            created += 1
    return created


# ---------------------------------------------------------------- entry point


def demo_quizzes_load(
    *,
    learners: Sequence[AbstractBaseUser] = (),
    trainer: AbstractBaseUser | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> DemoQuizzesSummary:
    """Import the demo bank, ensure and publish the demo quizzes, seed activity.

    Idempotent: a second run finds every question by its code and every quiz by
    its slug, changes nothing and adds no attempt. `progress(done, total)` is
    called per question imported.
    """
    now = now or timezone.now()
    summary = demo_bank_load(progress=progress)
    quizzes: dict[str, Quiz] = {}
    with transaction.atomic():
        for spec in DEMO_QUIZZES:
            quiz, outcome = _quiz_ensure(spec, now=now)
            quizzes[spec.slug] = quiz
            if outcome == "created":
                summary.quizzes_created.append(quiz.title)
            elif outcome == "updated":
                summary.quizzes_updated.append(quiz.title)
    # The attempt services want no transaction of ours around them.
    summary.attempts_created = _activity_seed(
        quizzes=quizzes, learners=list(learners), trainer=trainer, now=now
    )
    return summary
