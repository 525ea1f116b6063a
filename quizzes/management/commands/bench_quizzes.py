"""Benchmark the quiz engine: SQL per request, throughput against pgbench, the
exam-start spike over loopback HTTP, and item statistics at 5,000 attempts.

Run it on a scratch database; it creates users, questions and exams there:

    createdb -h 127.0.0.1 -U postgres bench_quiz
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_quiz python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_quiz \\
        python manage.py bench_quizzes

On SQLite only the SQL counts and item statistics run: the spike needs a server
database many processes can write at once, and pgbench needs PostgreSQL.

Figures printed:
- SQL statements per request (start, answer save, repeated save, submit), through
  the whole Django stack (sessions, auth, middleware) and for the service alone;
- answer saves per second through Django (one client, in-process) as a ratio of
  `pgbench -b tpcb-like` (one client) on the same PostgreSQL, medians of rounds;
- the spike: N takers (sessions made beforehand) start the same exam at random
  moments within a window against gunicorn on 127.0.0.1, load the paper, save
  answers and submit; p50/p95 of start and save latency, errors, and lost
  answers (acknowledged by the server but not in the database afterwards).
  Each failure is reported with the step it happened at. The server is gunicorn's
  threaded worker, 3 processes x 4 threads by default (a 2-core server), app
  preloaded and warmed with a few page views before the clock runs, keep-alive
  75 s: gunicorn's own 2 s default assumes a proxy in front, and without one it
  closes idle connections just as a busy client reuses them (reset connections,
  "server disconnected"), which a browser would see as a failed save;
- item statistics and score distribution for a quiz with 5,000 attempts.
"""

import asyncio
import logging
import os
import random
import re
import secrets
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from quizzes.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    QuestionKind,
    Quiz,
    QuizMode,
    QuizQuestion,
    ReviewPolicy,
)
from quizzes.scoring import question_snapshot, response_clean
from quizzes.services import category_ensure, question_create

QUESTIONS = 20


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


TRANSACTION_CONTROL = re.compile(
    r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO)\b",
    re.IGNORECASE,
)


@contextmanager
def count_statements():
    """The SQL statements run inside the block, transaction control left out
    (BEGIN, SAVEPOINT and the like differ between databases and test runs)."""
    counted: list[str] = []

    def wrapper(execute, sql, params, many, context):
        if not TRANSACTION_CONTROL.match(sql):
            counted.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counted


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def right_response(snapshot: dict) -> dict:
    kind = snapshot["kind"]
    if kind == QuestionKind.SINGLE:
        return {"option": next(o["id"] for o in snapshot["options"] if o["correct"])}
    raise ValueError(kind)


def other_response(snapshot: dict, previous: dict | None) -> dict:
    """A different single-choice answer from `previous`, so every save writes."""
    ids = [o["id"] for o in snapshot["options"]]
    current = (previous or {}).get("option")
    return {"option": next(i for i in ids if i != current)}


