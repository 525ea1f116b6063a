"""Import the organisation tree and the personnel roster from an .xlsx file."""

import argparse
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from courses.services.roster import Roster, RosterInvalid, roster_apply, roster_read


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期“{value}”格式不对，应为 YYYY-MM-DD，例如 2025-01-01。"
        ) from None


def summary_text(counts: dict[str, int]) -> str:
    c = counts
    return (
        f"新建单位 {c['units_created']} 个，更新单位 {c['units_updated']} 个，"
        f"调整上级单位 {c['units_moved']} 个；"
        f"新建人员 {c['people_created']} 名，更新人员 {c['people_updated']} 名，"
        f"调动人员 {c['people_moved']} 名；未变化 {c['unchanged']} 行。"
    )


class _DryRun(Exception):
    """Unwinds the dry run's transaction once the counts are known."""

    def __init__(self, counts: dict[str, int]):
        self.counts = counts


class Command(BaseCommand):
    help = (
        "从 Excel 花名册（.xlsx，含“单位”“人员”两个工作表）导入单位和人员。"
        "以系统身份运行，不受管理范围限制；任何一行有错误时不写入任何数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="花名册文件（.xlsx）。")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="只检查并统计将要发生的变化，不写入数据。",
        )
        parser.add_argument(
            "--date",
            type=_date,
            default=None,
            help="新建和调动任职记录的生效日期（YYYY-MM-DD），默认今天。",
        )

    def handle(self, *args, file: str, dry_run: bool, date: date | None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件“{file}”。")
        try:
            roster = roster_read(file=path, filename=path.name)
            counts = self.apply(roster=roster, dry_run=dry_run, on_date=date)
        except RosterInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"导入失败，共 {len(exc.errors)} 处错误，未写入任何数据。"
            ) from None
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS("检查通过（--dry-run，未写入任何数据）。将会：")
                + summary_text(counts)
            )
        else:
            self.stdout.write(self.style.SUCCESS("导入完成：") + summary_text(counts))

    def apply(self, *, roster: Roster, dry_run: bool, on_date: date | None):
        # tqdm redraws its line with "\r"; Django's wrapper would add a newline.
        stream = getattr(self.stderr, "_out", self.stderr)
        with tqdm(
            total=roster.size,
            file=stream,
            unit="行",
            desc="导入花名册",
            mininterval=0.5,
            leave=True,
        ) as bar:

            def progress(done: int, total: int) -> None:
                bar.update(done - bar.n)

            if not dry_run:
                return roster_apply(roster=roster, on_date=on_date, progress=progress)
            try:
                with transaction.atomic():
                    raise _DryRun(
                        roster_apply(roster=roster, on_date=on_date, progress=progress)
                    )
            except _DryRun as done:
                return done.counts
