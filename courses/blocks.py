"""The lesson body: the shared blocks plus those of teaching material."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from cms.blocks import RICH_TEXT_FEATURES, BaseStreamBlock
from quizzes.models import Quiz


class VideoBlock(blocks.StructBlock):
    """An uploaded video (a Wagtail document) with a poster. The player resumes
    where the learner left off (kept in the browser now, on the server once the
    training record lands)."""

    video = DocumentChooserBlock(
        label=_("视频文件"), help_text=_("MP4（H.264）或 WebM 格式。")
    )
    poster = ImageChooserBlock(label=_("封面图"), required=False)
    caption = blocks.CharBlock(label=_("说明"), required=False, max_length=200)

    class Meta:
        icon = "media"
        label = _("视频")
        template = "courses/blocks/video_block.html"


class KeyPointsBlock(blocks.StructBlock):
    """应知应会: what every learner must retain from the lesson."""

    title = blocks.CharBlock(label=_("标题"), default="应知应会", max_length=50)
    points = blocks.ListBlock(
        blocks.CharBlock(label=_("要点"), max_length=300), label=_("要点")
    )

    class Meta:
        icon = "list-ul"
        label = _("应知应会要点")
        template = "courses/blocks/key_points_block.html"


class CaseStudyBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("案例标题"), max_length=120)
    narrative = blocks.RichTextBlock(label=_("案例经过"), features=RICH_TEXT_FEATURES)
    analysis = blocks.RichTextBlock(
        label=_("案例分析"), features=RICH_TEXT_FEATURES, required=False
    )

    class Meta:
        icon = "openquote"
        label = _("案例")
        template = "courses/blocks/case_study_block.html"


class QuizEmbedBlock(blocks.StructBlock):
    """A quiz of the quiz engine offered inside the lesson.

    The quiz is named by its code (`Quiz.slug`), the same stable key import
    files use, so a lesson spreadsheet can name its quiz. Saving refuses a code
    no quiz has. What the block shows is the same for every reader (title,
    mode, limits and a link), so the rendered body can be cached per revision;
    the learner's own attempts live on the quiz's page.
    """

    quiz_code = blocks.CharBlock(
        label=_("测验代码"),
        max_length=64,
        help_text=_("题库中测验的代码（在“题库与测验 → 测验”中可见）。"),
        search_index=False,
    )
    title = blocks.CharBlock(label=_("显示标题"), required=False, max_length=120)
    required_to_complete = blocks.BooleanBlock(
        label=_("通过后才算完成本课"),
        required=False,
        default=False,
        search_index=False,
    )

    class Meta:
        icon = "tasks"
        label = _("随堂测验")
        template = "courses/blocks/quiz_embed_block.html"

    def clean(self, value):
        value = super().clean(value)
        code = value.get("quiz_code", "").strip()
        if code and not Quiz.objects.filter(slug=code).exists():
            raise StructBlockValidationError(
                block_errors={
                    "quiz_code": ValidationError(
                        _("没有代码为“%(code)s”的测验。"), params={"code": code}
                    )
                }
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["quiz"] = (
            Quiz.objects.filter(slug=value.get("quiz_code"), is_published=True)
            .only("title", "slug", "mode", "time_limit", "description")
            .first()
        )
        return context


class LessonStreamBlock(BaseStreamBlock):
    video = VideoBlock()
    key_points = KeyPointsBlock()
    case_study = CaseStudyBlock()
    quiz = QuizEmbedBlock()
