"""Anyone holding a certificate's code checks it on a phone: what the certificate
says, with the name partly hidden; a revoked one says so and leads to the new."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Certificate, CertificateKind, LearnerProfile
from courses.models.certificates import id_number_masked, name_masked
from courses.services.records.certificates import (
    certificate_code_new,
    certificate_reissue,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def certificates(demo_site):
    """The officer's certificate, re-issued after a correction: (old, new)."""
    officer = LearnerProfile.objects.select_related("unit").get(id_number="320001")
    old = Certificate.objects.create(
        learner=officer,
        kind=CertificateKind.COURSE,
        source_key="course:999",
        course_title="社区禁毒专干培训教材",
        learner_name=officer.real_name,
        id_number=officer.id_number,
        issuer_name="某省戒毒管理局",
        hours=Decimal("12.5"),
        score=Decimal("92"),
        completed_on=date(2026, 3, 18),
        issued_at=timezone.now(),
        code=certificate_code_new(),
    )
    admin = LearnerProfile.objects.get(id_number="320003").user
    new = certificate_reissue(certificate=old, by=admin, reason="结业日期更正")
    old.refresh_from_db()
    return old, new


def test_a_certificate_is_checked_on_a_phone(
    live_server, certificates, phone_page, screenshot
):
    old, new = certificates
    page = phone_page

    page.goto(f"{live_server.url}/certificates/verify/")
    # Typed from the paper, in lower case with its dashes.
    page.get_by_label("证书验证码").fill(old.display_code.lower())
    page.get_by_role("button", name="核验").click()
    expect(page.get_by_role("heading", name="证书核验")).to_be_visible()
    revoked = page.locator("#revoked")
    expect(revoked).to_contain_text("已撤销")
    expect(revoked).to_contain_text("补发：结业日期更正")
    screenshot("certificate-01-revoked")

    revoked.get_by_role("link", name=new.display_code).click()
    expect(page.locator("#certificate-status")).to_contain_text("该证书有效")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(name_masked(new.learner_name))
    expect(facts).to_contain_text("社区禁毒专干培训教材")
    expect(facts).to_contain_text("12.5")
    expect(facts).to_contain_text("92 分")
    expect(facts).to_contain_text("2026-03-18")
    expect(facts).to_contain_text("某省戒毒管理局")
    expect(facts).to_contain_text(new.display_code)
    expect(facts).to_contain_text(id_number_masked(new.id_number))
    assert new.learner_name not in page.content()
    # Fits a phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("certificate-02-valid")

    response = page.goto(f"{live_server.url}/certificates/verify/ABCD-2345-WXYZ/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="未找到该证书")).to_be_visible()
    screenshot("certificate-03-not-found")
