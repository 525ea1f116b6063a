"""Training policy (学时规则) and yearly hour requirements per position, edited by
the bureau's administrators in the staff area."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from courses.forms import TrainingPolicyForm
from courses.models import OrgUnit, Position, TrainingPolicy
from courses.services.records.policy import (
    RULE_FIELDS,
    policy_bureaus,
    training_policy_save,
)


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request):
    bureaus = list(policy_bureaus(request.user))
    if not bureaus:
        raise PermissionDenied(_("只有戒毒管理局管理员可以设置学时规则。"))
    bureau = bureaus[0]
    if code := request.GET.get("bureau"):
        bureau = get_object_or_404(
            OrgUnit.objects.filter(pk__in=[b.pk for b in bureaus]), code=code
        )
    policy = TrainingPolicy.objects.filter(bureau=bureau).first()
    positions = Position.objects.filter(is_active=True)
    initial = {
        name: getattr(policy or TrainingPolicy(bureau=bureau), name)
        for name in RULE_FIELDS
    }
    if policy is not None:
        for row in policy.requirements.select_related("position"):
            initial[TrainingPolicyForm.requirement_field(row.position)] = row.hours
    form = TrainingPolicyForm(
        request.POST or None, initial=initial, positions=positions
    )
    if request.method == "POST" and form.is_valid():
        try:
            training_policy_save(
                bureau=bureau,
                rules={name: form.cleaned_data[name] for name in RULE_FIELDS},
                requirements=form.requirements(),
                by=request.user,
            )
        except ValidationError as error:
            # Flattened: a requirement row's field names are not the form's.
            form.add_error(None, error.messages)
        else:
            messages.success(
                request, _("%(bureau)s的学时规则已保存。") % {"bureau": bureau.name}
            )
            return redirect(reverse("courses:policy_edit") + f"?bureau={bureau.code}")
    return render(
        request,
        "courses/records_admin/policy_form.html",
        {
            "form": form,
            "bureau": bureau,
            "bureaus": bureaus,
            "policy": policy,
        },
    )
