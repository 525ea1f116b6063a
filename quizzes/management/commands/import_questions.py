"""Import questions from Moodle XML, GIFT or the Excel template."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from quizzes.io import questions_import
from quizzes.io.importer import ImportReport
from quizzes.io.types import DEFAULT_CATEGORY


def report_text(report: ImportReport) -> str:
    """One line a trainer reads after an import (or a dry run)."""
    done = "将新建" if report.dry_run else "新建"
    return (
        f"共 {report.total} 题：{done} {report.created} 题，"
        f"更新 {report.updated} 题，未变化 {report.unchanged} 题。"
    )


class Command(BaseCommand):
    help = (
        "从 Moodle XML（.xml）、GIFT（.gift/.txt）或 Excel 模板（.xlsx）导入题目。"
        "文件有任何错误时不导入任何题目，并列出每一处错误；重复导入同一文件不会产生重复题目。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="题目文件（.xml、.gift、.txt 或 .xlsx）。")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="只检查文件并统计将要新建、更新的题目，不写入数据。",
        )
        parser.add_argument(
            "--category",
            default=DEFAULT_CATEGORY,
            help=f"文件中没有指定分类的题目放入的分类路径（默认“{DEFAULT_CATEGORY}”）。",
        )

    def handle(self, *args, file: str, dry_run: bool, category: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件“{file}”。")
        bar: tqdm | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, unit="题", desc="导入", file=self.stderr._out)
            bar.update(done - bar.n)

        try:
            report = questions_import(
                path,
                filename=path.name,
                dry_run=dry_run,
                progress=progress,
                default_category=category,
            )
        finally:
            if bar is not None:
                bar.close()
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"文件中有 {len(report.problems)} 处错误，未导入任何题目。"
            )
        prefix = "（试运行，未写入数据）" if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + report_text(report)))
