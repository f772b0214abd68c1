"""Notices that close the loop: the first session's date, time and place in every enrolment notice,
the teacher's answer (确认参训, or 无法参加 with a reason, which becomes a 换人 request for the
coordinator and county staff), and the text message sent beside the e-mail."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import sms

from .models import Enrolment, Notice, Session, SubProject, SubstitutionRequest

# Events whose notice places a teacher on a training and asks for an answer.
ASKING_EVENTS = ("nominated", "confirmed", "replacement")
# Places whose notice may still be answered.
ANSWERABLE = (Enrolment.Status.NOMINATED, Enrolment.Status.CONFIRMED)

ERR_DECLINE_REASON = "请填写无法参加的原因"
ERR_NOT_ASKED = "这条通知不需要回复"
ERR_ALREADY_ANSWERED = "这条通知已回复"
ERR_PLACE_CLOSED = "该报名已不在培训名单中，无需回复"
ERR_BAD_RESPONSE = "请选择确认参训或无法参加"
SMS_MAX_CHARS = 300

_UNSET = object()


def first_session(subproject: SubProject) -> Session | None:
    """The sub-project's first session, kept on the instance so a batch of notices asks once."""
    cached = getattr(subproject, "_first_session", _UNSET)
    if cached is _UNSET:
        cached = subproject.sessions.order_by("date", "start_time", "pk").first()
        subproject._first_session = cached
    return cached


def first_sessions_load(subprojects: list[SubProject]) -> None:
    """Fill `first_session`'s cache for many sub-projects in one query (an import's thousands)."""
    pending = {sub.pk: sub for sub in subprojects if getattr(sub, "_first_session", _UNSET) is _UNSET}
    if not pending:
        return
    for sub in pending.values():
        sub._first_session = None
    sessions = Session.objects.filter(subproject_id__in=list(pending)).order_by(
        "subproject_id", "-date", "-start_time", "-pk"
    )
    for session in sessions.iterator(2000):
        # Latest first, so each sub-project's earliest session is the one left in its cache.
        pending[session.subproject_id]._first_session = session


def first_session_text(subproject: SubProject) -> str:
    session = first_session(subproject)
    if session is None:
        return _("首次集中培训的时间、地点另行通知。")
    return _("首次集中培训：{date} {start}–{end}，地点：{place}。").format(
        date=f"{session.date:%Y-%m-%d}",
        start=f"{session.start_time:%H:%M}",
        end=f"{session.end_time:%H:%M}",
        place=session.place or _("待定"),
    )


def retire_open_questions(notices: list[Notice]) -> None:
    """Before new asking notices are stored: one open question per place.

    A place the teacher already acknowledged is not asked again; an older question still open is
    replaced by the new notice (it carries the latest dates). Two queries for any number of notices."""
    asking = [n for n in notices if n.needs_response and n.enrolment_id]
    if not asking:
        return
    ids = {n.enrolment_id for n in asking}
    acknowledged = set(
        Notice.objects.filter(enrolment_id__in=ids, response=Notice.Response.ACKNOWLEDGED).values_list(
            "enrolment_id", flat=True
        )
    )
    for notice in asking:
        if notice.enrolment_id in acknowledged:
            notice.needs_response = False
    Notice.objects.filter(enrolment_id__in=ids - acknowledged, needs_response=True, response="").update(
        needs_response=False
    )


@transaction.atomic
def notice_answer(*, notice: Notice, response: str, reason: str = "", actor: Any) -> Notice:
    """The teacher answers an enrolment notice; 无法参加 asks county staff for a 换人 (the request
    shows on the coordinator's list). The caller checks that `notice` is the actor's own."""
    reason = (reason or "").strip()
    notice = Notice.objects.select_for_update(of=("self",)).select_related("enrolment").get(pk=notice.pk)
    if response not in Notice.Response.values:
        raise ValidationError({"response": _(ERR_BAD_RESPONSE)})
    if not notice.needs_response:
        raise ValidationError(_(ERR_NOT_ASKED))
    if notice.response:
        raise ValidationError(_(ERR_ALREADY_ANSWERED))
    if notice.enrolment is None or notice.enrolment.status not in ANSWERABLE:
        raise ValidationError(_(ERR_PLACE_CLOSED))
    if response == Notice.Response.DECLINED and not reason:
        raise ValidationError({"reason": _(ERR_DECLINE_REASON)})
    notice.response = response
    notice.response_reason = reason if response == Notice.Response.DECLINED else ""
    notice.responded_at = timezone.now()
    notice.read_at = notice.read_at or notice.responded_at
    notice.full_clean()
    notice.save(update_fields=["response", "response_reason", "responded_at", "read_at"])
    if response == Notice.Response.DECLINED:
        _ask_substitution(notice, reason, actor)
    return notice


def _ask_substitution(notice: Notice, reason: str, actor: Any) -> None:
    from .services import substitution_request_create

    pending = SubstitutionRequest.objects.filter(
        enrolment_id=notice.enrolment_id, status=SubstitutionRequest.Status.PENDING
    ).exists()
    # The coordinator may already have asked for this place; the teacher's answer is still kept.
    if not pending:
        substitution_request_create(
            enrolment=notice.enrolment, source=SubstitutionRequest.Source.TEACHER, reason=reason, actor=actor
        )


def sms_text(notice: Notice) -> str:
    text = _("【{sign}】{subject}。{body}").format(sign=_("培训通知"), subject=notice.subject, body=notice.body)
    if notice.needs_response:
        text += _("请登录培训平台回复确认参训或无法参加。")
    return text[:SMS_MAX_CHARS]


def notices_sms(*, notice_ids: list[int]) -> int:
    """Text stored notices not yet texted to teachers with a phone number; return how many were sent."""
    pending = (
        Notice.objects.filter(pk__in=notice_ids, sms_sent_at__isnull=True)
        .exclude(teacher__phone="")
        .select_related("teacher")
        .order_by("pk")
    )
    connection = sms.get_connection()
    sent = 0
    for notice in pending:
        if connection.send_messages([sms.SmsMessage(phone=notice.teacher.phone, text=sms_text(notice))]):
            # Marked one by one: if a later message fails and the task retries, nobody gets one twice.
            Notice.objects.filter(pk=notice.pk).update(sms_sent_at=timezone.now())
            sent += 1
    return sent
