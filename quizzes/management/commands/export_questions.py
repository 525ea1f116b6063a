"""Export questions to Moodle XML, GIFT or the Excel template."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.io import FORMATS
from quizzes.io.exporter import questions_export
from quizzes.models import Category


class Command(BaseCommand):
    help = (
        "把题库（或某个分类及其下级分类）导出为 Moodle XML、GIFT 或 Excel 模板；"
        "导出的文件可以原样导入。默认只导出启用的题目。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", choices=FORMATS, required=True, help="xml、gift 或 xlsx。"
        )
        parser.add_argument(
            "--category", default="", help="分类路径，如“禁毒法/总则”。"
        )
        parser.add_argument("--out", required=True, help="输出文件路径。")
        parser.add_argument(
            "--include-inactive", action="store_true", help="同时导出已停用的题目。"
        )

    def handle(self, *args, format: str, category: str, out: str, **options):
        try:
            count = questions_export(
                file_format=format,
                out=Path(out),
                category_path=category or None,
                include_inactive=options["include_inactive"],
            )
        except Category.DoesNotExist:
            raise CommandError(f"找不到分类“{category}”。") from None
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 题到 {out}。"))
