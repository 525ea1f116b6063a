"""Benchmark the training record: the rebuild at province scale, SQL per progress
event, and heartbeats per second against pgbench.

Run it on a scratch database (its facts, credits and aggregates are erased
first; the command refuses a database whose name lacks "bench"):

    createdb -h 127.0.0.1 -U postgres bench_records
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_records
    python manage.py migrate
    python manage.py bench_records --scale province   # or small, tiny

On SQLite it runs (the smoke test does) but its figures are not comparable with
PostgreSQL's, and there is no pgbench to compare with.

Figures printed, in the order they are measured:
- the data: units, learners, lessons, facts and credits, and how long the
  generation took (COPY on PostgreSQL);
- the incremental batch (`records_refresh_stale`) bringing every learner up to
  date, then `rebuild_training_records`: time, and whether every aggregate row
  and the ledger's totals are identical afterwards;
- SQL statements per heartbeat, for the service `lesson_heartbeat_record` and
  through the whole Django stack (a logged-in test client posting to
  `courses:lesson_progress_beat`), transaction control not counted;
- heartbeats per second, one client, in-process: the service and the test
  client, each against `pgbench -b tpcb-like` (one client) on the same server,
  run in turn within each round; medians of the rounds, and their ratios.

Heartbeats are measured after the province's facts are written, so they insert
into tables of realistic size. Readers take turns, and the batch runs before
each round (as it does every 30 s, while a reader beats every 30 s), so most
beats write both a fact and a stale marker, the costlier case. The batch runs
once more at the end: the database is left with its aggregates up to date.
"""

import io
import statistics
import sys
import time
from datetime import timedelta
from itertools import cycle

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.http import JsonResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from courses.management.commands.import_lessons import _wagtail_page_logs_quiet
from courses.management.commands.rebuild_training_records import (
    aggregates_diff,
    aggregates_snapshot,
    records_rebuild_run,
    stale_drain,
)
from courses.models import LearningFact, OrgUnit, RecordStale
from courses.selectors.records import assigned_learner_ids
from courses.services.records.bench import (
    SCALES,
    bench_assignment_ensure,
    bench_database_check,
    bench_facts_generate,
    bench_pages_ensure,
    bench_people_ensure,
    bench_records_clear,
)
from courses.services.records.facts import LearnerRef, stale_mark
from courses.services.records.lessons import lesson_heartbeat_record
from courses.services.records.policy import current_training_year
from quizzes.management.commands.bench_quizzes import Command as QuizBench
from quizzes.management.commands.bench_quizzes import count_statements


@require_POST
@csrf_protect
def bare_view(request):
    """What any POST costs here: the same middleware, no work, no query."""
    return JsonResponse({"ok": True})


urlpatterns = [path("bench-bare/", bare_view), path("", include("cms.urls"))]

# Logged-in readers of the client path, taking turns: about one round's beats,
# so that most beats of a round are their reader's first since the batch.
CLIENT_READERS = 800


