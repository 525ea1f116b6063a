"""Benchmark the reports on data made by `generate_scale` (figures, not tests).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedu_scale
    python manage.py generate_scale --scale national
    python manage.py bench_reports

Figures printed, medians (p50) and p95 over --repeat runs, in one run:
1. one facility's roll-up (the largest of the first bureau), as a bureau
   administrator: `unit_rollup` and the whole screen through the test client,
   against the bare SQL lower bound (an index-only count of the facility's
   facts, as the issue defines it; goal ≤ 2×) and, for comparison, an aggregate
   of the facility's credits by the (unit, training year) index;
2. the national roll-up, `facilities_rollup` as a superuser (goal ≤ 1 s), and
   a GROUP BY of the raw facts by facility for comparison;
3. an XLSX export of learners at two sizes: time, and peak memory
   (tracemalloc's peak and the growth of the process's maximum RSS);
4. SQL queries of the report page on a small and on a large facility.

On SQLite it runs (the smoke test does) but the figures are PostgreSQL's to read.
"""

import math
import resource
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils.translation import gettext as _

from courses.models import (
    HourCredit,
    LearnerProfile,
    LearningFact,
    OrgUnit,
    UnitKind,
    User,
)
from reports.exports import export_write
from reports.scale import PREFIX, USER_PREFIX
from reports.selectors import (
    ReportFilters,
    default_year,
    facilities_rollup,
    unit_rollup,
)


def percentiles(values: list[float]) -> tuple[float, float]:
    """Median and p95 (nearest rank)."""
    ordered = sorted(values)
    return statistics.median(ordered), ordered[math.ceil(0.95 * len(ordered)) - 1]


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm: connection, caches, first-query planning
    times = []
    for _run in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f} ms"


def _maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


