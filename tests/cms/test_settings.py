"""Production settings refuse to start without secrets and pass the deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOOD_ENV = {
    "DJANGO_SETTINGS_MODULE": "cms.settings.production",
    "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "training.example.org",
    "DATABASE_URL": "postgres://app@127.0.0.1:5432/app",
}


def run_manage(*args, env_overrides=None, drop=()):
    env = {**os.environ, **GOOD_ENV, **(env_overrides or {})}
    # Set by the browser tests for their own process; never part of a deployment.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for name in drop:
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", drop=["SECRET_KEY"])
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_manage("check", env_overrides={"SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", drop=["ALLOWED_HOSTS"])
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must name" in result.stderr


def test_production_passes_the_deploy_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (2 silenced)" in result.stdout


def test_production_serves_static_files_compressed_with_hashed_names(tmp_path):
    result = run_manage(
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings;"
        "print(settings.STORAGES['staticfiles']['BACKEND']);"
        "print('whitenoise.middleware.WhiteNoiseMiddleware' in settings.MIDDLEWARE)",
    )
    assert result.returncode == 0, result.stderr
    backend, middleware = result.stdout.split()
    assert backend == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert middleware == "True"


def test_default_settings_need_no_environment():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "cms.settings.dev"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-v",
            "0",
            "-c",
            "from django.conf import settings as s;"
            "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["django.db.backends.sqlite3", "True"]


def test_broker_url_switches_celery_to_real_workers():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cms.settings.dev",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/3",
    }
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-v",
            "0",
            "-c",
            "from cms.celery import app;"
            "c = app.conf;"
            "print(c.task_always_eager, c.broker_url, c.result_backend)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == [
        "False",
        "redis://127.0.0.1:6379/3",
        "redis://127.0.0.1:6379/3",
    ]
