"""Blocks shared by every page body. Each block names its own template."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link", "document-link", "hr"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("标题"), max_length=120)
    level = blocks.ChoiceBlock(
        label=_("级别"),
        choices=[("h2", _("二级标题")), ("h3", _("三级标题"))],
        default="h2",
        search_index=False,  # an option, not content
    )

    class Meta:
        icon = "title"
        label = _("小标题")
        template = "blocks/heading_block.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    caption = blocks.CharBlock(label=_("图注"), required=False, max_length=200)
    alt = blocks.CharBlock(
        label=_("替代文字"),
        required=False,
        max_length=200,
        help_text=_("为使用读屏软件的学员描述图片内容；留空则使用图片标题。"),
    )

    class Meta:
        icon = "image"
        label = _("图片")
        template = "blocks/image_block.html"


class AttachmentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("文件"))
    description = blocks.CharBlock(label=_("说明"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("附件")
        template = "blocks/attachment_block.html"


class BaseStreamBlock(blocks.StreamBlock):
    rich_text = blocks.RichTextBlock(
        label=_("正文"), features=RICH_TEXT_FEATURES, template="blocks/rich_text.html"
    )
    heading = HeadingBlock()
    image = ImageBlock()
    attachment = AttachmentBlock()
