"""The answer form a page without JavaScript posts (the script posts JSON).

One form for every kind: the fields a kind does not use are simply absent.
`response_for` builds the response `answer_save` checks and cleans.
"""

from typing import Any

from django import forms

from quizzes.models import QuestionKind


class AnswerForm(forms.Form):
    position = forms.IntegerField(min_value=1)
    revision = forms.IntegerField(min_value=0, required=False)
    # Where to go after saving: another question's number, or "submit".
    go = forms.RegexField(regex=r"^(\d{1,4}|submit)$", required=False)

    def response_for(self, kind: str) -> dict[str, Any] | None:
        data = self.data
        if kind == QuestionKind.SINGLE:
            return {"option": data.get("option", "")}
        if kind == QuestionKind.MULTIPLE:
            return {"options": data.getlist("options")}
        if kind == QuestionKind.TRUE_FALSE:
            return {"value": data.get("value", "")}
        if kind == QuestionKind.FILL_IN:
            return {"blanks": data.getlist("blank")}
        if kind == QuestionKind.ESSAY:
            return {"text": data.get("text", "")}
        return None
