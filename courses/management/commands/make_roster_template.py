"""Write the blank roster workbook that administrators fill in and import."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from courses.services.roster import roster_template_workbook


class Command(BaseCommand):
    help = "生成花名册导入模板（默认写到 fixtures/roster_template.xlsx）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "fixtures" / "roster_template.xlsx"),
            help="模板文件的保存路径。",
        )

    def handle(self, *args, output: str, **options):
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        roster_template_workbook().save(path)
        self.stdout.write(self.style.SUCCESS(f"已生成花名册模板：{path}"))
