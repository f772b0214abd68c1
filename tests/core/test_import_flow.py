"""The browser flow: upload → preview → confirm, read once; large files checked in a task with
progress; the error workbook; the import history, its file retention and its scoping."""

import datetime as dt
import io
import os
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core import services, spreadsheet
from core.models import ImportUpload
from tests.factories import make_id_number
from tests.xlsx import make_xlsx
from trainees.models import Teacher


def _upload(client, user, rows, name="教师.xlsx"):
    client.force_login(user)
    data = make_xlsx(rows)
    response = client.post(reverse("import_upload", args=["teachers"]), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content
    return ImportUpload.objects.latest("pk")


def _refuse_reading(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the upload was read again")

    monkeypatch.setattr(spreadsheet, "sniff", refuse)


def test_reloading_the_preview_and_confirming_never_read_the_file_again(world, client, monkeypatch):
    number = make_id_number()
    record = _upload(client, world.staff_x, [["姓名", "身份证号", "学校"], ["新教师", number, world.school_a.code]])
    assert record.status == ImportUpload.Status.PENDING and record.parsed
    _refuse_reading(monkeypatch)
    url = reverse("import_preview", args=["teachers", record.pk])
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "新增 1" in response.content.decode()
    response = client.post(reverse("import_confirm", args=["teachers", record.pk]))
    assert response.status_code == 200
    assert Teacher.objects.filter(id_number=number, school=world.school_a).exists()
    record.refresh_from_db()
    assert (record.status, record.created_count, record.total_rows) == (ImportUpload.Status.DONE, 1, 1)


def test_confirming_rechecks_the_kept_rows_against_the_database(world, client):
    number = make_id_number()
    record = _upload(client, world.staff_x, [["姓名", "身份证号", "学校"], ["新教师", number, world.school_a.code]])
    Teacher.objects.create(
        name="别县教师", id_number=number, gender="M", birth_date=dt.date(1985, 6, 15), school=world.school_c
    )
    client.post(reverse("import_confirm", args=["teachers", record.pk]))
    record.refresh_from_db()
    assert record.status == ImportUpload.Status.FAILED
    assert Teacher.objects.get(id_number=number).school == world.school_c


def test_a_large_file_is_checked_in_a_task_with_progress(world, client, settings, django_capture_on_commit_callbacks):
    settings.IMPORT_INLINE_BYTES = 0
    rows = [["姓名", "身份证号", "学校"]] + [[f"教师{i}", make_id_number(), world.school_a.code] for i in range(5)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record = _upload(client, world.staff_x, rows)
    assert record.status == ImportUpload.Status.PARSING
    page = client.get(reverse("import_preview", args=["teachers", record.pk]))
    assert "正在检查文件" in page.content.decode()
    status = client.get(reverse("import_status", args=["teachers", record.pk])).json()
    assert (status["status"], status["progress"]) == ("parsing", 0)
    for callback in callbacks:
        callback()
    status = client.get(reverse("import_status", args=["teachers", record.pk])).json()
    assert (status["status"], status["progress"]) == ("pending", 100)
    assert "新增 5" in client.get(status["preview"]).content.decode()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_check_runs_in_a_real_worker(world, celery_broker, settings):
    settings.IMPORT_INLINE_BYTES = 0
    finished = threading.Event()

    def done(sender=None, **kwargs):
        if sender is not None and sender.name == "core.check_import":
            finished.set()

    task_postrun.connect(done, weak=False)
    try:
        with start_worker(celery_broker, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            data = make_xlsx([["姓名", "身份证号", "学校"], ["张", make_id_number(), world.school_a.code]])
            record = services.import_upload_create(
                kind="teachers", upload=SimpleUploadedFile("t.xlsx", data), actor=world.staff_x
            )
            assert finished.wait(timeout=60)
    finally:
        task_postrun.disconnect(done)
    record.refresh_from_db()
    assert (record.status, record.progress, record.total_rows) == (ImportUpload.Status.PENDING, 100, 1)


def test_the_error_workbook_marks_every_problem_of_the_uploaded_rows(world, client):
    good = make_id_number()
    rows = [
        ["姓名", "身份证号", "学校", "备注"],
        ["好教师", good, world.school_a.code, "保留"],
        ["", 3.699011987070724e17, "不存在", ""],
    ]
    record = _upload(client, world.staff_x, rows)
    page = client.get(reverse("import_preview", args=["teachers", record.pk])).content.decode()
    assert "下载错误工作簿" in page
    response = client.get(reverse("import_errors", args=["teachers", record.pk]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == ["姓名", "身份证号", "学校", "备注", "错误"]
    assert values[1][:4] == ["好教师", good, world.school_a.code, "保留"] and values[1][4] in (None, "")
    assert values[2][1] == "3.699011987070724e+17"
    assert "身份证号：身份证号被表格软件转成了数字" in values[2][4]
    assert "姓名：不能为空" in values[2][4] and "学校：" in values[2][4]
    fills = {c.column_letter: c.fill.fgColor.rgb for c in ws[3]}
    assert fills["A"].endswith("FFC7CE") and fills["B"].endswith("FFC7CE") and fills["C"].endswith("FFC7CE")
    assert not fills["D"].endswith("FFC7CE")
    assert ws["B2"].number_format == "@"


def test_a_workbook_with_several_sheets_lets_the_user_pick_one(world, client):
    data = make_xlsx(
        [],
        sheets={
            "说明": [["填表说明"]],
            "教师": [["姓名", "身份证号", "学校"], ["张", make_id_number(), world.school_a.code]],
        },
    )
    client.force_login(world.staff_x)
    client.post(reverse("import_upload", args=["teachers"]), {"file": SimpleUploadedFile("t.xlsx", data)})
    record = ImportUpload.objects.latest("pk")
    page = client.get(reverse("import_preview", args=["teachers", record.pk])).content.decode()
    assert "在工作表“说明”中找不到表头行" in page and "改读这个工作表" in page
    client.post(reverse("import_sheet", args=["teachers", record.pk]), {"sheet": "教师"})
    record.refresh_from_db()
    assert (record.sheet, record.status, record.total_rows) == ("教师", ImportUpload.Status.PENDING, 1)


def test_history_lists_the_countys_imports_with_counts_and_outcome(world, client, django_assert_max_num_queries):
    for n in range(3):
        _upload(
            client, world.staff_x, [["姓名", "身份证号", "学校"], [f"教师{n}", make_id_number(), world.school_a.code]]
        )
    other = _upload(
        client, world.staff_y, [["姓名", "身份证号", "学校"], ["乙", make_id_number(), world.school_c.code]]
    )
    client.force_login(world.admin_x)
    # session + user, count, the page of uploads with uploader and county (one join)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("import_history"))
    page = response.content.decode()
    assert page.count("教师.xlsx") == 3 and "待确认" in page and "下载原文件" in page
    assert client.get(reverse("import_history_file", args=[other.pk])).status_code == 404


def test_an_administrator_downloads_the_file_again_and_staff_may_not(world, client):
    record = _upload(
        client, world.staff_x, [["姓名", "身份证号", "学校"], ["甲", make_id_number(), world.school_a.code]]
    )
    client.force_login(world.staff_x)
    assert client.get(reverse("import_history_file", args=[record.pk])).status_code == 403
    client.force_login(world.admin_x)
    response = client.get(reverse("import_history_file", args=[record.pk]))
    assert response.status_code == 200
    with record.file.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()


def test_files_past_the_retention_are_deleted_and_the_history_stays(world, client, settings):
    settings.IMPORT_KEEP_DAYS = 30
    old = _upload(client, world.staff_x, [["姓名", "身份证号", "学校"], ["甲", make_id_number(), world.school_a.code]])
    new = _upload(client, world.staff_x, [["姓名", "身份证号", "学校"], ["乙", make_id_number(), world.school_a.code]])
    ImportUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    old_path = old.file.path
    assert services.import_files_expire() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.file_deleted_at is not None and not old.file and not old.parsed
    assert not os.path.exists(old_path)
    assert new.file_kept
    client.force_login(world.admin_x)
    assert client.get(reverse("import_history_file", args=[old.pk])).status_code == 404
    assert "文件已过保留期" in client.get(reverse("import_history")).content.decode()
