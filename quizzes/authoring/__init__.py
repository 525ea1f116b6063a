"""The trainer's side of the quiz engine in the Wagtail admin.

Each module registers its own hooks; `quizzes.wagtail_hooks` imports them.
"""
