"""Write the Excel question template (fixtures/question_template.xlsx)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from quizzes.io.xlsx import question_template_workbook

TEMPLATE_PATH = Path(settings.BASE_DIR) / "fixtures" / "question_template.xlsx"


class Command(BaseCommand):
    help = "生成题目导入模板（默认写到 fixtures/question_template.xlsx）。"

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(TEMPLATE_PATH), help="输出文件路径。")

    def handle(self, *args, out: str, **options):
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        question_template_workbook().save(path)
        self.stdout.write(self.style.SUCCESS(f"已生成 {path}。"))