class Command(BaseCommand):
    help = (
        "测量测验引擎的性能：每次请求的 SQL 条数、与 pgbench 的吞吐比、"
        "开考高峰、试题分析。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--spike",
            default="100,250,500",
            help="开考高峰的考生人数，逗号分隔（默认 100,250,500）。",
        )
        parser.add_argument(
            "--window", type=float, default=60.0, help="考生开考的时间窗（秒）。"
        )
        parser.add_argument(
            "--answers", type=int, default=5, help="高峰中每位考生保存的答案数。"
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
        parser.add_argument("--attempts", type=int, default=5000)
        # A 2-core server: one process per core plus one to cover a process
        # blocked in I/O, each with a few threads to overlap database waits. More
        # threads per process only queue on the GIL and hold more connections.
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--keep-alive",
            type=int,
            default=75,
            help="gunicorn 保持连接的秒数（默认 75，同 nginx 对浏览器的默认值）。",
        )
        parser.add_argument("--seed", type=int, default=7)

    def out(self, text: str = "") -> None:
        self.stdout.write(text)

    def handle(self, *args, **opts):
        # The in-process client calls itself "testserver".
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            self.run(opts)

    def run(self, opts) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self.rng = random.Random(opts["seed"])
        self.run_id = timezone.now().strftime("%H%M%S")
        postgres = connection.vendor == "postgresql"
        self.out(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        self.bank = self.bank_build()
        self.requests_measure(opts)
        if postgres:
            self.throughput_measure(opts)
            sizes = [int(n) for n in opts["spike"].split(",") if n.strip()]
            for size in filter(None, sizes):
                self.spike_measure(size, opts)
        else:
            self.out(
                "\nthroughput against pgbench and the start spike need PostgreSQL "
                "(set DATABASE_URL); skipped on SQLite."
            )
        self.statistics_measure(opts["attempts"])

    # ------------------------------------------------------------------ data

    def bank_build(self) -> list:
        category = category_ensure(path=f"压测/禁毒法-{self.run_id}")
        questions = []
        for number in range(QUESTIONS):
            options = [
                {"text": f"选项{letter}", "is_correct": letter == "A"}
                for letter in "ABCD"
            ]
            questions.append(
                question_create(
                    kind=QuestionKind.SINGLE,
                    stem=f"<p>压测题 {number + 1}：社区戒毒的期限是几年？</p>",
                    category=category,
                    options=options,
                    explanation="依据《禁毒法》第三十三条。",
                )
            )
        return questions

    def exam_create(self, label: str) -> Quiz:
        now = timezone.now()
        quiz = Quiz.objects.create(
            title=f"压测考试 {label}",
            slug=f"bench-{label}-{self.run_id}-{secrets.token_hex(3)}",
            mode=QuizMode.EXAM,
            review_policy=ReviewPolicy.AFTER_SUBMIT,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(hours=6),
            time_limit=60,
            is_published=True,
        )
        QuizQuestion.objects.bulk_create(
            QuizQuestion(quiz=quiz, question=question, sort_order=order)
            for order, question in enumerate(self.bank)
        )
        return quiz

    def users_make(self, count: int, label: str) -> list:
        User = get_user_model()
        prefix = f"bench-{label}-{self.run_id}-"
        User.objects.bulk_create(
            User(username=f"{prefix}{i:05d}", password="!", first_name=f"考生{i}")
            for i in range(count)
        )
        return list(User.objects.filter(username__startswith=prefix).order_by("pk"))

    def sessions_make(self, users) -> list[str]:
        # The site's model backend (the last one; the first is the lockout guard).
        backend = settings.AUTHENTICATION_BACKENDS[-1]
        keys = []
        for user in users:
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = backend
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            keys.append(store.session_key)
        return keys

    # ------------------------------------------------------------ SQL counts

    def requests_measure(self, opts) -> None:
        from quizzes.services import answer_save

        quiz = self.exam_create("sql")
        (user,) = self.users_make(1, "sql")
        client = Client()
        client.force_login(user)
        figures: list[tuple[str, int]] = []

        with count_statements() as sql:
            response = client.post(reverse("quizzes:start", args=[quiz.slug]))
        assert response.status_code in (302, 303), response.status_code
        figures.append(("start an exam (POST)", len(sql)))
        attempt = Attempt.objects.get(quiz=quiz, user=user)
        url = reverse("quizzes:attempt", args=[attempt.token])
        with count_statements() as sql:
            assert client.get(url).status_code == 200
        figures.append((f"load the paper ({QUESTIONS} questions)", len(sql)))

        answer_url = reverse("quizzes:answer", args=[attempt.token])
        items = {i.position: i for i in attempt.items.all()}
        with count_statements() as sql:
            response = client.post(
                answer_url,
                {"position": 1, "response": right_response(items[1].snapshot)},
                content_type="application/json",
            )
        assert response.status_code == 200, response.content
        figures.append(("save an answer (POST JSON)", len(sql)))
        with count_statements() as sql:
            client.post(
                answer_url,
                {"position": 1, "response": right_response(items[1].snapshot)},
                content_type="application/json",
            )
        figures.append(("save the same answer again", len(sql)))
        with count_statements() as sql:
            answer_save(
                attempt=attempt,
                user=user,
                position=2,
                response=right_response(items[2].snapshot),
            )
        figures.append(("  of which the service answer_save", len(sql)))
        with count_statements() as sql:
            response = client.post(reverse("quizzes:submit", args=[attempt.token]))
        figures.append((f"submit and mark ({QUESTIONS} questions)", len(sql)))
        with count_statements() as sql:
            client.post(reverse("quizzes:submit", args=[attempt.token]))
        figures.append(("submit again (double click)", len(sql)))

        self.out(
            "\nSQL statements per request (whole Django stack, logged-in user; "
            "transaction control not counted):"
        )
        for label, count in figures:
            self.out(f"  {label:<40}{count:>4}")

    # ------------------------------------------------------------ throughput

    def throughput_measure(self, opts) -> None:
        quiz = self.exam_create("rps")
        (user,) = self.users_make(1, "rps")
        client = Client()
        client.force_login(user)
        client.post(reverse("quizzes:start", args=[quiz.slug]))
        attempt = Attempt.objects.get(quiz=quiz, user=user)
        item = attempt.items.get(position=1)
        answer_url = reverse("quizzes:answer", args=[attempt.token])
        state = {"response": None}

        def save_loop(seconds: float) -> float:
            done = 0
            end = time.perf_counter() + seconds
            start = time.perf_counter()
            while time.perf_counter() < end:
                state["response"] = other_response(item.snapshot, state["response"])
                response = client.post(
                    answer_url,
                    {"position": 1, "response": state["response"]},
                    content_type="application/json",
                )
                if response.status_code != 200:
                    raise CommandError(response.content.decode()[:300])
                done += 1
            return done / (time.perf_counter() - start)

        django_rates = [save_loop(opts["seconds"]) for _ in range(opts["rounds"])]
        pgbench_rates = (
            [] if opts["no_pgbench"] else self.pgbench(opts["seconds"], opts["rounds"])
        )
        django_rps = statistics.median(django_rates)
        self.out("\nanswer saves per second, one client (median of rounds):")
        self.out(f"  through Django (in-process client)   {django_rps:8.0f} /s")
        if pgbench_rates:
            tps = statistics.median(pgbench_rates)
            self.out(f"  pgbench -b tpcb-like, same server    {tps:8.0f} tps")
            self.out(f"  ratio Django / pgbench               {django_rps / tps:8.0%}")

    def pgbench(self, seconds: float, rounds: int) -> list[float]:
        if not shutil.which("pgbench"):
            self.out("  pgbench not found (Debian: postgresql-client); ratio skipped")
            return []
        params = connection.settings_dict
        dbname = f"{params['NAME']}_pgbench"
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
            exists = cursor.fetchone()
        if not exists:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{dbname}"')
        env = {
            **os.environ,
            "PGHOST": params.get("HOST") or "127.0.0.1",
            "PGPORT": str(params.get("PORT") or 5432),
            "PGUSER": params.get("USER") or "postgres",
            "PGPASSWORD": params.get("PASSWORD") or "",
        }
        subprocess.run(
            ["pgbench", "-i", "-q", "-s", "1", dbname],
            env=env,
            check=True,
            capture_output=True,
        )
        rates = []
        for _ in range(rounds):
            run = subprocess.run(
                ["pgbench", "-b", "tpcb-like", "-c", "1", "-T", str(int(seconds))]
                + [dbname],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            match = re.search(r"tps = ([\d.]+)", run.stdout)
            if match:
                rates.append(float(match.group(1)))
        return rates

    # ----------------------------------------------------------------- spike

    def spike_measure(self, takers: int, opts) -> None:
        quiz = self.exam_create(f"spike{takers}")
        users = self.users_make(takers, f"spike{takers}")
        sessions = self.sessions_make(users)
        port = free_port()
        server = self.server_start(port, opts)
        try:
            results = asyncio.run(
                self.spike_run(
                    base=f"http://127.0.0.1:{port}",
                    quiz=quiz,
                    sessions=sessions,
                    window=opts["window"],
                    answers=opts["answers"],
                )
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        lost = self.lost_answers(results["acknowledged"])
        attempts = Attempt.objects.filter(quiz=quiz)
        finished = attempts.exclude(status=AttemptStatus.IN_PROGRESS).count()
        self.out(
            f"\nexam start spike: {takers} takers within {opts['window']:.0f} s, "
            f"gunicorn {opts['workers']} workers x {opts['threads']} threads, "
            f"keep-alive {opts['keep_alive']} s, on 127.0.0.1"
        )
        self.out(
            f"  start + load paper   p50 {percentile(results['start'], 50):7.0f} ms"
            f"   p95 {percentile(results['start'], 95):7.0f} ms"
        )
        self.out(
            f"  answer save          p50 {percentile(results['save'], 50):7.0f} ms"
            f"   p95 {percentile(results['save'], 95):7.0f} ms"
        )
        self.out(
            f"  submit               p50 {percentile(results['submit'], 50):7.0f} ms"
            f"   p95 {percentile(results['submit'], 95):7.0f} ms"
        )
        self.out(
            f"  errors {len(results['errors'])}, lost answers {lost} "
            f"(of {len(results['acknowledged'])} acknowledged), "
            f"attempts {attempts.count()} (submitted {finished})"
        )
        kinds = Counter(error[:60] for error in results["errors"])
        for error, count in kinds.most_common(8):
            self.out(f"    {count:>4} x {error}")

    def server_start(self, port: int, opts) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
            "DEBUG": "False",
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        env.pop("CELERY_BROKER_URL", None)  # marking runs in the request
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "cms.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(opts["workers"]),
            "--threads",
            str(opts["threads"]),
            "--keep-alive",
            str(opts["keep_alive"]),
            # Django imported once before the fork: workers start in a moment.
            "--preload",
            "--log-level",
            "warning",
        ]
        server = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            server.kill()
            raise CommandError("gunicorn 未能在 30 秒内启动。")
        self.server_warm(port, opts["workers"] * opts["threads"])
        return server

    def server_warm(self, port: int, requests: int) -> None:
        """A server is up before an exam starts: load every worker's URLconf and
        templates with a few anonymous page views before the clock runs, so the
        spike measures the exam and not the workers' first requests."""
        import httpx

        url = f"http://127.0.0.1:{port}" + reverse("quizzes:index")
        for _ in range(requests):
            # A new connection each time, so that every worker gets some.
            httpx.get(url, timeout=30, headers={"Connection": "close"})

    async def spike_run(self, *, base, quiz, sessions, window, answers) -> dict:
        import httpx

        results = {"start": [], "save": [], "submit": [], "errors": []}
        results["acknowledged"] = []
        csrf = secrets.token_hex(16)  # a 32-character secret, sent as cookie and header
        limits = httpx.Limits(max_connections=len(sessions) + 10)
        # One TLS context for every taker: building one per client costs ~25 ms of
        # the event loop each, which a browser never pays per page, and on this
        # shared machine it is CPU taken from the server being measured.
        tls = ssl.create_default_context()
        start_url = reverse("quizzes:start", args=[quiz.slug])

        async def taker(session_key: str, rng: random.Random, step: dict) -> None:
            await asyncio.sleep(rng.uniform(0, window))
            cookies = {settings.SESSION_COOKIE_NAME: session_key, "csrftoken": csrf}
            headers = {"X-CSRFToken": csrf, "Referer": base + "/"}
            async with httpx.AsyncClient(
                base_url=base,
                cookies=cookies,
                headers=headers,
                timeout=120,
                limits=limits,
                verify=tls,
            ) as client:
                began = time.perf_counter()
                response = await client.post(start_url)
                if response.status_code not in (302, 303):
                    results["errors"].append(f"start {response.status_code}")
                    return
                location = response.headers["location"]
                step["name"] = "paper"
                page = await client.get(location)
                results["start"].append((time.perf_counter() - began) * 1000)
                if page.status_code != 200:
                    results["errors"].append(f"paper {page.status_code}")
                    return
                token = location.rstrip("/").split("/")[-1]
                snapshots = await asyncio.to_thread(self.snapshots_for, token)
                answer_url = reverse("quizzes:answer", args=[token])
                positions = rng.sample(sorted(snapshots), min(answers, len(snapshots)))
                for position in positions:
                    body = {
                        "position": position,
                        "response": other_response(snapshots[position], None),
                    }
                    began = time.perf_counter()
                    step["name"] = "save"
                    saved = await client.post(answer_url, json=body)
                    results["save"].append((time.perf_counter() - began) * 1000)
                    if saved.status_code == 200:
                        results["acknowledged"].append(
                            (token, position, body["response"])
                        )
                    else:
                        results["errors"].append(
                            f"save {saved.status_code} {saved.text[:120]}"
                        )
                began = time.perf_counter()
                step["name"] = "submit"
                submitted = await client.post(reverse("quizzes:submit", args=[token]))
                results["submit"].append((time.perf_counter() - began) * 1000)
                if submitted.status_code not in (200, 302, 303):
                    results["errors"].append(f"submit {submitted.status_code}")

        async def guarded(session_key: str, seed: int) -> None:
            step = {"name": "start"}
            try:
                await taker(session_key, random.Random(seed), step)
            except Exception as error:  # noqa: BLE001 - every failure is counted
                results["errors"].append(
                    f"{step['name']} {type(error).__name__}: {error}"
                )

        await asyncio.gather(*(guarded(key, self.rng.random()) for key in sessions))
        return results

    def snapshots_for(self, token: str) -> dict[int, dict]:
        try:
            return {
                item.position: item.snapshot
                for item in AttemptItem.objects.filter(attempt__token=token)
            }
        finally:
            close_old_connections()

    def lost_answers(self, acknowledged) -> int:
        stored = {
            (token, position): (snapshot, response)
            for token, position, snapshot, response in AttemptItem.objects.filter(
                attempt__token__in={a[0] for a in acknowledged}
            ).values_list("attempt__token", "position", "snapshot", "response")
        }
        lost = 0
        for token, position, sent in acknowledged:
            snapshot, response = stored.get((token, position), (None, None))
            if snapshot is None or response != response_clean(snapshot, sent):
                lost += 1
        return lost

    # ------------------------------------------------------------ statistics

    def statistics_measure(self, count: int) -> None:
        from quizzes.selectors.statistics import (
            quiz_item_statistics,
            quiz_score_distribution,
        )

        quiz = self.exam_create("stats")
        users = self.users_make(count, "stats")
        started = time.perf_counter()
        self.attempts_generate(quiz, users)
        generated = time.perf_counter() - started

        def timed(function) -> float:
            began = time.perf_counter()
            function(quiz=quiz)
            return (time.perf_counter() - began) * 1000

        items = [timed(quiz_item_statistics) for _ in range(5)]
        histogram = [timed(quiz_score_distribution) for _ in range(5)]
        with count_statements() as sql:
            quiz_item_statistics(quiz=quiz)
            quiz_score_distribution(quiz=quiz)
        self.out(
            f"\nitem statistics, {count} attempts x {QUESTIONS} questions "
            f"(generated in {generated:.1f} s):"
        )
        self.out(
            f"  per-question facility and discrimination  median {statistics.median(items):7.0f} ms"  # noqa: E501
        )
        self.out(
            f"  score distribution                        median {statistics.median(histogram):7.0f} ms"  # noqa: E501
        )
        self.out(f"  SQL statements for both                  {len(sql):>8}")

    @transaction.atomic
    def attempts_generate(self, quiz: Quiz, users) -> None:
        """Finished attempts whose answers follow each taker's ability, so the
        statistics have real spread (hard questions, discriminating ones)."""
        now = timezone.now()
        questions = [
            link.question
            for link in quiz.quiz_questions.select_related("question__category")
        ]
        snapshots = {q.pk: question_snapshot(q) for q in questions}
        difficulty = {q.pk: self.rng.uniform(-1.5, 1.5) for q in questions}
        attempts = []
        abilities = []
        for user in users:
            attempts.append(
                Attempt(
                    quiz=quiz,
                    user=user,
                    number=1,
                    status=AttemptStatus.MARKED,
                    started_at=now - timedelta(hours=1),
                    submitted_at=now,
                    marked_at=now,
                    max_score=Decimal(len(questions)),
                )
            )
            abilities.append(self.rng.gauss(0, 1))
        Attempt.objects.bulk_create(attempts, batch_size=1000)
        items = []
        for attempt, ability in zip(attempts, abilities, strict=True):
            total = 0
            for position, question in enumerate(questions, start=1):
                snapshot = snapshots[question.pk]
                chance = 1 / (1 + 2.718 ** -(ability - difficulty[question.pk]))
                right = self.rng.random() < chance
                options = snapshot["options"]
                chosen = (
                    next(o for o in options if o["correct"])
                    if right
                    else self.rng.choice([o for o in options if not o["correct"]])
                )
                total += right
                items.append(
                    AttemptItem(
                        attempt=attempt,
                        position=position,
                        question=question,
                        category_id=question.category_id,
                        kind=question.kind,
                        points=Decimal(1),
                        snapshot=snapshot,
                        response={"option": chosen["id"]},
                        answered_at=now,
                        is_correct=right,
                        score=Decimal(int(right)),
                        marked_at=now,
                    )
                )
            attempt.score = Decimal(total)
            attempt.percent = Decimal(total * 100) / len(questions)
            attempt.passed = attempt.percent >= quiz.pass_mark
            if len(items) >= 20000:
                AttemptItem.objects.bulk_create(items, batch_size=5000)
                items = []
        AttemptItem.objects.bulk_create(items, batch_size=5000)
        Attempt.objects.bulk_update(
            attempts, ["score", "percent", "passed"], batch_size=1000
        )
