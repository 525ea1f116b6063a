from django import template

from quizzes.html import html_clean, html_text

register = template.Library()


@register.filter(name="quiz_html")
def quiz_html(value):
    """Question HTML, sanitised: `{{ item.stem|quiz_html }}`."""
    return html_clean(value)


@register.filter(name="quiz_text")
def quiz_text(value):
    """The plain text of question HTML: `{{ q.stem|quiz_text|truncatechars:40 }}`."""
    return html_text(value)
