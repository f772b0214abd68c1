"""Demo accounts, one per role; passwords come from settings.DEMO_PASSWORD."""

from django.conf import settings
from django.db import transaction

from trainees.models import Teacher

from .models import Role, User
from .services import user_create


@transaction.atomic
def load_accounts(*, county, other_county, schools, other_school) -> list[tuple[str, str]]:
    first_teacher = Teacher.objects.filter(school=schools[0]).order_by("pk").first()
    specs = [
        ("admin", "县教育局管理员", Role.ADMIN, {"county": county}),
        ("staff", "县培训中心 王老师", Role.COUNTY_STAFF, {"county": county}),
        ("coord1", f"{schools[0].name} 联络员", Role.COORDINATOR, {"school": schools[0]}),
        ("coord2", f"{schools[10].name} 联络员", Role.COORDINATOR, {"school": schools[10]}),
        ("teacher1", first_teacher.name if first_teacher else "教师", Role.TEACHER, {"teacher": first_teacher}),
        ("staff_lv", "绿水县培训中心", Role.COUNTY_STAFF, {"county": other_county}),
        # Offices above the county: they oversee 青山县 (and every county of their city or province).
        ("city_admin", f"{county.parent.name}教育局", Role.CITY_ADMIN, {"region": county.parent}),
        ("city_staff", f"{county.parent.name}教师发展中心", Role.CITY_STAFF, {"region": county.parent}),
        ("province_admin", f"{county.parent.parent.name}教育厅", Role.PROVINCE_ADMIN, {"region": county.parent.parent}),
        (
            "province_staff",
            f"{county.parent.parent.name}教师发展中心",
            Role.PROVINCE_STAFF,
            {"region": county.parent.parent},
        ),
    ]
    created = []
    for username, display, role, scope in specs:
        if not User.objects.filter(username=username).exists():
            user_create(
                username=username,
                password=settings.DEMO_PASSWORD,
                role=role,
                display_name=display,
                validate=False,
                **scope,
            )
        created.append((username, Role(role).label))
    return created
