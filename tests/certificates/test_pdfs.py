import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from assessment.credits import tally_credits
from certificates import services
from certificates.models import Layout
from tests.factories.certificates import completed, make_course
from tests.factories.registry import TeacherFactory

from .pdfcheck import fonts_of, qr_urls, text_of


def _png(color=(200, 0, 0, 180), size=(120, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, color).save(out, format="PNG")
    return out.getvalue()


def _stored(cert) -> bytes:
    with cert.file.open("rb") as fh:
        return fh.read()


def test_the_certificate_pdf_holds_the_name_and_serial_in_chinese(cert_a):
    data = _stored(cert_a)
    assert data.startswith(b"%PDF")
    text = text_of(data)
    assert "结业证书" in text and "张三" in text and cert_a.serial in text
    assert "县级骨干教师研修" in text and "甲县教师发展中心" in text


def test_the_font_is_embedded_and_no_glyph_is_missing(cert_a):
    fonts = fonts_of(_stored(cert_a))
    assert fonts and all(f["embedded"] for f in fonts), fonts
    # Glyph 0 is .notdef, the empty box a font draws for a character it lacks.
    assert all(0 not in f["glyph_ids"] for f in fonts), fonts
    assert any("Hei" in f["name"] or "CJK" in f["name"] for f in fonts)


def test_a_rare_name_is_printed_with_its_glyphs(world, course):
    teacher = TeacherFactory(name="欧阳龘靐", school=world.school_a)
    cert = services.certificate_issue(enrolment=completed(course, teacher), actor=world.staff_x)
    data = _stored(cert)
    assert "欧阳龘靐" in text_of(data)
    assert all(0 not in f["glyph_ids"] for f in fonts_of(data))


def test_the_qr_code_on_the_pdf_opens_the_verify_page(client, settings, cert_a):
    (url,) = qr_urls(_stored(cert_a))
    assert url == f"{settings.PUBLIC_BASE_URL}/verify/{cert_a.token}/"
    response = client.get(url.removeprefix(settings.PUBLIC_BASE_URL))
    assert response.status_code == 200 and "有效" in response.content.decode()


@pytest.mark.parametrize("layout", [Layout.CLASSIC, Layout.SIMPLE])
def test_both_layouts_print_with_the_uploaded_seal_and_signature(world, course, layout):
    services.settings_update(
        user=world.admin_x,
        issuing_unit="甲县教师进修学校",
        signatory="赵校长",
        serial_template="JX-{年度}-{序号:04d}",
        layout=layout,
        seal=SimpleUploadedFile("seal.png", _png()),
        signature=SimpleUploadedFile("sign.png", _png((0, 0, 0, 255), (200, 60))),
    )
    cert = services.certificate_issue(enrolment=completed(course, world.teacher_a), actor=world.staff_x)
    data = _stored(cert)
    assert cert.serial == "JX-2026-0001" and cert.layout == layout
    assert "甲县教师进修学校" in text_of(data)
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(data)).pages[0]
    assert len(page.images) == 3  # QR, seal, signature
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    a4 = sorted((round(width), round(height)))
    assert a4 == [595, 842]  # A4 in points, portrait or landscape


