"""Signals for the apps that use the quiz engine (courses credits exams from them).

Sent after the transaction commits, so a receiver never sees a result that was
rolled back.
"""

from django.dispatch import Signal

# Sent with `attempt` when an attempt becomes fully marked, and again whenever a
# re-mark changes the result of a marked attempt.
attempt_marked = Signal()
