"""The certificate's printout: A4 landscape, drawn with reportlab.

Chinese text uses reportlab's built-in CID font STSong-Light, which PDF readers
supply themselves, so no font file ships with the site. The QR code is drawn
as vector squares, sharp at any print size.
"""

from datetime import date
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

import segno
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph
from reportlab.platypus.frames import Frame

from courses.models import CertificateKind

FONT = "STSong-Light"
BRAND = HexColor("#0b4f8a")
INK = HexColor("#1f2933")
MUTED = HexColor("#52606d")
REVOKED = HexColor("#b42318")
QR_SIZE = 96  # points: about 34 mm, easy for a phone camera


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _number(value: Decimal) -> str:
    """1.0 → "1", 1.50 → "1.5", 10 → "10"."""
    return format(value.normalize(), "f")


def _date(day: date) -> str:
    return _("%(year)s年%(month)s月%(day)s日") % {
        "year": day.year,
        "month": day.month,
        "day": day.day,
    }


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    qr = segno.make(url, error="m", micro=False)
    rows = list(qr.matrix_iter(scale=1, border=2))
    module = size / len(rows)
    canvas.setFillColor(HexColor("#ffffff"))
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#000000"))
    for r, row in enumerate(rows):
        top = y + size - (r + 1) * module
        for c, dark in enumerate(row):
            if dark:
                # A hair wider than the module, so adjacent squares print joined.
                canvas.rect(
                    x + c * module, top, module + 0.05, module + 0.05, stroke=0, fill=1
                )


def certificate_pdf_bytes(*, certificate, verify_url: str) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        return _draw(certificate, verify_url)


def _draw(certificate, verify_url: str) -> bytes:
    font = _font()
    width, height = landscape(A4)
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(
        _("结业证书 · %(name)s · %(course)s")
        % {"name": certificate.learner_name, "course": certificate.course_title}
    )
    canvas.setAuthor(certificate.issuer_name)
    canvas.setSubject(certificate.display_code)

    # Frame: a heavy outer line and a thin inner one.
    canvas.setStrokeColor(BRAND)
    canvas.setLineWidth(4)
    canvas.rect(22, 22, width - 44, height - 44)
    canvas.setLineWidth(0.8)
    canvas.rect(32, 32, width - 64, height - 64)

    canvas.setFillColor(BRAND)
    canvas.setFont(font, 40)
    canvas.drawCentredString(width / 2, height - 120, _("结业证书"), charSpace=18)
    canvas.setFillColor(MUTED)
    canvas.setFont(font, 11)
    canvas.drawCentredString(
        width / 2,
        height - 146,
        _("证书编号（验证码）：%(code)s") % {"code": certificate.display_code},
    )

    values = {
        "name": escape(certificate.learner_name),
        "id_number": escape(certificate.id_number),
        "date": _date(certificate.completed_on),
        "course": escape(certificate.course_title),
        "hours": _number(certificate.hours),
    }
    if certificate.kind == CertificateKind.OFFLINE_CLASS:
        # An offline class: attended, not "completed all content".
        if certificate.score is not None:
            values["score"] = _number(certificate.score)
            text = (
                _(
                    "%(name)s（编号：%(id_number)s）参加《%(course)s》培训，"
                    "于 %(date)s 结业，共计 %(hours)s 学时，"
                    "考核成绩 %(score)s 分，准予结业。"
                )
                % values
            )
        else:
            text = (
                _(
                    "%(name)s（编号：%(id_number)s）参加《%(course)s》培训，"
                    "于 %(date)s 结业，共计 %(hours)s 学时，准予结业。"
                )
                % values
            )
    elif certificate.score is not None:
        values["score"] = _number(certificate.score)
        text = (
            _(
                "%(name)s（编号：%(id_number)s）于 %(date)s 完成"
                "《%(course)s》全部学习内容，共计 %(hours)s 学时，"
                "结业考试成绩 %(score)s 分，准予结业。"
            )
            % values
        )
    else:
        text = (
            _(
                "%(name)s（编号：%(id_number)s）于 %(date)s 完成"
                "《%(course)s》全部学习内容，共计 %(hours)s 学时，准予结业。"
            )
            % values
        )
    # A long course title shrinks the text rather than falling off the frame.
    frame_width, frame_height = width - 220, height - 380
    for size in range(17, 8, -1):
        body = ParagraphStyle(
            "body",
            fontName=font,
            fontSize=size,
            leading=size * 1.85,
            textColor=INK,
            wordWrap="CJK",
            alignment=TA_JUSTIFY,
            firstLineIndent=size * 2,
        )
        story = [Paragraph(text, body), Paragraph(_("特发此证。"), body)]
        needed = sum(p.wrap(frame_width, frame_height)[1] for p in story)
        if needed <= frame_height - 12:
            break
    frame = Frame(110, 200, frame_width, frame_height, showBoundary=0)
    frame.addFromList(story, canvas)
    if story:
        raise ValueError("The certificate text does not fit the page")

    # Issuer and dates, bottom right.
    canvas.setFillColor(INK)
    canvas.setFont(font, 15)
    right = width - 110
    canvas.drawRightString(right, 140, certificate.issuer_name)
    canvas.setFont(font, 12)
    canvas.drawRightString(
        right,
        116,
        _("发证日期：%(date)s")
        % {"date": _date(timezone.localdate(certificate.issued_at))},
    )

    # QR and how to check, bottom left.
    _qr(canvas, verify_url, 70, 62, QR_SIZE)
    canvas.setFillColor(MUTED)
    canvas.setFont(font, 9.5)
    canvas.drawString(
        176,
        130,
        _("扫描二维码或访问以下网址核验本证书："),
    )
    canvas.setFont("Helvetica", 8.5)
    canvas.drawString(176, 116, verify_url)
    canvas.setFont(font, 9.5)
    canvas.drawString(
        176, 102, _("验证码：%(code)s") % {"code": certificate.display_code}
    )

    if not certificate.is_live:
        canvas.saveState()
        canvas.setFillColor(REVOKED)
        canvas.setStrokeColor(REVOKED)
        canvas.translate(width / 2, height / 2)
        canvas.rotate(18)
        canvas.setLineWidth(3)
        canvas.roundRect(-130, -34, 260, 68, 10)
        canvas.setFont(font, 40)
        canvas.drawCentredString(0, -14, _("已撤销"), charSpace=10)
        canvas.restoreState()

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