def test_an_upload_that_is_not_an_image_is_refused_on_its_field(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.settings_update(
            user=world.admin_x,
            issuing_unit="甲县",
            signatory="",
            serial_template="{序号}",
            layout=Layout.CLASSIC,
            seal=SimpleUploadedFile("seal.png", b"%PDF-1.4 not a png"),
        )
    assert list(exc.value.message_dict) == ["seal"]


def test_an_image_over_the_limit_is_refused(world, settings):
    from django.core.exceptions import ValidationError

    settings.CERTIFICATE_IMAGE_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        services.settings_update(
            user=world.admin_x,
            issuing_unit="甲县",
            signatory="",
            serial_template="{序号}",
            layout=Layout.CLASSIC,
            signature=SimpleUploadedFile("sign.png", _png()),
        )
    assert "图片过大" in exc.value.message_dict["signature"][0]


def test_an_image_of_huge_dimensions_is_refused(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.settings_update(
            user=world.admin_x,
            issuing_unit="甲县",
            signatory="",
            serial_template="{序号}",
            layout=Layout.CLASSIC,
            seal=SimpleUploadedFile("seal.png", _png(size=(4000, 10))),
        )
    assert exc.value.message_dict["seal"] == [services.ERR_IMAGE_DIMENSIONS.format(side=services.MAX_IMAGE_SIDE)]


def test_only_an_administrator_changes_the_settings(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.settings_update(
            user=world.staff_x, issuing_unit="x", signatory="", serial_template="{序号}", layout=Layout.CLASSIC
        )


def test_the_settings_page_saves_and_shows_a_bad_template_on_its_field(client_for, world):
    client = client_for(world.admin_x)
    url = reverse("certificates:settings")
    bad = client.post(url, {"issuing_unit": "甲县", "serial_template": "{姓名}", "layout": "classic"})
    assert bad.status_code == 200 and "serial_template" in bad.context["form"].errors
    ok = client.post(
        url,
        {
            "issuing_unit": "甲县中心",
            "serial_template": "{年度}{序号:04d}",
            "layout": "simple",
            "seal": SimpleUploadedFile("s.png", _png()),
        },
    )
    assert ok.status_code == 302
    assert services.county_settings(world.county_x).seal.name.endswith(".png")


def test_the_hours_certificate_states_the_years_hours_from_the_credit_records(world):
    sub = make_course(world.county_x, hours=24)
    completed(sub, world.teacher_a)
    tally_credits(year=2026, county=world.county_x)
    cert = services.certificate_issue_hours(teacher=world.teacher_a, year=2026, actor=world.staff_x)
    assert cert.hours == Decimal(24) and cert.kind == "hours"
    text = text_of(_stored(cert))
    assert "学时证明" in text and "张三" in text and "24" in text and cert.serial in text
    again = services.certificate_issue_hours(teacher=world.teacher_a, year=2026, actor=world.staff_x)
    assert again.pk == cert.pk


def test_no_hours_certificate_for_a_year_without_hours(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.certificate_issue_hours(teacher=world.teacher_a, year=2020, actor=world.staff_x)
    assert exc.value.messages == [services.ERR_NO_HOURS]


def test_the_transcript_pdf_lists_the_teachers_trainings(client_for, world, enrolment_a):
    response = client_for(world.teacher_user_a).get(reverse("certificates:transcript_pdf", args=[world.teacher_a.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "教师培训档案" in text and "张三" in text and "新课标专题培训" in text
    assert world.teacher_a.id_number not in text  # masked for everyone but administrators


def test_the_sign_in_sheet_lists_trainees_by_school_with_masked_ids(
    client_for, world, course, enrolment_a, enrolment_b
):
    session = course.sessions.order_by("pk").first()
    response = client_for(world.staff_x).get(reverse("certificates:signin_sheet", args=[session.pk]))
    assert response.status_code == 200
    text = text_of(response.content)
    assert "签到表" in text and "第1讲" in text and "县教师发展中心报告厅" in text and "签名" in text
    assert "甲县一小" in text and "甲县二小" in text and "张三" in text and "李四" in text
    assert world.teacher_a.id_number not in text and world.teacher_a.id_number[-4:] in text


def test_a_coordinators_sign_in_sheet_holds_only_their_school(client_for, world, course, enrolment_a, enrolment_b):
    session = course.sessions.order_by("pk").first()
    text = text_of(client_for(world.coord_a).get(reverse("certificates:signin_sheet", args=[session.pk])).content)
    assert "张三" in text and "李四" not in text


def test_county_staff_issue_the_hours_certificate_from_the_transcript(client_for, world):
    sub = make_course(world.county_x, hours=24)
    completed(sub, world.teacher_a)
    tally_credits(year=2026, county=world.county_x)
    client = client_for(world.staff_x)
    page = client.get(reverse("transcript", args=[world.teacher_a.pk])).content.decode()
    url = reverse("certificates:hours_issue", args=[world.teacher_a.pk, 2026])
    assert url in page
    assert client.post(url).status_code == 302
    assert world.teacher_a.certificates.get().kind == "hours"
    # a year without hours says so instead of failing, and a coordinator may not issue one
    response = client.post(reverse("certificates:hours_issue", args=[world.teacher_a.pk, 2019]), follow=True)
    assert services.ERR_NO_HOURS in response.content.decode()
    assert client_for(world.coord_a).post(url).status_code == 403


def test_the_transcript_pdf_totals_are_the_ledgers_rows_and_it_shows_the_cycle_result(client_for, world):
    from assessment.credits import categories_ensure, cycle_save
    from assessment.cycles import cycle_review_run
    from assessment.models import CreditEntry

    sub = make_course(world.county_x, hours=24)
    completed(sub, world.teacher_a)
    tally_credits(year=sub.program.year, county=world.county_x)
    category = categories_ensure(county=world.county_x)[0]
    CreditEntry.objects.create(
        teacher=world.teacher_a, year=sub.program.year, county=world.county_x, school=world.teacher_a.school,
        category=category, source_kind="claim", source_id=1, title="县级优质课一等奖", hours=Decimal("6.5"),
        credits=Decimal("0.65"),
    )  # fmt: skip
    year = sub.program.year
    cycle_save(county=world.county_x, start_year=year - 4, years=5, total=Decimal(30), actor=None)
    cycle_review_run(county=world.county_x, year=year - 4, carry_cap=Decimal(0), actor=world.staff_x)

    response = client_for(world.staff_x).get(reverse("certificates:transcript_pdf", args=[world.teacher_a.pk]))
    text = "".join(text_of(response.content).split())  # the extracted text has no reliable spaces
    assert "县级优质课一等奖" in text  # a row from outside the programs is listed
    assert f"{year}年度总学时30.5学分3.05" in text  # 24 + 6.5: the sum of the rows shown
    assert "本年度合计（以上各行学时之和）：30.5学时" in text
    assert f"{year - 4}–{year}继续教育周期核定：达标周期累计30.5/30.0学时" in text
