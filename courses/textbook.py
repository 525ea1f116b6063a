"""Reading a book written in the textbook Markdown (fixtures/textbook/README.md)
and building it as a course: CoursePage → ChapterPage → LessonPage per section.

Loading is idempotent: pages are found by slug (chapters) and code (lessons),
and a new revision is published only when something changed.
"""

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from courses.models import ChapterPage, CoursePage, LessonPage, Position
from courses.models.pages import CompletionRule, LessonFormat
from courses.services.pages import page_publish_if_changed

META_RE = re.compile(
    r"^课时[:：]\s*(?P<hours>[\d.]+)\s*[;；]\s*分钟[:：]\s*(?P<minutes>\d+)\s*[;；]\s*"
    r"专题[:：]\s*(?P<topics>[^;；]*)[;；]\s*岗位[:：]\s*(?P<positions>.*)$"
)
BOLD_RE = re.compile(r"\*\*(.+?)\*\*")


class TextbookFormatError(ValueError):
    def __init__(self, path: Path | str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")


@dataclass
class Section:
    title: str
    class_hours: Decimal
    minutes: int
    topics: list[str]
    positions: list[str]
    body: list[dict] = field(default_factory=list)

    @property
    def format(self) -> str:
        return (
            LessonFormat.CASE
            if any(b["type"] == "case_study" for b in self.body)
            else LessonFormat.TEXT
        )


@dataclass
class Chapter:
    title: str
    summary: str
    sections: list[Section] = field(default_factory=list)


def _inline(text: str) -> str:
    return BOLD_RE.sub(r"<b>\1</b>", html.escape(text.strip()))


def _paragraphs_html(lines: list[str]) -> str:
    """Blank-line separated paragraphs and `- ` lists as rich-text HTML."""
    out, para, items = [], [], []

    def flush():
        if para:
            out.append(f"<p>{_inline(''.join(para))}</p>")
            para.clear()
        if items:
            out.append(
                "<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>"
            )
            items.clear()

    for line in lines:
        stripped = line.strip()
        if not stripped:
            flush()
        elif stripped.startswith("- "):
            if para:
                flush()
            items.append(stripped[2:])
        else:
            if items:
                flush()
            para.append(stripped)
    flush()
    return "".join(out)


def textbook_parse(*, text: str, source: str = "<text>") -> Chapter:
    lines = text.splitlines()
    chapter: Chapter | None = None
    section: Section | None = None
    pending: list[str] = []
    summary_lines: list[str] = []
    i = 0

    def flush_text():
        if section is not None and any(line.strip() for line in pending):
            section.body.append(
                {"type": "rich_text", "value": _paragraphs_html(pending)}
            )
        pending.clear()

    while i < len(lines):
        line = lines[i]
        number = i + 1
        if line.startswith("# "):
            if chapter is not None:
                raise TextbookFormatError(
                    source, number, "一个文件只能有一个“# ”章标题"
                )
            chapter = Chapter(title=line[2:].strip(), summary="")
        elif line.startswith("## "):
            if chapter is None:
                raise TextbookFormatError(source, number, "节标题之前缺少“# ”章标题")
            flush_text()
            if section is None:
                chapter.summary = _paragraphs_html(summary_lines)
            meta = META_RE.match(lines[i + 1].strip()) if i + 1 < len(lines) else None
            if meta is None:
                raise TextbookFormatError(
                    source,
                    number + 1,
                    "节标题下一行应为“课时: ; 分钟: ; 专题: ; 岗位: ”",
                )
            section = Section(
                title=line[3:].strip(),
                class_hours=Decimal(meta["hours"]),
                minutes=int(meta["minutes"]),
                topics=[t.strip() for t in meta["topics"].split("、") if t.strip()],
                positions=[
                    p.strip() for p in meta["positions"].split("、") if p.strip()
                ],
            )
            chapter.sections.append(section)
            i += 1
        elif line.startswith("### "):
            flush_text()
            if section is None:
                raise TextbookFormatError(source, number, "小标题必须在某一节之内")
            section.body.append(
                {"type": "heading", "value": {"text": line[4:].strip(), "level": "h2"}}
            )
        elif line.startswith(":::"):
            flush_text()
            if section is None:
                raise TextbookFormatError(source, number, "要点或案例必须在某一节之内")
            kind = line[3:].strip()
            end = next(
                (j for j in range(i + 1, len(lines)) if lines[j].strip() == ":::"), None
            )
            if end is None:
                raise TextbookFormatError(source, number, "缺少结束的“:::”")
            inner = lines[i + 1 : end]
            if kind.startswith("要点"):
                points = [x.strip()[2:] for x in inner if x.strip().startswith("- ")]
                section.body.append(
                    {
                        "type": "key_points",
                        "value": {"title": "应知应会", "points": points},
                    }
                )
            elif kind.startswith("案例"):
                title = kind[2:].strip()
                split = next(
                    (k for k, x in enumerate(inner) if x.strip().startswith("分析")),
                    len(inner),
                )
                section.body.append(
                    {
                        "type": "case_study",
                        "value": {
                            "title": title,
                            "narrative": _paragraphs_html(inner[:split]),
                            "analysis": _paragraphs_html(inner[split:]),
                        },
                    }
                )
            else:
                raise TextbookFormatError(source, number, f"未知的块“{kind}”")
            i = end
        elif section is None and chapter is not None:
            summary_lines.append(line)
        else:
            pending.append(line)
        i += 1
    flush_text()
    if chapter is None:
        raise TextbookFormatError(source, 1, "缺少“# ”章标题")
    if section is None:
        chapter.summary = _paragraphs_html(summary_lines)
    return chapter


@transaction.atomic
def textbook_load(
    *,
    index_page,
    directory: Path,
    slug: str,
    title: str,
    summary: str,
    code_prefix: str,
) -> CoursePage:
    """Build (or bring up to date) the book in `directory` under `index_page`."""
    positions = {p.name: p for p in Position.objects.all()}
    chapters = [
        textbook_parse(text=path.read_text(encoding="utf-8"), source=path.name)
        for path in sorted(directory.glob("[0-9]*.md"))
    ]
    course = CoursePage.objects.child_of(index_page).filter(slug=slug).first()
    if course is None:
        course = CoursePage(title=title, slug=slug, summary=summary)
        index_page.add_child(instance=course)
        course.save_revision().publish()
    for c_number, chapter in enumerate(chapters, start=1):
        chapter_slug = f"chapter-{c_number:02d}"
        page = ChapterPage.objects.child_of(course).filter(slug=chapter_slug).first()
        is_new = page is None
        if is_new:
            page = ChapterPage(title=chapter.title, slug=chapter_slug)
            course.add_child(instance=page)
        page_publish_if_changed(
            page,
            {"title": chapter.title, "summary": html_to_text(chapter.summary)},
            is_new=is_new,
        )
        for s_number, section in enumerate(chapter.sections, start=1):
            code = f"{code_prefix}-{c_number:02d}-{s_number:02d}"
            lesson = LessonPage.objects.filter(code=code).first()
            is_new = lesson is None
            if is_new:
                lesson = LessonPage(
                    title=section.title,
                    code=code,
                    slug=slugify(code),
                    completion_rule=CompletionRule.TIME,
                )
                page.add_child(instance=lesson)
            page_publish_if_changed(
                lesson,
                {
                    "title": section.title,
                    "class_hours": section.class_hours,
                    "minutes": section.minutes,
                    "format": section.format,
                    "body": section.body,
                },
                is_new=is_new,
                topics=sorted(section.topics),
                position_ids={
                    positions[n].pk for n in section.positions if n in positions
                },
            )
    return course


def html_to_text(value: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "\n", value)).strip().replace("\n\n", "\n")