class Command(BaseCommand):
    help = (
        "测量学习档案的性能：省级规模数据下重建汇总的耗时与一致性、每次学习进度"
        "事件的 SQL 条数、与 pgbench 的吞吐比。会清空学习记录，只能在压测库上运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="province",
            help="数据规模：province 约 6,000 人、150 万条记录；small 200 人、2 万条；"
            "tiny 供冒烟测试。",
        )
        parser.add_argument(
            "--seconds", type=float, default=5.0, help="吞吐测量每轮的秒数。"
        )
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument(
            "--no-pgbench",
            action="store_true",
            help="不运行 pgbench（例如在测试事务中，无法建库）。",
        )
        parser.add_argument("--seed", type=int, default=7)

    def out(self, text: str = "") -> None:
        self.stdout.write(text)

    # bench_quizzes runs pgbench the same way; its figures are read the same way.
    pgbench = QuizBench.pgbench

    def handle(self, *args, **opts):
        refused = bench_database_check()
        if refused:
            raise CommandError(
                f"数据库“{refused}”的名称不含 bench：本命令会清空学习记录，"
                "请在压测库上运行（例如 DATABASE_URL=postgres://postgres@127.0.0.1"
                ":5432/bench_records）。"
            )
        # The in-process client calls itself "testserver".
        with override_settings(
            ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
            ROOT_URLCONF=__name__,
        ):
            self.run(opts)

    def run(self, opts) -> None:
        scale = SCALES[opts["scale"]]
        self.postgres = connection.vendor == "postgresql"
        self.out(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        if not self.postgres:
            self.out(
                "  SQLite: the figures below are not comparable with PostgreSQL's "
                "(one writer, no server round trip); no pgbench."
            )
        self.records_measure(scale, opts)
        self.statements_measure()
        self.throughput_measure(opts)

    # ------------------------------------------------------------------ data

    def records_measure(self, scale, opts) -> None:
        started = time.perf_counter()
        with _wagtail_page_logs_quiet():
            course, self.lessons = bench_pages_ensure(
                bank_lessons=scale.bank_lessons, chapters=scale.chapters
            )
        self.learners = bench_people_ensure(learners=scale.learners)
        assignment = bench_assignment_ensure(
            course=course,
            year=current_training_year(unit_path=self.learners[0].unit.path),
        )
        setup = time.perf_counter() - started

        bench_records_clear()
        started = time.perf_counter()
        counts = bench_facts_generate(
            learners=self.learners,
            lessons=self.lessons,
            facts_per_learner=scale.facts_per_learner,
            seed=opts["seed"],
        )
        # The assigned learners are marked too, as assignment_create marks them.
        stale_mark(learner_ids=sorted(assigned_learner_ids(assignment=assignment)))
        generated = time.perf_counter() - started
        how = "COPY" if self.postgres else "bulk_create"
        self.out(
            f"\ndata ({scale.name}): {OrgUnit.objects.count()} units, "
            f"{len(self.learners)} learners, {len(self.lessons)} lessons "
            f"(pages and people ready in {setup:.1f} s)"
        )
        self.out(
            f"  facts {counts['facts']:,}, credits {counts['credits']:,}, "
            f"written with {how} in {generated:.1f} s"
        )

        started = time.perf_counter()
        refreshed = stale_drain()
        incremental = time.perf_counter() - started
        completed_by_batch = LearningFact.objects.count() - counts["facts"]
        before = aggregates_snapshot()
        summary, rebuild = records_rebuild_run(command=self)
        count, lines = aggregates_diff(before, aggregates_snapshot())

        rows = sum(len(before[label]) for label in before if label != "ledger")
        rate = summary["learners"] / rebuild if rebuild else 0
        self.out("\ntraining-record aggregates:")
        self.out(
            f"  {'incremental batch (records_refresh_stale)':<44}{incremental:8.1f} s"
            f"   ({refreshed} stale learners; the batch completed "
            f"{completed_by_batch} lessons the browser never reported)"
        )
        self.out(
            f"  {'rebuild_training_records':<44}{rebuild:8.1f} s"
            f"   ({summary['learners']} learners, {rate:.0f}/s; "
            f"{summary['unit_years']} unit-years; {rows:,} aggregate rows)"
        )
        self.out(f"  identical: {'yes' if not count else 'no'}")
        for line in lines[:20]:
            self.out(f"    {line}")

    # ------------------------------------------------------------ SQL counts

    def beat_url(self, lesson_id: int) -> str:
        return reverse("courses:lesson_progress_beat", kwargs={"lesson_id": lesson_id})

    def statements_measure(self) -> None:
        learner = self.learners[0]
        ref = LearnerRef.of(learner)
        lesson = next(lesson for lesson in self.lessons if lesson.course_id)
        at = timezone.now() - timedelta(days=900)
        lesson_heartbeat_record(learner=ref, lesson=lesson, now=at)  # warm caches
        with count_statements() as service_sql:
            lesson_heartbeat_record(
                learner=ref, lesson=lesson, now=at + timedelta(minutes=1)
            )

        client = Client()
        client.force_login(learner.user)
        url = self.beat_url(lesson.id)
        response = client.post(url)  # the first fills the learner and lesson cache
        if response.status_code != 200:
            raise CommandError(f"heartbeat {response.status_code}: {response.content}")
        with count_statements() as view_sql:
            response = client.post(url)
        assert response.status_code == 200, response.content

        self.out(
            "\nSQL statements per heartbeat (transaction control not counted; "
            "the issue's limit on the hot path: 2):"
        )
        self.out(f"  {'service lesson_heartbeat_record':<44}{len(service_sql):>4}")
        self.out(f"  {'POST ' + url:<44}{len(view_sql):>4}")
        self.out("    (whole Django stack, logged-in test client: session, user, beat)")
        for sql in view_sql:
            self.out(f"      {sql[:100]}")

    # ------------------------------------------------------------ throughput

    def throughput_measure(self, opts) -> None:
        seconds, rounds = opts["seconds"], opts["rounds"]
        service = self.service_loop()
        client = self.client_loop()
        bare = self.bare_loop()
        beat_urls = [self.beat_url(lesson.id) for lesson in self.lessons]
        wsgi = self.wsgi_loop(
            beat_urls, [learner.user for learner in self.learners[:CLIENT_READERS]]
        )
        wsgi_bare = self.wsgi_loop(
            [reverse(bare_view)], [learner.user for learner in self.learners[:1]]
        )
        run_pgbench = self.postgres and not opts["no_pgbench"]
        rates = {
            "service": [],
            "client": [],
            "wsgi": [],
            "bare": [],
            "wsgi_bare": [],
            "pgbench": [],
        }
        written = {"service": [0, 0, 0], "client": [0, 0, 0], "wsgi": [0, 0, 0]}
        for _ in range(rounds):
            for name, loop in (
                ("service", service),
                ("client", client),
                ("wsgi", wsgi),
            ):
                # The batch runs between rounds, as it does every 30 s: nobody is
                # marked at the start, so a reader's beat writes a fact and a marker.
                stale_drain()
                facts = LearningFact.objects.count()
                rate, events = self.timed(loop, seconds)
                rates[name].append(rate)
                written[name][0] += events
                written[name][1] += LearningFact.objects.count() - facts
                written[name][2] += RecordStale.objects.count()
            rates["bare"].append(self.timed(bare, seconds)[0])
            rates["wsgi_bare"].append(self.timed(wsgi_bare, seconds)[0])
            if run_pgbench:
                rates["pgbench"] += self.pgbench(seconds, 1)
        stale_drain()

        self.out(
            f"\nheartbeats per second, one client, in-process "
            f"(median of {rounds} rounds of {seconds:g} s; readers in turn, "
            "the batch run before each round):"
        )
        for name, label in (
            ("service", "service lesson_heartbeat_record"),
            ("client", "through Django (test client POST)"),
            ("wsgi", "through Django's WSGI handler"),
        ):
            events, facts, markers = written[name]
            self.out(
                f"  {label:<38}{statistics.median(rates[name]):8.0f} /s"
                f"   ({events} beats: {facts} new facts, {markers} new markers)"
            )
        self.out(
            f"  {'bare Django POST, same middleware':<38}"
            f"{statistics.median(rates['bare']):8.0f} /s   (no work, no query: "
            "what any request costs here)"
        )
        self.out(
            f"  {'bare POST, WSGI handler':<38}"
            f"{statistics.median(rates['wsgi_bare']):8.0f} /s   (the same, as a WSGI "
            "server calls Django)"
        )
        if not rates["pgbench"]:
            if self.postgres:
                self.out("  pgbench not run: no ratio")
            return
        tps = statistics.median(rates["pgbench"])
        self.out(f"  {'pgbench -b tpcb-like, same server':<38}{tps:8.0f} tps")
        for name, label in (
            ("service", "service"),
            ("client", "test client"),
            ("wsgi", "WSGI handler"),
        ):
            ratio = statistics.median(rates[name]) / tps
            self.out(
                f"  {'ratio ' + label + ' / pgbench':<38}{ratio:8.0%}   (goal ≥ 25%)"
            )

    @staticmethod
    def timed(loop, seconds: float) -> tuple[float, int]:
        done = 0
        start = time.perf_counter()
        end = start + seconds
        while time.perf_counter() < end:
            loop()
            done += 1
        return done / (time.perf_counter() - start), done

    def service_loop(self):
        """Every learner in turn, each beat in a minute of its own long before the
        data: every call is a new fact."""
        readers = cycle([LearnerRef.of(learner) for learner in self.learners])
        lessons = cycle(self.lessons)
        minute = cycle(range(10**7))
        base = timezone.now() - timedelta(days=1000)

        def beat():
            lesson_heartbeat_record(
                learner=next(readers),
                lesson=next(lessons),
                now=base + timedelta(minutes=next(minute)),
            )

        return beat

    def bare_loop(self):
        client = Client()
        client.force_login(self.learners[0].user)
        url = reverse(bare_view)

        def post():
            if client.post(url).status_code != 200:
                raise CommandError("bare view")

        return post

    def wsgi_loop(self, urls: list[str], users) -> callable:
        """Signed-in readers in turn, each request handed to Django's WSGI
        handler with the session and CSRF cookies and the CSRF header, as a WSGI
        server (gunicorn) hands it over: the whole middleware stack and the CSRF
        check run, without the test client's own bookkeeping."""
        handler = WSGIHandler()
        token = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
        environs = []
        for user in users:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            for url in urls:
                environs.append(
                    {
                        "REQUEST_METHOD": "POST",
                        "PATH_INFO": url,
                        "SCRIPT_NAME": "",
                        "QUERY_STRING": "",
                        "SERVER_NAME": "testserver",
                        "SERVER_PORT": "80",
                        "SERVER_PROTOCOL": "HTTP/1.1",
                        "REMOTE_ADDR": "127.0.0.1",
                        "HTTP_HOST": "testserver",
                        "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session}; "
                        f"{settings.CSRF_COOKIE_NAME}={token}",
                        "HTTP_X_CSRFTOKEN": token,
                        "CONTENT_TYPE": "application/x-www-form-urlencoded",
                        "CONTENT_LENGTH": "0",
                        "wsgi.version": (1, 0),
                        "wsgi.url_scheme": "http",
                        "wsgi.errors": sys.stderr,
                        "wsgi.multithread": False,
                        "wsgi.multiprocess": True,
                        "wsgi.run_once": False,
                    }
                )
        statuses = []

        def start_response(status, headers, exc_info=None):
            statuses.append(status)

        def call(environ):
            environ = {**environ, "wsgi.input": io.BytesIO(b"")}
            statuses.clear()
            # As the test client does: the connection stays open between
            # requests (inside a test's transaction it must), as it does in a
            # server with persistent connections.
            for signal in (request_started, request_finished):
                signal.disconnect(close_old_connections)
            try:
                body = b"".join(handler(environ, start_response))
            finally:
                for signal in (request_started, request_finished):
                    signal.connect(close_old_connections)
            if not statuses or not statuses[0].startswith("200"):
                raise CommandError(f"{environ['PATH_INFO']}: {statuses} {body[:200]}")

        for environ in environs[:: len(urls)]:
            call({**environ, "PATH_INFO": urls[-1]})  # the reader's first beat
        pairs = cycle(environs)
        return lambda: call(next(pairs))

    def client_loop(self):
        """Logged-in readers in turn, each on every lesson in turn: now is the
        server's clock, so a reader's second beat on a lesson within the same
        minute is no new fact (as for two tabs)."""
        readers = []
        urls = [self.beat_url(lesson.id) for lesson in self.lessons]
        for learner in self.learners[:CLIENT_READERS]:
            client = Client()
            client.force_login(learner.user)
            # A reader's first beat caches what the view needs of them (for ten
            # minutes; a reader beats every 30 s), as the page's open does.
            client.post(urls[-1])
            readers.append(client)
        pairs = cycle([(c, u) for u in urls for c in readers])

        def beat():
            client, url = next(pairs)
            response = client.post(url)
            if response.status_code != 200:
                raise CommandError(f"heartbeat {response.status_code}")

        return beat
