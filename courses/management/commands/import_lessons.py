"""Import resource-bank lessons from an .xlsx or UTF-8 .csv file, by code."""

import contextlib
import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from courses.models import ResourceBankPage
from courses.services.lessons import (
    LessonImportSummary,
    LessonsInvalid,
    lesson_template_workbook,
    lessons_apply,
    lessons_read,
)

TEMPLATE_PATH = Path(settings.BASE_DIR) / "fixtures" / "lesson_template.xlsx"


@contextlib.contextmanager
def _wagtail_page_logs_quiet():
    """Wagtail logs three lines per page saved (created, edited, published):
    thousands of lines that would bury the progress bar. The audit log in the
    database is kept as usual."""
    logger = logging.getLogger("wagtail")
    level = logger.level
    logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        logger.setLevel(level)


def lessons_import_run(
    *, command: BaseCommand, bank, sheet, dry_run: bool, allow_new_topics: bool
) -> LessonImportSummary:
    """lessons_apply with a tqdm progress bar on the command's stderr."""
    # tqdm redraws its line with "\r"; Django's wrapper would add a newline.
    stream = getattr(command.stderr, "_out", command.stderr)
    with (
        _wagtail_page_logs_quiet(),
        tqdm(
            total=sheet.size,
            file=stream,
            unit="课",
            desc="导入课程",
            mininterval=0.5,
            leave=True,
        ) as bar,
    ):

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        return lessons_apply(
            bank=bank,
            sheet=sheet,
            dry_run=dry_run,
            allow_new_topics=allow_new_topics,
            progress=progress,
        )


def bank_get() -> ResourceBankPage:
    bank = ResourceBankPage.objects.first()
    if bank is None:
        raise CommandError(
            "还没有“教育资源库”页面。请先运行 `python manage.py load_demo`，"
            "或在后台首页下新建“教育资源库”页面。"
        )
    return bank


class Command(BaseCommand):
    help = (
        "从课程表（.xlsx 或 UTF-8 编码的 .csv）导入资源库课程，按“编码”新建或更新。"
        "任何一行有错误时不写入任何数据；重复导入同一文件不产生任何修改。"
        "列的说明见 fixtures/lesson_template.md。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="课程表文件（.xlsx 或 .csv）。")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="只检查并统计将要发生的变化，不写入数据。",
        )
        parser.add_argument(
            "--no-new-topics",
            action="store_true",
            help="不允许新建专题：系统中没有的专题按错误处理（用于发现错别字）。",
        )
        parser.add_argument(
            "--template",
            nargs="?",
            const=str(TEMPLATE_PATH),
            default=None,
            metavar="PATH",
            help=f"不导入，只生成空白课程表模板（默认 {TEMPLATE_PATH}）。",
        )

    def handle(self, *args, file, dry_run, no_new_topics, template, **options):
        if template:
            path = Path(template)
            path.parent.mkdir(parents=True, exist_ok=True)
            lesson_template_workbook().save(path)
            self.stdout.write(self.style.SUCCESS(f"已生成课程表模板：{path}"))
            return
        if not file:
            raise CommandError("请指定要导入的课程表文件（.xlsx 或 .csv）。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件“{file}”。")
        bank = bank_get()
        started = time.perf_counter()
        try:
            sheet = lessons_read(file=path, filename=path.name)
            summary = lessons_import_run(
                command=self,
                bank=bank,
                sheet=sheet,
                dry_run=dry_run,
                allow_new_topics=not no_new_topics,
            )
        except LessonsInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"导入失败，共 {len(exc.errors)} 处错误，未写入任何数据。"
            ) from None
        elapsed = time.perf_counter() - started
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS("检查通过（--dry-run，未写入任何数据）。将会：")
                + summary.as_text()
            )
        else:
            self.stdout.write(self.style.SUCCESS("导入完成：") + summary.as_text())
        self.stdout.write(f"共 {sheet.size} 行，用时 {elapsed:.1f} 秒。")
