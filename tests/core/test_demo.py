from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from attendance.models import AttendanceRecord
from programs.models import Enrolment, Session
from trainees.models import School, Teacher

PROJECT_APPS = {
    "accounts",
    "trainees",
    "programs",
    "attendance",
    "outreach",
    "assessment",
    "reports",
    "core",
    "specialed",
}


def _row_counts() -> dict[str, int]:
    """Rows per model of every project app (pghistory's own event views are not tables)."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and model._meta.managed and not model._meta.proxy
    }


def test_load_demo_builds_a_county_at_scale_and_is_idempotent(db, capsys):
    call_command("load_demo")
    counts = _row_counts()
    assert School.objects.filter(county__name="青山县").count() == 45
    assert Teacher.objects.filter(school__county__name="青山县").count() == 1600
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert School.objects.filter(area="rural").exists() and School.objects.filter(area="urban").exists()
    call_command("load_demo")
    assert _row_counts() == counts
    assert "admin" in capsys.readouterr().out


def test_demo_covers_the_year(db):
    call_command("load_demo")
    statuses = set(Enrolment.objects.values_list("status", flat=True))
    assert {"nominated", "confirmed", "completed", "withdrawn", "substituted"} <= statuses
    assert Enrolment.objects.filter(replaces__isnull=False).count() == 1
    coord1 = User.objects.get(username="coord1")
    assert Enrolment.objects.filter(school=coord1.school, status__in=Enrolment.PARTICIPATING).exists()
    # A session today (QR check-in, grid) with nothing recorded yet; every past session has attendance.
    today = timezone.localdate()
    assert Session.objects.filter(date=today).exists()
    assert not AttendanceRecord.objects.filter(session__date__gte=today).exists()
    past = Session.objects.filter(date__lt=today, subproject__enrolments__isnull=False).distinct()
    assert past.count() == past.filter(attendance__isnull=False).distinct().count()


YEAR = timezone.localdate().year

# (user, url name, query, text that only a non-empty list shows)
MENUS = [
    ("staff", "teacher_list", "", "3699**********"),
    ("staff", "school_list", "", "Q001"),
    ("staff", "program_list", "", f"国培计划（{YEAR}）中西部项目"),
    ("staff", "attendance_sessions", "", "课堂评价改革"),
    ("staff", "outreach_cycle_list", "", "送教下乡培训（数学）"),
    ("staff", "outreach_workshop_list", "", "青山县初中数学名师工作坊"),
    ("staff", "outreach_pool_list", "", "正高级教师"),
    ("staff", "scheme_list", "", "已发布"),
    ("staff", "school_project_list", "", "已认定"),
    ("staff", "registration_list", f"?year={YEAR - 1}", "已审核"),
    ("staff", "region_list", "", "城关镇"),
    ("staff", "reports:dashboard", "", "中西部项目"),
    ("staff", "specialed_visit_list", "", "QS-S"),
    ("staff", "specialed_report", "", "青山县特殊教育学校"),
    ("staff", "specialed_participants", "", "家长"),
    ("staff", "specialed_stats", "", "青山县特殊教育学校"),
    ("admin", "user_list", "", "coord2"),
    ("admin", "reports:dashboard", "", "中西部项目"),
    ("admin", "reports:export_list", "", f"{YEAR - 2}—{YEAR}"),
    ("coord1", "teacher_list", "", "3699**********"),
    ("coord1", "program_list", "", f"{YEAR}年青山县中小学教师全员培训"),
    ("coord1", "attendance_sessions", "", "课堂评价改革"),
    ("coord1", "outreach_cycle_list", "", "送教下乡培训（数学）"),
    ("coord1", "registration_list", f"?year={YEAR - 1}", "已审核"),
    ("teacher1", "my_enrolments", "", "暑期全员集中培训"),
    ("teacher1", "transcript_me", "", "暑期全员集中培训"),
    ("teacher1", "outreach_cycle_list", "", "送教下乡培训（数学）"),
    ("teacher1", "claim_list", "", "公示中"),
    ("teacher1", "claim_publicity", "", "送教下乡、专题讲座授课"),
    ("coord1", "claim_school_queue", "", "论文发表（市级）"),
    ("staff", "claim_item_list", "", "学历提升"),
]


def test_every_menu_of_the_demo_users_shows_rows(db, client_for):
    call_command("load_demo")  # once for every menu: loading is the slow part
    empty = []
    for username, name, query, text in MENUS:
        response = client_for(User.objects.get(username=username)).get(reverse(name) + query, follow=True)
        if response.status_code != 200 or text not in response.content.decode():
            empty.append((username, name, response.status_code))
    assert empty == []


def test_the_demo_shows_the_offices_above_the_county_at_work(db, client_for):
    """示范市's office sees 青山县 and 绿水县 (and runs its own 市级 program); 远山市's sees only 白云县."""
    call_command("load_demo")
    qingshan = Teacher.objects.filter(school__county__name="青山县").order_by("pk").first()
    city = client_for(User.objects.get(username="city_staff"))
    assert city.get(reverse("teacher_detail", args=[qingshan.pk])).status_code == 200
    page = city.get(reverse("program_list")).content.decode()
    assert "市级骨干教师能力提升培训" in page and "白云县" not in page
    assert "青山县" in city.get(reverse("reports:dashboard")).content.decode()
    other = client_for(User.objects.get(username="city2_staff"))
    assert other.get(reverse("teacher_detail", args=[qingshan.pk])).status_code == 404
    assert "白云县" in other.get(reverse("reports:dashboard")).content.decode()
    province = client_for(User.objects.get(username="province_staff")).get(reverse("reports:rates"), {"by": "county"})
    assert all(name in province.content.decode() for name in ("青山县", "白云县"))
