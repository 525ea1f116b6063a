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


# ---- training record: assignments, adjustments and policies ----


class UnitChoiceField(forms.ModelChoiceField):
    """Units indented by depth, so a facility's brigades read as part of it."""

    def __init__(self, *args, top_depth: int = 1, **kwargs):
        self.top_depth = top_depth
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        indent = "\u3000" * max(obj.depth - self.top_depth, 0)
        return f"{indent}{obj.name}（{obj.get_kind_display()}）"


def training_year_choices(current: int) -> list[tuple[int, str]]:
    return [
        (year, _("%(year)s 年度") % {"year": year})
        for year in (current - 1, current, current + 1)
    ]


class AssignmentForm(forms.Form):
    """Assign a live course to a unit's subtree; `units` is the user's scope, so
    a unit typed in by hand from elsewhere is an invalid choice, not a write."""

    course = forms.ModelChoiceField(
        label=_("课程"),
        queryset=None,
        empty_label=_("请选择课程"),
        error_messages={"invalid_choice": _("请选择一门已发布的课程。")},
    )
    unit = UnitChoiceField(
        label=_("布置到单位（含下级单位）"),
        queryset=None,
        empty_label=_("请选择单位"),
        error_messages={
            "invalid_choice": _(
                "您只能为本单位及下级单位布置必修课程，所选单位不在您的管理范围内。"
            )
        },
    )
    positions = forms.ModelMultipleChoiceField(
        label=_("岗位"),
        queryset=Position.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示该单位及下级单位的所有人员。"),
        error_messages={"invalid_choice": _("所选岗位不存在或已停用。")},
    )
    training_year = forms.TypedChoiceField(label=_("培训年度"), coerce=int)
    due_on = forms.DateField(
        label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=255,
        widget=forms.TextInput(),
    )

    def __init__(self, *args, courses, units, current_year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
        self.fields["unit"].queryset = units
        self.fields["unit"].top_depth = min((u.depth for u in units), default=1)
        self.fields["training_year"].choices = training_year_choices(current_year)
        self.fields["training_year"].initial = current_year


class AssignmentFilterForm(forms.Form):
    year = forms.TypedChoiceField(
        label=_("培训年度"), coerce=int, empty_value=None, required=False
    )
    withdrawn = forms.BooleanField(label=_("显示已撤销的布置"), required=False)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("全部年度"))] + [
            (year, _("%(year)s 年度") % {"year": year}) for year in years
        ]


class HoursAdjustForm(forms.Form):
    hours = forms.DecimalField(
        label=_("调整学时"),
        max_digits=4,
        decimal_places=1,
        help_text=_("正数为增加，负数为扣减，例如 2 或 -1.5。"),
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label=_("调整原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写调整原因。")},
    )
    # Made when the form is shown: posting the same form twice records once.
    token = forms.RegexField(
        regex=r"^[0-9a-f]{32}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": _("表单已失效，请刷新页面后重新填写。"),
            "invalid": _("表单已失效，请刷新页面后重新填写。"),
        },
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("请填写调整原因。"))
        return reason


class TrainingPolicyForm(forms.Form):
    """The bureau's rules and, one field per active position, its yearly hours."""

    year_starts_month = forms.IntegerField(
        label=_("年度起始月"), min_value=1, max_value=12
    )
    year_starts_day = forms.IntegerField(
        label=_("年度起始日"),
        min_value=1,
        max_value=28,
        help_text=_("1 至 28 日，保证每个月都有这一天。"),
    )
    exam_pass_hours = forms.DecimalField(
        label=_("考试合格计学时"),
        min_value=0,
        max_digits=4,
        decimal_places=1,
        help_text=_("每场考试合格一次计入的学时，重复通过不再计入。"),
    )
    offline_day_hours = forms.DecimalField(
        label=_("线下培训每天计学时"),
        min_value=0,
        max_value=24,
        max_digits=4,
        decimal_places=1,
    )
    time_cap_ratio = forms.DecimalField(
        label=_("学习时长上限倍数"),
        min_value=1,
        max_value=10,
        max_digits=3,
        decimal_places=1,
        help_text=_("一课计入的学习时长不超过课程时长乘以此倍数。"),
    )
    presence_minutes = forms.IntegerField(
        label=_("防挂机确认间隔（分钟）"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=_(
            "学员连续学习这么久后须点击“继续学习”确认仍在学习，未确认期间不计学习"
            "时长（观看视频也算在学习）。0 表示不检查。"
        ),
    )

    def clean_presence_minutes(self) -> int:
        return self.cleaned_data.get("presence_minutes") or 0

    def __init__(self, *args, positions, **kwargs):
        super().__init__(*args, **kwargs)
        self.positions = list(positions)
        for position in self.positions:
            self.fields[self.requirement_field(position)] = forms.DecimalField(
                label=position.name,
                required=False,
                min_value=0,
                max_digits=5,
                decimal_places=1,
                help_text=_("留空表示不设要求。"),
                widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
            )

    @staticmethod
    def requirement_field(position) -> str:
        return f"requirement_{position.code}"

    def rule_fields(self):
        return [
            self[name] for name in self.fields if not name.startswith("requirement_")
        ]

    def requirement_fields(self):
        return [self[self.requirement_field(p)] for p in self.positions]

    def requirements(self) -> dict:
        """{position: hours or None} from the cleaned data."""
        return {
            p: self.cleaned_data.get(self.requirement_field(p)) for p in self.positions
        }
