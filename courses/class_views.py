"""Offline classes (培训班): pages for trainers and administrators, the QR code
shown in the room, and the learner's check-in and "my classes" pages.

A class is found only among the classes the user may see
(courses.selectors.classes.classes_visible_to), so another facility's class is
a 404; changing its roster or attendance also needs class_can_manage.
"""

import re
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from courses.models import (
    ClassDay,
    ClassEnrolment,
    EnrolmentStatus,
    LearnerProfile,
    OfflineClass,
    OrgUnit,
)
from courses.selectors.classes import (
    attendance_for_day,
    class_roster,
    classes_visible_to,
    day_attendance_count,
    learner_classes,
    trainer_candidates,
)
from courses.selectors.records import learner_of_user
from courses.selectors.scope import Capability, user_has_capability
from courses.services.records.classes import (
    CODE_LOGIN_GRACE,
    AttendanceRefused,
    attendance_code_check,
    attendance_code_current,
    attendance_record_by_code,
    attendance_record_by_trainer,
    class_can_manage,
    class_create,
    class_day_find,
    class_enrol,
    class_withdraw,
)
from courses.services.records.policy import policy_for_unit_path

PENDING_CHECKIN = "class_checkin_pending"
MAX_IDS_PER_ENROL = 200


def _may_run_classes(user) -> bool:
    return (
        user_has_capability(user=user, capability=Capability.VIEW_PEOPLE)
        or user.classes_trained.exists()
    )


def _require_staff(user) -> None:
    if not _may_run_classes(user):
        raise PermissionDenied(_("只有教员和管理员可以管理培训班。"))


def _class_or_404(user, code: str) -> OfflineClass:
    _require_staff(user)
    return get_object_or_404(classes_visible_to(user=user), code=code)


def _managed_class_or_403(user, code: str) -> OfflineClass:
    offline_class = _class_or_404(user, code)
    if not class_can_manage(offline_class=offline_class, user=user):
        raise PermissionDenied(_("您不是该培训班的教员，也不是主办单位的管理员。"))
    return offline_class


def _day_or_404(offline_class: OfflineClass, on: str) -> ClassDay:
    try:
        day = date.fromisoformat(on)
    except ValueError:
        raise Http404 from None
    found = get_object_or_404(ClassDay, offline_class=offline_class, date=day)
    found.offline_class = offline_class
    return found


# ---- trainers and administrators ----


@login_required
def class_index(request):
    _require_staff(request.user)
    classes = list(classes_visible_to(user=request.user))
    enrolled = dict(
        ClassEnrolment.objects.filter(
            offline_class__in=classes, status=EnrolmentStatus.ENROLLED
        )
        .values_list("offline_class_id")
        .annotate(n=Count("id"))
    )
    today = timezone.localdate()
    rows = [
        {
            "cls": c,
            "enrolled": enrolled.get(c.pk, 0),
            "state": (
                _("进行中")
                if c.starts_on <= today <= c.ends_on
                else _("未开班")
                if today < c.starts_on
                else _("已结束")
            ),
        }
        for c in classes
    ]
    return render(
        request,
        "courses/classes/class_index.html",
        {
            "rows": rows,
            "can_create": user_has_capability(
                user=request.user, capability=Capability.VIEW_PEOPLE
            ),
        },
    )


class DateInput(forms.DateInput):
    input_type = "date"


class ClassForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("培训班名称"), max_length=200)
    code = forms.CharField(
        label=gettext_lazy("培训班编号"),
        max_length=32,
        help_text=gettext_lazy(
            "字母、数字和连字符，例如 2026-SQ-01。用于签到，创建后不能修改。"
        ),
    )
    unit = forms.ModelChoiceField(
        label=gettext_lazy("主办单位"), queryset=OrgUnit.objects.none()
    )
    place = forms.CharField(label=gettext_lazy("培训地点"), max_length=200)
    starts_on = forms.DateField(label=gettext_lazy("开班日期"), widget=DateInput)
    ends_on = forms.DateField(label=gettext_lazy("结班日期"), widget=DateInput)
    capacity = forms.IntegerField(label=gettext_lazy("名额"), min_value=1)
    hours_per_day = forms.DecimalField(
        label=gettext_lazy("每天计学时"),
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal("12"),
        decimal_places=1,
    )
    completion_percent = forms.IntegerField(
        label=gettext_lazy("结业出勤要求（%）"),
        required=False,
        initial=100,
        min_value=1,
        max_value=100,
        help_text=gettext_lazy(
            "出勤天数达到培训天数的这一比例方可结业，并自动颁发结业证书。"
        ),
    )
    trainers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("培训教员"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("不选则由您本人担任。"),
    )
    description = forms.CharField(
        label=gettext_lazy("培训内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = OrgUnit.objects.within_scope_of(user)
        self.fields["unit"].queryset = units
        first = units.first()
        if first is not None:
            self.fields["unit"].initial = first.pk
            hours = policy_for_unit_path(first.path).offline_day_hours
            self.fields["hours_per_day"].help_text = _(
                "留空则按本局规定，每天计 %(hours)s 学时。"
            ) % {"hours": hours}
        trainers = trainer_candidates(user=user)
        self.fields["trainers"].queryset = trainers
        self.fields["trainers"].label_from_instance = lambda u: (
            f"{u.get_full_name()}（{u.username}）"
        )
        for name in ("starts_on", "ends_on"):
            self.fields[name].widget.format = "%Y-%m-%d"

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("结班日期不能早于开班日期。"))
        return data


def _form_errors_from(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
@require_http_methods(["GET", "POST"])
def class_create_view(request):
    _require_staff(request.user)
    if not user_has_capability(user=request.user, capability=Capability.VIEW_PEOPLE):
        raise PermissionDenied(_("只有教员和管理员可以举办培训班。"))
    form = ClassForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            offline_class = class_create(
                title=data["title"],
                code=data["code"],
                unit=data["unit"],
                place=data["place"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                capacity=data["capacity"],
                hours_per_day=data["hours_per_day"],
                completion_percent=data["completion_percent"],
                trainers=list(data["trainers"]),
                description=data["description"],
                by=request.user,
            )
        except ValidationError as error:
            _form_errors_from(form, error)
        else:
            messages.success(
                request, _("培训班“%(title)s”已创建。") % {"title": offline_class.title}
            )
            return redirect("courses:class_detail", code=offline_class.code)
    return render(request, "courses/classes/class_form.html", {"form": form})


class EnrolForm(forms.Form):
    id_numbers = forms.CharField(
        label=gettext_lazy("学员编号"),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=gettext_lazy(
            "警号或人员编号，可一次填写多个，用空格、逗号或换行分隔。"
            "名额已满时自动列入候补。"
        ),
    )

    def clean_id_numbers(self):
        ids = [
            part
            for part in re.split(r"[\s,，、;；]+", self.cleaned_data["id_numbers"])
            if part
        ]
        ids = list(dict.fromkeys(ids))
        if not ids:
            raise ValidationError(_("请至少填写一个编号。"))
        if len(ids) > MAX_IDS_PER_ENROL:
            raise ValidationError(
                _("一次最多登记 %(n)s 人。") % {"n": MAX_IDS_PER_ENROL}
            )
        return ids


@login_required
def class_detail(request, code: str):
    offline_class = _class_or_404(request.user, code)
    can_manage = class_can_manage(offline_class=offline_class, user=request.user)
    return _detail_render(request, offline_class, can_manage, EnrolForm())


def _detail_render(request, offline_class, can_manage, enrol_form, status=200):
    today = timezone.localdate()
    days = list(offline_class.days.all())
    return render(
        request,
        "courses/classes/class_detail.html",
        {
            "cls": offline_class,
            "can_manage": can_manage,
            "roster": class_roster(offline_class=offline_class),
            "days": days,
            "today": today,
            "today_is_class_day": any(d.date == today for d in days),
            "trainers": offline_class.trainers.select_related("learner"),
            "enrol_form": enrol_form,
        },
        status=status,
    )


@login_required
@require_POST
def class_enrol_view(request, code: str):
    offline_class = _managed_class_or_403(request.user, code)
    form = EnrolForm(request.POST)
    if not form.is_valid():
        return _detail_render(request, offline_class, True, form, status=400)
    learners = {
        p.id_number: p
        for p in LearnerProfile.objects.select_related("unit").filter(
            id_number__in=form.cleaned_data["id_numbers"],
            unit__path__startswith=offline_class.unit.path,
        )
    }
    for id_number in form.cleaned_data["id_numbers"]:
        learner = learners.get(id_number)
        if learner is None:
            messages.error(
                request,
                _("在主办单位（含下级单位）中找不到编号为 %(id)s 的人员。")
                % {"id": id_number},
            )
            continue
        try:
            enrolment = class_enrol(
                offline_class=offline_class, learner=learner, by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            continue
        if enrolment.status == EnrolmentStatus.ENROLLED:
            messages.success(request, _("已报名：%(name)s") % {"name": learner})
        else:
            messages.warning(
                request,
                _("名额已满，%(name)s已列入候补名单。") % {"name": learner},
            )
    return redirect("courses:class_detail", code=offline_class.code)


@login_required
@require_POST
def class_withdraw_view(request, code: str):
    offline_class = _managed_class_or_403(request.user, code)
    learner = get_object_or_404(
        LearnerProfile.objects.filter(class_enrolments__offline_class=offline_class),
        id_number=request.POST.get("id_number", ""),
    )
    try:
        promoted = class_withdraw(
            offline_class=offline_class, learner=learner, by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s已退出。") % {"name": learner})
        if promoted is not None:
            messages.success(
                request,
                _("候补的%(name)s已转为正式学员。") % {"name": promoted.learner},
            )
    return redirect("courses:class_detail", code=offline_class.code)


@login_required
@require_http_methods(["GET", "POST"])
def class_day_sheet(request, code: str, on: str):
    offline_class = _class_or_404(request.user, code)
    can_manage = class_can_manage(offline_class=offline_class, user=request.user)
    day = _day_or_404(offline_class, on)
    error = None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("您不是该培训班的教员，也不是主办单位的管理员。"))
        ids = [pk for pk in request.POST.getlist("present") if pk.isdigit()]
        learners = list(
            LearnerProfile.objects.select_related("unit").filter(pk__in=ids)
        )
        if not learners:
            error = _("请勾选到场的学员。")
        else:
            try:
                results = attendance_record_by_trainer(
                    day=day, learners=learners, by=request.user
                )
            except ValidationError as refused:
                error = " ".join(refused.messages)
            else:
                new = sum(1 for r in results if r.created)
                messages.success(
                    request,
                    _("已记录 %(n)s 人出勤，每人计 %(hours)s 学时。")
                    % {"n": new, "hours": offline_class.hours_per_day},
                )
                return redirect(
                    "courses:class_day", code=offline_class.code, on=day.date
                )
    roster = class_roster(offline_class=offline_class)
    facts = attendance_for_day(
        day=day, learner_ids=[row.learner.pk for row in roster.enrolled]
    )
    rows = [{"row": row, "fact": facts.get(row.learner.pk)} for row in roster.enrolled]
    today = timezone.localdate()
    return render(
        request,
        "courses/classes/class_day.html",
        {
            "cls": offline_class,
            "day": day,
            "rows": rows,
            "present": sum(1 for r in rows if r["fact"]),
            "can_manage": can_manage,
            "is_today": day.date == today,
            "is_future": day.date > today,
            "error": error,
            "days": list(offline_class.days.all()),
        },
        status=400 if error else 200,
    )


def _checkin_url(request, day: ClassDay, code: str) -> str:
    query = urlencode(
        {"c": day.offline_class.code, "d": day.date.isoformat(), "k": code}
    )
    return request.build_absolute_uri(f"{reverse('courses:class_checkin')}?{query}")


def _code_payload(request, day: ClassDay) -> dict:
    current = attendance_code_current(day=day)
    url = _checkin_url(request, day, current.code)
    present, enrolled = day_attendance_count(day=day)
    return {
        "code": current.code,
        "url": url,
        "svg": segno.make(url, error="m").svg_inline(
            scale=8, border=2, dark="#000", light="#fff", omitsize=True
        ),
        "refresh_in": current.refresh_in,
        "present": present,
        "enrolled": enrolled,
    }


@login_required
@never_cache
def class_day_qr(request, code: str, on: str):
    """The page shown on the room's screen: a QR code that changes every 30 s."""
    offline_class = _managed_class_or_403(request.user, code)
    day = _day_or_404(offline_class, on)
    is_today = day.date == timezone.localdate()
    return render(
        request,
        "courses/classes/class_qr.html",
        {
            "cls": offline_class,
            "day": day,
            "is_today": is_today,
            "payload": _code_payload(request, day) if is_today else None,
        },
    )


@login_required
@never_cache
def class_day_code(request, code: str, on: str):
    offline_class = _managed_class_or_403(request.user, code)
    day = _day_or_404(offline_class, on)
    if day.date != timezone.localdate():
        return JsonResponse({"error": _("只能在上课当天显示签到二维码。")}, status=409)
    return JsonResponse(_code_payload(request, day))


# ---- learners ----


@never_cache
def class_checkin(request):
    """Where the QR code leads: records the learner's attendance for the day.

    A learner not yet logged in is sent to log in first; a code that was valid
    when they arrived is honoured for a few minutes after (kept in the session),
    so the time spent logging in does not make them scan again.
    """
    class_code = request.GET.get("c", "")
    on = request.GET.get("d", "")
    code = request.GET.get("k", "")
    now = timezone.now()
    if not request.user.is_authenticated:
        if class_code and on and code:
            try:
                day = class_day_find(class_code=class_code, on=on)
                attendance_code_check(day=day, code=code, now=now)
            except ValidationError:
                pass
            else:
                request.session[PENDING_CHECKIN] = {
                    "c": class_code,
                    "d": on,
                    "k": code,
                    "at": now.isoformat(),
                }
        return redirect_to_login(request.get_full_path())

    context = {"result": None, "error": None}
    learner = learner_of_user(request.user)
    if not (class_code and on and code):
        context["error"] = _("签到链接不完整，请扫描教员展示的二维码。")
    elif learner is None:
        context["error"] = _("您的账号没有学员档案，不能签到。请联系本单位管理员。")
    else:
        pending = request.session.pop(PENDING_CHECKIN, None)
        presented_at = None
        if pending and (pending["c"], pending["d"], pending["k"]) == (
            class_code,
            on,
            code,
        ):
            presented_at = _parse_instant(pending["at"])
            if presented_at and now - presented_at > CODE_LOGIN_GRACE:
                presented_at = None
        try:
            context["result"] = attendance_record_by_code(
                learner=learner,
                class_code=class_code,
                on=on,
                code=code,
                now=now,
                presented_at=presented_at,
            )
        except AttendanceRefused as refused:
            context["error"] = " ".join(refused.messages)
    return render(request, "courses/classes/checkin.html", context)


def _parse_instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


@login_required
def my_classes(request):
    learner = learner_of_user(request.user)
    rows = learner_classes(learner=learner, include_past=True) if learner else []
    today = timezone.localdate()
    return render(
        request,
        "courses/classes/my_classes.html",
        {
            "learner": learner,
            "current": [r for r in rows if r.offline_class.ends_on >= today],
            "past": [r for r in rows if r.offline_class.ends_on < today],
        },
    )
