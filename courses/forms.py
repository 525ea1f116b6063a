from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from courses.models import Position
from courses.models.learners import IdentityKind


class PeopleFilterForm(forms.Form):
    q = forms.CharField(
        label=_("姓名或编号"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    position = forms.ModelChoiceField(
        label=_("岗位"),
        queryset=Position.objects.all(),
        required=False,
        empty_label=_("全部岗位"),
    )
    identity = forms.ChoiceField(
        label=_("身份类型"),
        required=False,
        choices=[("", _("全部身份"))] + list(IdentityKind.choices),
    )


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("花名册文件"),
        help_text=_("Excel 工作簿（.xlsx），含“单位”和“人员”两张工作表。"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument."
                "spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.ROSTER_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件太大（%(size)s），上限为 %(limit)s。"),
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                },
            )
        if upload.size == 0:
            raise forms.ValidationError(_("文件是空的。"))
        return upload
