"""Nobody is enrolled without a record that they were told; the e-mail goes out after the commit."""

from programs import services
from programs.models import Notice
from tests.factories import UserFactory


def test_the_notice_is_emailed_after_commit_to_the_teachers_account(
    world, subproject, mailoutbox, django_capture_on_commit_callbacks
):
    world.teacher_user_a.email = "zhangsan@example.cn"
    world.teacher_user_a.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.enrolment_nominate(subproject=subproject, teacher=world.teacher_a, actor=world.coord_a)
    # Nothing is sent while the change may still roll back.
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    notice = Notice.objects.get()
    assert [(m.to, m.subject) for m in mailoutbox] == [(["zhangsan@example.cn"], notice.subject)]
    assert notice.body in mailoutbox[0].body
    assert notice.emailed_at is not None


def test_a_notice_is_stored_even_when_the_teacher_has_no_email(
    world, subproject, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = services.enrolment_nominate(subproject=subproject, teacher=world.teacher_b, actor=world.staff_x)
    notice = Notice.objects.get()
    assert (notice.teacher, notice.enrolment, notice.emailed_at) == (world.teacher_b, enrolment, None)
    assert mailoutbox == []


def test_sending_twice_emails_once(world, subproject, mailoutbox, django_capture_on_commit_callbacks):
    UserFactory(role="teacher", teacher=world.teacher_b, email="lisi@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_nominate(subproject=subproject, teacher=world.teacher_b, actor=world.staff_x)
    ids = list(Notice.objects.values_list("pk", flat=True))
    assert services.notices_email(notice_ids=ids) == 0
    assert len(mailoutbox) == 1
