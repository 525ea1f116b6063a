"""Benchmark course content: the resource bank import, Chinese search against the
stock backend, and the lesson page.

Run it on a scratch database, since it builds a full bank there:

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py bench_content
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python manage.py ...

Figures printed: import time; search recall against a substring ground truth
and p50/p95 latency, ours and Wagtail's stock database search side by side;
SQL statements per lesson page with an empty cache and a warm one; lesson page
requests per second as a ratio of a bare Django view served the same way in the
same run (the median of several rounds, each timing both, so that other work on
the machine weighs on both alike).

`--skip-import` reuses a bank built by an earlier run on the same database, so
that figures before and after a change come from the same data. Either way the
database's planner statistics are brought up to date (ANALYZE) before anything
is timed, as autovacuum would soon after a bulk load: a search planned on a bank
of 4,000 lessons the planner believes empty measures the missing statistics.
"""

import random
import statistics
import time
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path

from cms.demo import demo_home_page_load
from courses.demo import demo_content_load
from courses.models import LessonPage
from courses.models.pages import SegmentedSearchMixin
from courses.search_text import CJK_RUN, query_terms
from courses.selectors.search import _fold, content_search


def bare_view(request):
    return HttpResponse("ok")


urlpatterns = [path("bench-bare/", bare_view), path("", include("cms.urls"))]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "测量资源库导入、中文搜索（与 Wagtail 默认搜索对比）和课程页面的性能。"

    def add_arguments(self, parser):
        parser.add_argument("--lessons", type=int, default=4453)
        parser.add_argument("--queries", type=int, default=60)
        parser.add_argument("--requests", type=int, default=200)
        parser.add_argument("--rounds", type=int, default=5)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--skip-import",
            action="store_true",
            help="keep the lessons already in the bank (from an earlier run)",
        )
        parser.add_argument(
            "--skip-stock",
            action="store_true",
            help="do not measure Wagtail's stock search (saves two re-indexings)",
        )

    def out(self, text=""):
        self.stdout.write(text)

    def handle(self, *args, **opts):
        from courses.resource_bank import resource_bank_load

        self.out(f"database: {connection.vendor}")
        home = demo_home_page_load()
        bank = demo_content_load(home=home, textbook_dir=None)["bank"]
        present = LessonPage.objects.child_of(bank).count()
        if opts["skip_import"] and present >= opts["lessons"]:
            self.out(f"import skipped: the bank already holds {present} lessons")
        else:
            start = time.perf_counter()
            summary = resource_bank_load(bank=bank, count=opts["lessons"], seed=1)
            self.out(
                f"import of {opts['lessons']} lessons: "
                f"{time.perf_counter() - start:.1f} s "
                f"({present} were already there; {summary})"
            )
        lessons = list(LessonPage.objects.live().child_of(bank))
        texts = {lesson.pk: _fold(lesson.plain_text()) for lesson in lessons}
        queries = self.queries(texts, opts["queries"], opts["seed"])
        truth = {q: {pk for pk, t in texts.items() if _fold(q) in t} for q in queries}

        if not opts["skip_import"]:
            self.index()
        self.analyze()
        ours = self.measure(bank, queries, truth, segmented=True)
        stock = None
        if not opts["skip_stock"]:
            with mock.patch.object(
                SegmentedSearchMixin, "search_tokens", lambda self: ""
            ):
                self.index()
                self.analyze()
                stock = self.measure(bank, queries, truth, segmented=False)
            self.index()

        self.out(
            f"\nsearch over {len(lessons)} lessons, {len(queries)} queries "
            "drawn from the content (recall against substring ground truth):"
        )
        self.out(f"  {'':<28}{'ours (bigrams)':>16}{'stock Wagtail':>16}")
        for label, key, fmt in [
            ("recall (micro)", "recall", "{:.3f}"),
            ("recall (worst query)", "worst", "{:.3f}"),
            ("queries with full recall", "full", "{:.0%}"),
            ("precision (micro)", "precision", "{:.3f}"),
            ("latency p50 (ms)", "p50", "{:.1f}"),
            ("latency p95 (ms)", "p95", "{:.1f}"),
            ("  same query again p50", "p50 again", "{:.1f}"),
            ("  same query again p95", "p95 again", "{:.1f}"),
        ]:
            theirs = fmt.format(stock[key]) if stock else "-"
            self.out(f"  {label:<28}{fmt.format(ours[key]):>16}{theirs:>16}")
        self.out(
            "  (ours: the search page's work, snippets included, the second time "
            "from the snippet cache; stock: "
            "Page.search(q) on the same backend without the bigram field)"
        )
        self.lesson_page(lessons, opts["requests"], opts["rounds"])

    def queries(self, texts: dict[int, str], count: int, seed: int) -> list[str]:
        rng = random.Random(seed)
        chosen = ["美沙酮", "正念防复发", "纳洛酮", "四期四区"]
        runs = [
            run for t in texts.values() for run in CJK_RUN.findall(t) if len(run) >= 4
        ]
        while len(chosen) < count:
            run = rng.choice(runs)
            size = rng.randint(2, min(6, len(run)))
            at = rng.randint(0, len(run) - size)
            q = run[at : at + size]
            if q not in chosen:
                chosen.append(q)
        return chosen

    def index(self):
        call_command("update_index", verbosity=0)

    def analyze(self):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def measure(self, bank, queries, truth, *, segmented: bool) -> dict:
        base = LessonPage.objects.live().child_of(bank)
        found_total = true_total = hit_total = 0
        recalls, timings, again = [], [], []
        for q in queries:
            # Recall and precision are about the set found; unranked, a word in
            # thousands of lessons is not ranked (slowly) just to be counted.
            if segmented:
                results = base.search(
                    " ".join(query_terms(q)), operator="and", order_by_relevance=False
                )
            else:
                results = base.search(q, order_by_relevance=False)
            found = {page.pk for page in results}
            expected = truth[q]
            hit = len(found & expected)
            found_total += len(found)
            true_total += len(expected)
            hit_total += hit
            recalls.append(hit / len(expected) if expected else 1.0)
            # Timed twice: first as the query is met for the first time since
            # this process started (no snippet text cached yet), then again.
            for run in (timings, again):
                started = time.perf_counter()
                if segmented:
                    content_search(query=q, kind="lesson")
                else:
                    list(base.search(q)[:20])
                run.append((time.perf_counter() - started) * 1000)
        return {
            "recall": hit_total / true_total if true_total else 1.0,
            "worst": min(recalls),
            "full": sum(r == 1.0 for r in recalls) / len(recalls),
            "precision": hit_total / found_total if found_total else 0.0,
            "p50": statistics.median(timings),
            "p95": percentile(timings, 95),
            "p50 again": statistics.median(again),
            "p95 again": percentile(again, 95),
        }

    def lesson_page(self, lessons, requests: int, rounds: int):
        user, _ = get_user_model().objects.get_or_create(username="bench-reader")
        lesson = max(lessons, key=lambda x: len(x.body))
        with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"]):
            client = Client()
            client.force_login(user)
            url = lesson.get_url()
            client.get(url)  # per-process caches: site root paths, templates
            cache.clear()
            cold = self.statements(client, url)
            warm = self.statements(client, url)
            bare, page, ratios = [], [], []
            for _ in range(rounds):
                bare.append(self.rate(client, "/bench-bare/", requests))
                page.append(self.rate(client, url, requests))
                ratios.append(page[-1] / bare[-1])
        self.out(
            f"\nlesson page ({len(lesson.body)} blocks), logged in, in-process "
            f"client, {rounds} rounds of {requests} requests each, medians:"
        )
        self.out(f"  SQL statements per lesson page: {cold} cold cache, {warm} warm")
        self.out(
            f"  {'bare Django view':<20} {statistics.median(bare):8.0f} requests/s"
        )
        self.out(f"  {'lesson page':<20} {statistics.median(page):8.0f} requests/s")
        self.out(
            f"  ratio lesson/bare: {statistics.median(ratios):.1%} (median of the "
            f"rounds' ratios; lowest {min(ratios):.1%}, highest {max(ratios):.1%})"
        )

    def statements(self, client, url: str) -> int:
        statements = []

        def count(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            assert client.get(url).status_code == 200
        return len(statements)

    def rate(self, client, url: str, requests: int) -> float:
        started = time.perf_counter()
        for _ in range(requests):
            client.get(url)
        return requests / (time.perf_counter() - started)
