"""Generate report data at the sizes of ../shared/DOMAIN.md, on a scratch database.

    createdb -h 127.0.0.1 -U postgres jiedu_scale
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedu_scale
    python manage.py migrate
    python manage.py generate_scale --scale province      # or tiny, national

It refuses a database holding people or units it did not generate, and one it
already filled unless --replace (which erases what the earlier run generated).
The aggregates are rebuilt from the facts by `records_rebuild` (tiny, province)
or written by the generator itself (national); --aggregates chooses.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _
from tqdm import tqdm

from courses.management.commands.rebuild_training_records import records_rebuild_run
from courses.models import (
    HourCredit,
    LearnerProfile,
    LearnerYear,
    LearningFact,
    OrgUnit,
    UnitMonth,
)
from courses.services.records.policy import current_training_year
from reports.scale import (
    AGGREGATE_COUNTS,
    SCALES,
    scale_clear,
    scale_database_refusal,
    scale_generate,
    scale_present,
)


class Command(BaseCommand):
    help = _(
        "在压测库上生成报表用的规模数据：单位、学员、必修课程布置、学习记录、"
        "学时和考试答卷（province 约 6,000 人、150 万条记录；"
        "national 约 15 万人、4,000 万条）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="province")
        parser.add_argument(
            "--year", type=int, default=None, help=_("培训年度（默认当前年度）。")
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--aggregates",
            choices=("auto", "rebuild", "direct"),
            default="auto",
            help=_(
                "汇总数据的写法：rebuild 生成后用 records_rebuild 重建；direct 由生成器"
                "直接写入（national 必须如此）；auto 按规模选择。"
            ),
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help=_("库中已有生成的数据时，先清除再重新生成。"),
        )

    def handle(self, *args, **opts):
        refused = scale_database_refusal()
        if refused:
            raise CommandError(
                _(
                    "数据库“%(name)s”含有%(what)s：本命令只能在空的压测库上运行"
                    "（例如 createdb jiedu_scale）。"
                )
                % {"name": connection.settings_dict["NAME"], "what": refused}
            )
        if scale_present():
            if not opts["replace"]:
                raise CommandError(
                    _("库中已有生成的规模数据。加 --replace 清除后重新生成。")
                )
            started = time.perf_counter()
            scale_clear()
            self.stdout.write(
                _("已清除上次生成的数据（%(s).1f 秒）。")
                % {"s": time.perf_counter() - started}
            )
        scale = SCALES[opts["scale"]]
        year = opts["year"] or current_training_year()
        direct = opts["aggregates"] == "direct" or (
            opts["aggregates"] == "auto" and scale.name == "national"
        )
        stream = getattr(self.stderr, "_out", self.stderr)
        started = time.perf_counter()
        with tqdm(
            total=scale.learners, file=stream, unit="人", desc=_("生成学习记录")
        ) as bar:
            counts = scale_generate(
                scale=scale,
                year=year,
                seed=opts["seed"],
                aggregates=direct,
                progress=lambda done, total: bar.update(done - bar.n),
            )
        generated = time.perf_counter() - started
        rebuilt = None
        if not direct:
            _summary, rebuilt = records_rebuild_run(command=self)
            for label, model in AGGREGATE_COUNTS.items():
                counts[label] = model.objects.count()
        self.analyze()
        self.report(scale, year, counts, generated, rebuilt, direct)

    def analyze(self) -> None:
        """On PostgreSQL, VACUUM ANALYZE what was bulk-loaded: fresh statistics
        for the planner and a visibility map, so index-only scans (the
        benchmark's lower bound) need no heap reads. Outside a transaction."""
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            for model in (
                LearningFact,
                HourCredit,
                LearnerProfile,
                LearnerYear,
                OrgUnit,
                UnitMonth,
            ):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")

    def report(self, scale, year, counts, generated, rebuilt, direct) -> None:
        how = "COPY" if connection.vendor == "postgresql" else "bulk_create"
        self.stdout.write(
            f"scale {scale.name}, training year {year}, "
            f"{connection.vendor} ({connection.settings_dict['NAME']}), rows by {how}"
        )
        for label in (
            "units",
            "users",
            "learners",
            "memberships",
            "assignments",
            "lessons",
            "quizzes",
            "attempts",
            "facts",
            "credits",
            *AGGREGATE_COUNTS,
        ):
            self.stdout.write(f"  {label:<16}{counts.get(label, 0):>14,}")
        self.stdout.write(f"generated in {generated:.1f} s")
        if direct:
            self.stdout.write("aggregates written by the generator")
        else:
            self.stdout.write(
                f"aggregates rebuilt by records_rebuild in {rebuilt:.1f} s"
            )
        total = generated + (rebuilt or 0)
        self.stdout.write(self.style.SUCCESS(f"elapsed {total:.1f} s"))
