"""Wagtail admin for the quiz engine: each part registers its own hooks."""

from quizzes.authoring import bank, importing, marking  # noqa: F401