class Command(BaseCommand):
    help = _("在规模数据上测量报表：单位汇总、全国汇总、导出和每页查询数。")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument(
            "--quick",
            action="store_true",
            help=_("冒烟测试：每项只测 3 次。"),
        )

    def out(self, text: str = "") -> None:
        self.stdout.write(text)

    def handle(self, *args, **opts):
        self.admin = User.objects.filter(username=f"{USER_PREFIX}-admin-01").first()
        self.superuser = User.objects.filter(
            username=f"{USER_PREFIX}-superuser"
        ).first()
        if self.admin is None or self.superuser is None:
            raise CommandError(_("没有规模数据：请先运行 generate_scale。"))
        self.repeat = 3 if opts["quick"] else opts["repeat"]
        self.year = opts["year"] or default_year(self.admin)
        self.filters = ReportFilters(year=self.year)
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            self.header()
            self.facility_measure()
            self.national_measure()
            self.export_measure()
            self.queries_measure()

    # ------------------------------------------------------------------ data

    def header(self) -> None:
        facilities = (
            OrgUnit.objects.filter(
                code__startswith=f"{PREFIX}01-",
                kind__in=(UnitKind.FACILITY, UnitKind.COMMUNITY_OFFICE),
            )
            .order_by("path")
            .values_list("path", flat=True)
        )
        sizes = {
            path: LearnerProfile.objects.filter(unit__path__startswith=path).count()
            for path in facilities
        }
        ordered = sorted(sizes, key=lambda path: (sizes[path], path))
        self.large = OrgUnit.objects.get(path=ordered[-1])
        self.small = OrgUnit.objects.get(path=ordered[0])
        self.sizes = sizes
        self.out(
            f"database: {connection.vendor} ({connection.settings_dict['NAME']}), "
            f"training year {self.year}, {self.repeat} runs per figure"
        )
        if connection.vendor != "postgresql":
            self.out("  SQLite: the figures below are for PostgreSQL, not comparable")
        self.out(
            f"data: {OrgUnit.objects.count():,} units, "
            f"{LearnerProfile.objects.count():,} learners, "
            f"{LearningFact.objects.count():,} facts, "
            f"{HourCredit.objects.count():,} credits"
        )

    def client(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def page_url(self, unit: OrgUnit) -> str:
        return f"/reports/units/{unit.code}/?year={self.year}"

    def page_get(self, client: Client, unit: OrgUnit):
        response = client.get(self.page_url(unit))
        if response.status_code != 200:
            raise CommandError(f"{self.page_url(unit)}: {response.status_code}")
        return response

    def line(self, label: str, times: list[float], note: str = "") -> float:
        p50, p95 = percentiles(times)
        self.out(f"  {label:<44} p50 {_ms(p50)}   p95 {_ms(p95)}{note}")
        return p50

    # ------------------------------------------------------------- figures

    def facility_measure(self) -> None:
        facility = self.large
        ids = list(
            OrgUnit.objects.filter(path__startswith=facility.path).values_list(
                "id", flat=True
            )
        )
        marks = ", ".join(["%s"] * len(ids))
        table = connection.ops.quote_name(HourCredit._meta.db_table)
        sql = (
            f"SELECT sum(hours), count(*) FROM {table} "
            f"WHERE unit_id IN ({marks}) AND training_year = %s"
        )

        def bare():
            with connection.cursor() as cursor:
                cursor.execute(sql, [*ids, self.year])
                cursor.fetchone()

        # The lower bound: an index-only aggregate over the facility's
        # facts (the (learner, lesson, kind) index leads with the learner).
        facts = connection.ops.quote_name(LearningFact._meta.db_table)
        learners = connection.ops.quote_name(LearnerProfile._meta.db_table)
        facts_sql = (
            f"SELECT count(*) FROM {facts} WHERE learner_id IN "
            f"(SELECT id FROM {learners} WHERE unit_id IN ({marks}))"
        )

        def bare_facts():
            with connection.cursor() as cursor:
                cursor.execute(facts_sql, ids)
                cursor.fetchone()

        client = self.client(self.admin)
        self.out(
            f"\n1. facility roll-up: {facility.name} ({facility.code}, "
            f"{len(ids)} units, {self.sizes[facility.path]:,} learners), "
            "as bureau administrator"
        )
        selector = self.line(
            "unit_rollup (server)",
            timed(
                lambda: unit_rollup(
                    user=self.admin, unit=facility, filters=self.filters
                ),
                self.repeat,
            ),
        )
        screen = self.line(
            f"GET {self.page_url(facility)}",
            timed(lambda: self.page_get(client, facility), self.repeat),
        )
        floor = self.line(
            "bare SQL: count(*) of the facility's facts",
            timed(bare_facts, self.repeat),
            "   (index-only, learner first)",
        )
        credits_floor = self.line(
            "bare SQL: sum(hours), count(*) of credits",
            timed(bare, self.repeat),
            "   (index on unit, training year)",
        )
        self.out(
            f"  {'ratio unit_rollup / bare SQL over facts':<44}"
            f"{selector / floor:8.1f}×   (goal ≤ 2×)"
        )
        self.out(f"  {'ratio screen / bare SQL over facts':<44}{screen / floor:8.1f}×")
        self.out(
            f"  {'ratio unit_rollup / bare SQL over credits':<44}"
            f"{selector / credits_floor:8.1f}×"
        )

    def national_measure(self) -> None:
        self.out("\n2. national roll-up: every facility and community office")
        rows = facilities_rollup(user=self.superuser, filters=self.filters)
        self.line(
            f"facilities_rollup ({len(rows)} rows, superuser)",
            timed(
                lambda: facilities_rollup(user=self.superuser, filters=self.filters),
                self.repeat,
            ),
            "   (goal ≤ 1 s)",
        )
        facts = connection.ops.quote_name(LearningFact._meta.db_table)
        units = connection.ops.quote_name(OrgUnit._meta.db_table)
        sql = (
            f"SELECT substr(u.path, 1, {2 * OrgUnit.steplen}), count(*), "
            f"sum(f.seconds) FROM {facts} f JOIN {units} u ON u.id = f.unit_id "
            "GROUP BY 1"
        )

        def raw():
            with connection.cursor() as cursor:
                cursor.execute(sql)
                cursor.fetchall()

        self.line(
            "raw facts GROUP BY facility (every fact)",
            timed(raw, min(3, self.repeat)),
            "   (for comparison)",
        )

    def export_measure(self) -> None:
        per_unit = dict(
            LearnerProfile.objects.values_list("unit__path")
            .order_by()
            .annotate(n=Count("id"))
            .values_list("unit__path", "n")
        )
        totals: dict[str, int] = {}
        for path, n in per_unit.items():
            for depth in range(1, len(path) // OrgUnit.steplen + 1):
                prefix = path[: depth * OrgUnit.steplen]
                totals[prefix] = totals.get(prefix, 0) + n
        largest = max(totals, key=lambda p: (totals[p], -len(p)))
        tenth = min(totals, key=lambda p: abs(totals[p] - totals[largest] / 10))
        self.out(
            "\n3. XLSX export of learners (export_write, superuser): time and "
            "peak memory at two sizes"
        )
        everyone = LearnerProfile.objects.count()
        with tempfile.TemporaryDirectory() as directory:
            # A tenth, one bureau, and every learner in the country (no unit:
            # the superuser's whole scope).
            for path in (tenth, largest, None):
                unit = OrgUnit.objects.get(path=path) if path else None
                code = unit.code if unit else _("全部")
                target = Path(directory) / f"{code}.xlsx"
                rss = _maxrss_bytes()
                started = time.perf_counter()
                rows = self.export(unit, target)
                seconds = time.perf_counter() - started
                grown = _maxrss_bytes() - rss
                tracemalloc.start()
                self.export(unit, target)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                rate = rows / seconds if seconds else 0
                self.out(
                    f"  {code:<14}{rows:>9,} learners {seconds:8.2f} s "
                    f"({rate:,.0f}/s, {target.stat().st_size / 2**10:,.0f} KiB)   "
                    f"peak {peak / 2**20:6.1f} MiB (tracemalloc), "
                    f"max RSS +{grown / 2**20:.1f} MiB"
                )
        self.out(
            f"  {'all ' + format(everyone, ',') + ' learners, measured above':<44}"
            f"{seconds:8.1f} s   (goal ≤ 60 s for 150,000)"
        )

    def export(self, unit: OrgUnit | None, target: Path) -> int:
        with target.open("wb") as out:
            return export_write(
                kind="learners",
                user=self.superuser,
                unit=unit,
                filters=self.filters,
                fmt="xlsx",
                out=out,
            )

    def queries_measure(self) -> None:
        self.out("\n4. SQL queries per report page (bureau administrator)")
        client = self.client(self.admin)
        counts = []
        for unit in (self.small, self.large):
            self.page_get(client, unit)  # session, caches
            with CaptureQueriesContext(connection) as queries:
                self.page_get(client, unit)
            counts.append(len(queries))
            self.out(
                f"  {unit.code:<14}{self.sizes[unit.path]:>9,} learners "
                f"{len(queries):6} queries"
            )
        self.out(f"  constant: {'yes' if counts[0] == counts[1] else 'no'}")
