"""Certificates (结业证书) for completed courses and, later, offline classes.

A certificate is a snapshot: it keeps the name, number, course title, hours and
score it was issued with, so the public verification page shows what the paper
says even after the learner is renamed or the course is edited or deleted.
Mistakes are fixed by revoking and re-issuing under a new code, never by
editing, and the revoked certificate points to its replacement.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .learners import LearnerProfile
from .roster import private_storage

# No 0/O, 1/I/L: a code read off paper or typed from a phone is unambiguous.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
CODE_GROUP = 4


def certificate_code_normalise(text: str) -> str:
    """A code as typed or scanned, as stored: upper case, no spaces or dashes."""
    return "".join(ch for ch in (text or "").upper() if ch not in " -\t\r\n\u3000")


def name_masked(name: str) -> str:
    """张*明, 张*, 欧**锋: enough to recognise, not enough to look someone up."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def id_number_masked(id_number: str) -> str:
    """Every character but the last four hidden."""
    if len(id_number) <= 4:
        return "*" * len(id_number)
    return "*" * (len(id_number) - 4) + id_number[-4:]


class CertificateKind(models.TextChoices):
    COURSE = "course", _("课程结业")
    OFFLINE_CLASS = "class", _("培训班结业")


class CertificateStatus(models.TextChoices):
    ISSUED = "issued", _("有效")
    REVOKED = "revoked", _("已撤销")


class PdfStatus(models.TextChoices):
    PENDING = "pending", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")


class Certificate(models.Model):
    learner = models.ForeignKey(
        LearnerProfile,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("学员"),
    )
    kind = models.CharField(
        _("证书类型"),
        max_length=16,
        choices=CertificateKind.choices,
        default=CertificateKind.COURSE,
    )
    # What the certificate is for, stable when pages are deleted:
    # "course:<page id>" or "class:<class code>".
    source_key = models.CharField(_("来源键"), max_length=100)
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("课程"),
    )
    course_title = models.CharField(_("课程名称"), max_length=255)
    learner_name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("编号"), max_length=32)
    issuer_name = models.CharField(_("发证单位"), max_length=100)
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1)
    score = models.DecimalField(
        _("考试成绩"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("结业考试通过的最高百分制成绩；课程无结业考试时为空。"),
    )
    completed_on = models.DateField(_("结业日期"))
    issued_at = models.DateTimeField(_("发证时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("补发人"),
        help_text=_("系统自动颁发时为空。"),
    )
    note = models.CharField(_("颁发说明"), max_length=255, blank=True)
    code = models.CharField(_("验证码"), max_length=CODE_LENGTH, unique=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=CertificateStatus.choices,
        default=CertificateStatus.ISSUED,
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    revoke_reason = models.TextField(_("撤销原因"), blank=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("补发证书"),
    )
    # The PDF names the learner and their number: private storage, served only
    # through a view that checks who asks.
    pdf = models.FileField(
        _("PDF 文件"),
        upload_to="certificates/%Y/%m/",
        storage=private_storage,
        blank=True,
    )
    pdf_status = models.CharField(
        _("PDF 状态"),
        max_length=16,
        choices=PdfStatus.choices,
        default=PdfStatus.PENDING,
    )
    pdf_error = models.CharField(_("PDF 错误"), max_length=255, blank=True)

    Kind = CertificateKind
    Status = CertificateStatus
    PdfStatus = PdfStatus

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("结业证书")
        verbose_name_plural = _("结业证书")
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "source_key"],
                condition=Q(status="issued"),
                name="one_live_certificate_per_source",
            ),
            models.CheckConstraint(
                condition=Q(status="issued") | Q(revoked_at__isnull=False),
                name="revoked_certificate_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["learner", "source_key"], name="certificate_source"),
        ]

    def __str__(self) -> str:
        return f"{self.learner_name} · {self.course_title} · {self.display_code}"

    @property
    def display_code(self) -> str:
        """The code in groups of four, as printed: "ABCD-EFGH-JKMN"."""
        return "-".join(
            self.code[i : i + CODE_GROUP] for i in range(0, len(self.code), CODE_GROUP)
        )

    @property
    def learner_name_masked(self) -> str:
        return name_masked(self.learner_name)

    @property
    def id_number_masked(self) -> str:
        return id_number_masked(self.id_number)

    @property
    def is_live(self) -> bool:
        return self.status == CertificateStatus.ISSUED
