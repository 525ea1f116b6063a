"""Every interface string has its English translation, compiled."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "cms" / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCES = [ROOT / app for app in ("cms", "courses", "quizzes", "reports", "api")]
PATTERNS = [
    re.compile(r"""\{%\s*trans(?:late)?\s+(["'])(.+?)\1"""),
    re.compile(r"""\b_\(\s*(["'])(.+?)\1\s*[,)]"""),
]


def catalogue() -> dict[str, str]:
    entries = {}
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n)+)', block + "\n", re.M)
        if not msgid:
            continue
        key = "".join(re.findall(r'"(.*)"', msgid.group(1))).replace('\\"', '"')
        translated = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        entries[key] = "".join(re.findall(r'"(.*)"', "".join(translated)))
    return entries


def source_strings() -> set[str]:
    found = set()
    for base in SOURCES:
        for path in [*base.rglob("*.html"), *base.rglob("*.py")]:
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            for pattern in PATTERNS:
                found.update(m.group(2) for m in pattern.finditer(text))
    return found


def test_every_marked_string_is_translated_to_english():
    entries = catalogue()
    untranslated = sorted(s for s in source_strings() if not entries.get(s))
    assert untranslated == [], "run `make messages` and translate: " + ", ".join(
        untranslated
    )


def test_catalogue_has_no_fuzzy_or_empty_entries_and_is_compiled():
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.fail("gettext's msgfmt is needed: apt-get install gettext")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr
    assert MO.stat().st_mtime >= PO.stat().st_mtime - 1, (
        "run `make messages` to compile"
    )
