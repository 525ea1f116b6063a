"""Importing and exporting questions from the Wagtail admin."""
