"""Certificates: the public verification page, the learner's list and download,
and the administrator's page to revoke and re-issue.

The verification page needs no login and shows what the certificate says, with
the holder's name and number partly masked. The PDF carries the full number, so
it is served only to its holder or an administrator whose scope covers them.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from courses.models import Certificate, PdfStatus
from courses.models.certificates import certificate_code_normalise
from courses.selectors.certificates import (
    certificate_by_code,
    certificate_may_download,
    certificate_may_manage,
    certificates_in_scope,
    learner_certificates,
)
from courses.selectors.records import learner_of_user
from courses.selectors.scope import Capability, user_has_capability
from courses.services.records.aggregate import learner_records_current
from courses.services.records.certificates import (
    certificate_pdf_requeue,
    certificate_reissue,
    certificate_revoke,
    certificates_issue_due,
)

CERTIFICATES_PER_PAGE = 50


class CertificateCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("证书验证码"),
        max_length=40,
        help_text=gettext_lazy("证书上印有 12 位验证码，大小写、空格和连字符均可。"),
        error_messages={"required": gettext_lazy("请输入证书验证码。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
    )


class CertificateReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("原因会显示在公开的证书核验页面上。"),
        error_messages={"required": gettext_lazy("请填写原因。")},
    )


# ---- public verification ----


def certificate_verify_form(request):
    """A box to type a code; a typed code goes to its verification page."""
    form = CertificateCodeForm(request.GET or None)
    if form.is_valid():
        code = certificate_code_normalise(form.cleaned_data["code"])
        if code:
            return redirect("courses:certificate_verify", code=code)
        form.add_error("code", _("请输入证书验证码。"))
    return render(request, "courses/certificates/verify_form.html", {"form": form})


def certificate_verify(request, code: str):
    certificate = certificate_by_code(code=code)
    if certificate is None:
        return render(
            request,
            "courses/certificates/verify_form.html",
            {
                "form": CertificateCodeForm(initial={"code": code}),
                "not_found": True,
                "code": code,
            },
            status=404,
        )
    normalised = certificate_code_normalise(code)
    if normalised != code:
        # One address per certificate, whatever was typed.
        return redirect("courses:certificate_verify", code=normalised)
    return render(
        request,
        "courses/certificates/verify.html",
        {"certificate": certificate, "replacement": certificate.replaced_by},
    )


# ---- the learner ----


@login_required
def my_certificates(request):
    learner = learner_of_user(request.user)
    certificates = []
    if learner is not None:
        # A course finished a moment ago gets its certificate now, not at the
        # next batch.
        learner_records_current(learner_id=learner.pk)
        certificates_issue_due(learner_ids=[learner.pk])
        certificates = list(learner_certificates(learner=learner, include_revoked=True))
    return render(
        request,
        "courses/certificates/my_list.html",
        {"learner": learner, "certificates": certificates},
    )


@login_required
def certificate_download(request, pk: int):
    certificate = get_object_or_404(
        Certificate.objects.select_related("learner__unit"), pk=pk
    )
    if not certificate_may_download(user=request.user, certificate=certificate):
        raise Http404
    if certificate.pdf_status != PdfStatus.READY or not certificate.pdf:
        messages.info(request, _("证书 PDF 正在生成，请稍后再下载。"))
        if certificate.learner.user_id == request.user.pk:
            return redirect("courses:my_certificates")
        return redirect("courses:certificate_detail", pk=certificate.pk)
    response = FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=_("结业证书-%(code)s.pdf") % {"code": certificate.display_code},
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# ---- administrators ----


def _require_view_people(user) -> None:
    if not user_has_capability(user=user, capability=Capability.VIEW_PEOPLE):
        raise PermissionDenied(_("您没有权限查看此页面。"))


@login_required
def certificate_list(request):
    _require_view_people(request.user)
    query = request.GET.get("q", "").strip()[:50]
    certificates = certificates_in_scope(user=request.user, query=query)
    page = Paginator(certificates, CERTIFICATES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "courses/certificates/staff_list.html",
        {"page": page, "query": query},
    )


ACTIONS = {
    "revoke": (certificate_revoke, gettext_lazy("证书已撤销。")),
    "reissue": (certificate_reissue, gettext_lazy("已补发新证书。")),
}


@login_required
@require_http_methods(["GET", "POST"])
def certificate_detail(request, pk: int):
    _require_view_people(request.user)
    certificate = get_object_or_404(
        certificates_in_scope(user=request.user).select_related(
            "replaced_by", "revoked_by", "issued_by"
        ),
        pk=pk,
    )
    may_manage = certificate_may_manage(user=request.user, certificate=certificate)
    forms_by_action = {
        action: CertificateReasonForm(
            request.POST if request.POST.get("action") == action else None,
            prefix=action,
        )
        for action in ACTIONS
    }
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied(_("您无权管理该学员的证书。"))
        action = request.POST.get("action")
        if action == "render":
            certificate_pdf_requeue(certificate=certificate, by=request.user)
            messages.success(request, _("已重新生成证书 PDF。"))
            return redirect("courses:certificate_detail", pk=certificate.pk)
        if action not in ACTIONS:
            raise Http404
        form = forms_by_action[action]
        if form.is_valid():
            service, done = ACTIONS[action]
            try:
                result = service(
                    certificate=certificate,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for message in error.message_dict.get("reason", []):
                        form.add_error("reason", message)
                    others = {
                        k: v for k, v in error.message_dict.items() if k != "reason"
                    }
                    for messages_ in others.values():
                        for message in messages_:
                            form.add_error(None, message)
                else:
                    for message in error.messages:
                        form.add_error(None, message)
            else:
                messages.success(request, str(done))
                return redirect("courses:certificate_detail", pk=result.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "courses/certificates/staff_detail.html",
        {
            "certificate": certificate,
            "may_manage": may_manage,
            "revoke_form": forms_by_action["revoke"],
            "reissue_form": forms_by_action["reissue"],
            "replaces": certificate.replaces.all(),
            "verify_url": request.build_absolute_uri(
                reverse("courses:certificate_verify", args=[certificate.code])
            ),
        },
        status=status,
    )
