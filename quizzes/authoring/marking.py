"""The marking queue and item statistics in the Wagtail admin."""
