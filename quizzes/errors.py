"""The one exception the quiz engine raises for things a learner or trainer did.

A `QuizError` is a `ValidationError`, so forms and views show its message as is;
its `code` lets a view choose the response (e.g. "not_owner" becomes a 404).
"""

from django.core.exceptions import ValidationError


class QuizError(ValidationError):
    """A refusal with a user-facing Chinese message and a machine-readable code."""
