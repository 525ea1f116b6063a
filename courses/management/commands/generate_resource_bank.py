"""Generate a realistic resource bank: into the site, or as an .xlsx to import."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.management.commands.import_lessons import bank_get, lessons_import_run
from courses.resource_bank import BANK_SIZE, resource_bank_generate, resource_bank_write
from courses.services.lessons import LessonsInvalid, lessons_from_records


class Command(BaseCommand):
    help = (
        "生成演示和压力测试用的教育资源库课程（40 个精品教育项目，中文标题、专题、"
        "课时和正文）。默认通过课程导入写入资源库；指定 --out 则只写成 .xlsx 课程表。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--lessons",
            type=int,
            default=BANK_SIZE,
            help=f"课程数量，默认 {BANK_SIZE}。",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="随机种子；相同种子生成相同内容。"
        )
        parser.add_argument(
            "--out",
            default=None,
            metavar="FILE.xlsx",
            help="写成课程表文件（导入格式），不写入数据库。",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="写入资源库时只检查并统计，不保存。",
        )

    def handle(self, *args, lessons: int, seed: int, out, dry_run: bool, **options):
        if lessons < 1:
            raise CommandError("--lessons 应为正整数。")
        started = time.perf_counter()
        if out:
            path = Path(out)
            if path.suffix.lower() != ".xlsx":
                raise CommandError("--out 的文件名应以 .xlsx 结尾。")
            resource_bank_write(path=path, count=lessons, seed=seed)
            elapsed = time.perf_counter() - started
            self.stdout.write(
                self.style.SUCCESS(f"已生成 {lessons} 课的课程表：{path}")
                + f"（用时 {elapsed:.1f} 秒）。"
            )
            return
        bank = bank_get()
        sheet = lessons_from_records(
            records=resource_bank_generate(count=lessons, seed=seed)
        )
        try:
            summary = lessons_import_run(
                command=self,
                bank=bank,
                sheet=sheet,
                dry_run=dry_run,
                allow_new_topics=True,
            )
        except LessonsInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"生成的课程未能导入，共 {len(exc.errors)} 处错误，未写入任何数据。"
            ) from None
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS("资源库已生成：") + summary.as_text())
        self.stdout.write(f"共 {sheet.size} 课，用时 {elapsed:.1f} 秒。")
