"""Generated resources: uploads checked by content, stored under safe names, served in scope only,
reviewed, searched, and compiled into a resource pack."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from outreach import selectors, services
from outreach.models import Resource, ResourcePack
from outreach.tasks import build_resource_pack
from outreach.uploads import ERR_CONTENT_MISMATCH, ERR_MACROS, ERR_TYPE_NOT_ALLOWED, check_upload
from tests.factories import UserFactory
from tests.factories.outreach import (
    EXE_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    enrol,
    make_cycle,
    make_team_member,
    make_visit,
    ooxml_bytes,
    upload,
)
from tests.xlsx import make_xlsx, read_xlsx

MP4_BYTES = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
JPG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 64


@pytest.mark.parametrize(
    "name,data",
    [
        ("a.pdf", PDF_BYTES),
        ("a.png", PNG_BYTES),
        ("a.JPEG", JPG_BYTES),
        ("a.mp4", MP4_BYTES),
        ("a.docx", ooxml_bytes("docx")),
        ("a.pptx", ooxml_bytes("pptx")),
        ("a.xlsx", make_xlsx([["x"]])),
    ],
)
def test_allowed_types_pass_when_their_content_agrees(name, data):
    assert check_upload(upload(name, data)).size == len(data)


def test_a_renamed_exe_is_refused_as_pdf():
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("教学设计.pdf", EXE_BYTES))
    assert exc.value.messages == [ERR_CONTENT_MISMATCH]


def test_an_executable_extension_is_refused():
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("setup.exe", EXE_BYTES))
    assert exc.value.messages == [ERR_TYPE_NOT_ALLOWED]


@pytest.mark.parametrize("name,data", [("a.docx", make_xlsx([["x"]])), ("a.pptx", ooxml_bytes("docx"))])
def test_an_office_file_of_another_kind_is_refused(name, data):
    with pytest.raises(ValidationError):
        check_upload(upload(name, data))


def test_a_plain_zip_renamed_docx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.sh", "rm -rf /")
    with pytest.raises(ValidationError):
        check_upload(upload("a.docx", buffer.getvalue()))


def test_office_files_with_macros_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<doc/>")
        archive.writestr("word/vbaProject.bin", b"\x00")
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("a.docx", buffer.getvalue()))
    assert exc.value.messages == [ERR_MACROS]


def test_files_over_the_size_limit_are_refused(settings):
    settings.OUTREACH_UPLOAD_MAX_BYTES = 20
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("a.pdf", PDF_BYTES))
    assert "过大" in exc.value.messages[0]


def test_the_stored_name_is_generated_and_the_users_path_is_dropped(world):
    cycle = make_cycle(county=world.county_x)
    resource = services.resource_upload(
        cycle=cycle, kind="lesson_plan", title="设计", upload=upload("../../etc/教学设计.pdf"), actor=world.staff_x
    )
    assert resource.original_name == "教学设计.pdf"
    assert resource.file.name.startswith("outreach/resources/")
    assert ".." not in resource.file.name and "教学设计" not in resource.file.name


def test_uploading_a_renamed_exe_through_the_page_stores_nothing(world, client_for):
    cycle = make_cycle(county=world.county_x)
    response = client_for(world.staff_x).post(
        reverse("outreach_resource_upload", args=[cycle.pk]),
        {"kind": "lesson_plan", "title": "设计", "upload": upload("设计.pdf", EXE_BYTES)},
    )
    assert response.status_code == 200 and ERR_CONTENT_MISMATCH in response.text
    assert not Resource.objects.exists()


def test_a_trainee_uploads_as_author(world, client_for):
    cycle = make_cycle(county=world.county_x)
    enrol(cycle, world.teacher_a)
    response = client_for(world.teacher_user_a).post(
        reverse("outreach_resource_upload", args=[cycle.pk]),
        {"kind": "reflection", "title": "我的反思", "upload": upload("反思.pdf")},
    )
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.author == world.teacher_a and resource.status == Resource.Status.PENDING


def test_a_phase_or_visit_of_another_cycle_is_refused(world):
    cycle = make_cycle(county=world.county_x)
    other = make_cycle(county=world.county_x, subject="语文")
    with pytest.raises(ValidationError):
        services.resource_upload(
            cycle=cycle, kind="slides", title="课件", upload=upload(), actor=world.staff_x, phase=other.phases.first()
        )


def _resource(world, cycle, *, title="课件", kind="slides", approve=False, **fields):
    resource = services.resource_upload(
        cycle=cycle, kind=kind, title=title, upload=upload(), actor=world.staff_x, **fields
    )
    if approve:
        services.resource_review(resource=resource, status="approved", actor=world.staff_x)
    return resource


def test_a_file_outside_scope_is_404(world, client_for):
    resource = _resource(world, make_cycle(county=world.county_x), approve=True)
    url = reverse("outreach_resource_download", args=[resource.pk])
    assert client_for(world.staff_y).get(url).status_code == 404
    response = client_for(world.coord_a).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]


def test_a_resource_waiting_for_review_is_hidden_from_coordinators(world, client_for):
    resource = _resource(world, make_cycle(county=world.county_x))
    url = reverse("outreach_resource_download", args=[resource.pk])
    assert client_for(world.coord_a).get(url).status_code == 404
    assert client_for(world.staff_x).get(url).status_code == 200


def test_returning_a_resource_needs_a_comment(world):
    resource = _resource(world, make_cycle(county=world.county_x))
    with pytest.raises(ValidationError):
        services.resource_review(resource=resource, status="returned", comment="", actor=world.staff_x)
    services.resource_review(resource=resource, status="returned", comment="画面不清", actor=world.staff_x)
    resource.refresh_from_db()
    assert resource.status == Resource.Status.RETURNED


def test_resources_are_searched_and_filtered(world):
    cycle = make_cycle(county=world.county_x)
    _resource(world, cycle, title="分数的意义 课件", kind="slides", approve=True)
    _resource(world, cycle, title="分数的意义 教学设计", kind="lesson_plan")
    _resource(world, cycle, title="简报第一期", kind="briefing", approve=True)
    _flt, qs = selectors.resource_list(user=world.staff_x, params={"q": "分数"})
    assert qs.count() == 2
    _flt, qs = selectors.resource_list(user=world.staff_x, params={"q": "分数", "status": "approved"})
    assert [r.title for r in qs] == ["分数的意义 课件"]
    _flt, qs = selectors.resource_list(user=world.staff_x, params={"kind": "briefing", "cycle": cycle.pk})
    assert [r.title for r in qs] == ["简报第一期"]
    _flt, qs = selectors.resource_list(user=world.coord_a, params={})
    assert qs.count() == 2  # approved only


def _build_pack(world, cycle, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pack = services.pack_request(cycle=cycle, actor=world.staff_x)
    pack.refresh_from_db()
    return pack


def test_the_resource_pack_zip_lists_every_approved_resource(world, client_for, django_capture_on_commit_callbacks):
    cycle = make_cycle(county=world.county_x)
    visit = make_visit(cycle, host_school=world.school_a)
    _resource(world, cycle, title='=HYPERLINK("x")', kind="slides", approve=True)
    _resource(world, cycle, title="教学设计一", kind="lesson_plan", approve=True, visit=visit)
    _resource(world, cycle, title="简报", kind="briefing", approve=True)
    _resource(world, cycle, title="未审核", kind="slides")
    _resource(world, make_cycle(county=world.county_x, subject="语文"), title="别的周期", approve=True)

    pack = _build_pack(world, cycle, django_capture_on_commit_callbacks)

    assert pack.status == ResourcePack.Status.READY and pack.resource_count == 3
    response = client_for(world.staff_x).get(reverse("outreach_pack_download", args=[pack.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert "资源索引.xlsx" in names and len(names) == 4
    index = read_xlsx(archive.read("资源索引.xlsx"))
    assert index[0][:3] == ("序号", "资源类型", "标题")
    # Titles starting like a formula are neutralised by core.excel.
    titles = {row[2] for row in index[1:]}
    assert titles == {'\'=HYPERLINK("x")', "教学设计一", "简报"}
    assert {row[7] for row in index[1:]} == set(names) - {"资源索引.xlsx"}
    for row in index[1:]:
        assert archive.read(row[7]) == PDF_BYTES


def test_the_resource_pack_is_not_for_trainees_or_other_counties(world, client_for, django_capture_on_commit_callbacks):
    cycle = make_cycle(county=world.county_x)
    enrol(cycle, world.teacher_a)
    pack = _build_pack(world, cycle, django_capture_on_commit_callbacks)
    url = reverse("outreach_pack_download", args=[pack.pk])
    assert client_for(world.staff_y).get(url).status_code == 404
    assert client_for(world.teacher_user_a).get(url).status_code == 403


def test_staff_request_a_pack_from_the_cycle_page(world, client_for, django_capture_on_commit_callbacks):
    cycle = make_cycle(county=world.county_x)
    _resource(world, cycle, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.staff_x).post(reverse("outreach_pack_request", args=[cycle.pk]))
    assert response.status_code == 302
    assert cycle.packs.get().status == ResourcePack.Status.READY


def test_a_pack_whose_build_fails_is_marked_failed(world):
    cycle = make_cycle(county=world.county_x)
    resource = _resource(world, cycle, approve=True)
    resource.file.storage.delete(resource.file.name)
    pack = ResourcePack.objects.create(cycle=cycle)
    with pytest.raises(OSError):
        build_resource_pack.apply(args=(pack.pk,), retries=build_resource_pack.max_retries, throw=True)
    pack.refresh_from_db()
    assert pack.status == ResourcePack.Status.FAILED and pack.error == "FileNotFoundError"


def test_a_team_member_reviews_resources_of_their_cycle(world, client_for):
    cycle = make_cycle(county=world.county_x)
    make_team_member(cycle, teacher=world.teacher_b, name="")
    expert = UserFactory(role=Role.TEACHER, teacher=world.teacher_b)
    resource = _resource(world, cycle)
    client = client_for(expert)
    assert reverse("outreach_resource_review", args=[resource.pk]) in client.get(reverse("outreach_resource_list")).text
    response = client.post(reverse("outreach_resource_review", args=[resource.pk]), {"status": "approved"})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.status == Resource.Status.APPROVED
