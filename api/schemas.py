"""What the API accepts and answers, as pydantic schemas (they make the OpenAPI).

Hours, rates and scores are JSON numbers; a figure that does not apply (no
requirement set, no exam taken) is null. Dates and times are ISO 8601, times
with their offset.
"""

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema

# ---------------------------------------------------------------- common


class ErrorOut(Schema):
    detail: str = Field(description="错误说明（中文）")
    code: str | None = Field(None, description="机器可读的错误代码（部分错误）")


class UnitOut(Schema):
    code: str
    name: str
    kind: str


# ---------------------------------------------------------------- org reports


class RollupRowOut(Schema):
    unit_code: str
    unit_name: str
    unit_kind: str
    headcount: int
    hours_total: float | None = None
    required_total: float | None = None
    required_count: int | None = None
    hours_avg: float | None = None
    required_avg: float | None = None
    requirement_met: int | None = None
    requirement_met_rate: float | None = None
    mandatory_assigned: int | None = None
    mandatory_completed: int | None = None
    completion_rate: float | None = None
    overdue_learners: int | None = None
    exams_taken: int | None = None
    exams_passed: int | None = None
    pass_rate: float | None = None
    score_avg: float | None = None


class SummaryOut(Schema):
    year: int
    units: list[RollupRowOut] = Field(description="调用者管辖的最上级单位的汇总")


class ChildrenOut(Schema):
    year: int
    unit: UnitOut
    total: RollupRowOut
    children: list[RollupRowOut]


class LearnerRowOut(Schema):
    id_number: str
    real_name: str
    unit_code: str | None = None
    unit_name: str | None = None
    position_name: str | None = None
    identity: str | None = None
    hours: float | None = None
    required_hours: float | None = None
    mandatory_assigned: int | None = None
    mandatory_completed: int | None = None
    mandatory_overdue: int | None = None
    exams_taken: int | None = None
    exams_passed: int | None = None
    score_avg: float | None = None


class PageMeta(Schema):
    count: int
    page: int
    page_size: int
    pages: int


class LearnerPageOut(PageMeta):
    year: int
    unit: UnitOut
    results: list[LearnerRowOut]


class AssignmentOut(Schema):
    id: int
    course_id: int | None
    course_title: str
    unit: UnitOut
    positions: list[str] = Field(description="岗位；为空表示全部人员")
    training_year: int
    due_on: date
    note: str
    created_at: datetime


class AssignmentPageOut(PageMeta):
    results: list[AssignmentOut]


class AssignmentStatusOut(AssignmentOut):
    state: Literal["done", "overdue", "doing"]
    percent: int
    completed: bool


class CreditOut(Schema):
    title: str
    reason: str
    reason_label: str
    hours: float
    training_year: int
    credited_at: datetime
    unit_code: str


class LearnerOut(Schema):
    id_number: str
    real_name: str
    identity: str
    identity_label: str
    position: str
    unit: UnitOut


class HoursOut(Schema):
    year: int | None = Field(description="培训年度；为空表示全部年度")
    hours_total: float
    required_hours: float | None
    by_reason: dict[str, float]
    credits: list[CreditOut]


class TranscriptOut(HoursOut):
    learner: LearnerOut
    assignments: list[AssignmentStatusOut]


# ---------------------------------------------------------------- lessons


class LessonEventIn(Schema):
    type: Literal["opened", "heartbeat", "presence", "video", "complete"] = Field(
        description="opened 打开课程；heartbeat 学习心跳（每 30 秒）；"
        "presence 学员确认仍在学习（防挂机）；video 视频播放位置；complete 申请完成"
    )
    position: float | None = Field(None, description="video：播放位置（秒）")
    duration: float | None = Field(None, description="video：视频时长（秒）")
    video: int = Field(
        0,
        ge=0,
        description="video：本课第几个视频，从 0 起",
    )


class LessonStatusOut(Schema):
    lesson: int
    rule: str
    seconds: int
    needed_seconds: int
    video_percent: int
    video_needed_percent: int
    video_resume_at: int
    video_resume: list[int] = Field(description="每个视频的续播位置（秒），按页面顺序")
    presence_minutes: int = Field(
        description="防挂机确认间隔（分钟）：超过这么久没有 opened、presence 或新的"
        "视频播放，心跳不计学习时长；0 表示不检查"
    )
    quiz_passed: bool
    rule_met: bool
    percent: int
    completed: bool
    completed_at: datetime | None
    hours: float


class LessonEventOut(Schema):
    recorded: bool
    status: LessonStatusOut | None = Field(
        None, description="opened 与 complete 返回学习状态；心跳与视频不返回"
    )


# ---------------------------------------------------------------- quizzes


class QuizOut(Schema):
    slug: str
    title: str
    mode: str


class OptionOut(Schema):
    id: int
    text: str
    correct: bool | None = Field(None, description="仅在评阅策略允许时给出")


class ItemOut(Schema):
    position: int
    kind: str
    stem_html: str
    options: list[OptionOut]
    blank_count: int
    points: float
    response: dict[str, Any] | None
    revision: int
    locked: bool = Field(description="练习模式下已核对答案，不能再修改")
    shows_key: bool
    is_correct: bool | None = None
    score: float | None = None
    correct_answer: dict[str, Any] | None = None
    explanation: str | None = None
    marker_comment: str | None = None


class AttemptOut(Schema):
    token: str
    quiz: QuizOut
    number: int
    status: str
    in_progress: bool
    started_at: datetime
    deadline: datetime | None
    submitted_at: datetime | None
    remaining_seconds: int | None
    shows_score: bool
    score: float | None
    max_score: float
    percent: float | None
    passed: bool | None
    key_available_at: datetime | None = Field(
        description="答案与成绩将公布的时间（考试结束后公布时）"
    )
    items_hidden: bool = Field(description="已交卷但评阅策略尚不公布答案时，不返回题目")
    items: list[ItemOut]


class AnswerIn(Schema):
    response: dict[str, Any] | None = Field(
        description='作答：单选 {"option": id}；多选 {"options": [id…]}；'
        '判断 {"value": true}；填空 {"blanks": ["…"]}；简答 {"text": "…"}；'
        "null 表示清空"
    )
    revision: int | None = Field(
        None, description="客户端最后看到的本题版本号；版本过旧的作答会被拒绝"
    )


class FeedbackOut(Schema):
    is_correct: bool
    score: float
    correct_answer: dict[str, Any]
    explanation: str


class AnswerOut(Schema):
    saved: bool
    changed: bool
    revision: int
    answered: bool
    remaining_seconds: int | None
    feedback: FeedbackOut | None = Field(None, description="练习模式下的即时反馈")
