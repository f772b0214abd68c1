"""Create the administrator of a county, city or province: the first account of a new deployment."""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from accounts.services import user_create
from trainees.models import Region

ROLE_FOR_LEVEL = {
    Region.Level.COUNTY: Role.ADMIN,
    Region.Level.CITY: Role.CITY_ADMIN,
    Region.Level.PROVINCE: Role.PROVINCE_ADMIN,
}
PASSWORD_ENV = "PEIXUN_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = (
        "创建县区（或市、省）管理员账号：--region 为县区、市或省的名称或行政区划代码；"
        f"密码取自环境变量 {PASSWORD_ENV}，未设置时交互输入"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--region", required=True, help="县区、市或省的名称或行政区划代码")
        parser.add_argument("--parent", default="", help="名称重复时，上级区域的名称（如所属的市）")
        parser.add_argument("--name", default="", help="显示的姓名")
        parser.add_argument("--email", default="")
        parser.add_argument("--noinput", "--no-input", action="store_true", help="不交互：密码必须由环境变量给出")

    def handle(self, *args, **options):
        region = self._region(options["region"], options["parent"])
        password = os.environ.get(PASSWORD_ENV, "")
        if not password:
            if options["noinput"]:
                raise CommandError(f"未设置环境变量 {PASSWORD_ENV}")
            password = getpass.getpass("密码：")
            if password != getpass.getpass("再次输入密码："):
                raise CommandError("两次输入的密码不一致")
        role = ROLE_FOR_LEVEL[region.level]
        place = {"county": region} if region.level == Region.Level.COUNTY else {"region": region}
        try:
            user = user_create(
                username=options["username"],
                password=password,
                role=role,
                display_name=options["name"],
                email=options["email"],
                **place,
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"已创建{Role(role).label}：{user.username}（{region.name}）")

    def _region(self, key: str, parent: str) -> Region:
        key = key.strip()
        rows = Region.objects.filter(level__in=list(ROLE_FOR_LEVEL)).filter(
            **({"code": key} if key.isdigit() else {"name": key})
        )
        if parent:
            rows = rows.filter(parent__name=parent.strip())
        found = list(rows.select_related("parent")[:10])
        if not found:
            raise CommandError(f"找不到县区、市或省：{key}（先用 import_schools 导入行政区域和学校）")
        if len(found) > 1:
            names = "、".join(f"{r.parent.name if r.parent else ''}{r.name}" for r in found)
            raise CommandError(f"“{key}”对应多个区域（{names}），请用 --parent 或行政区划代码区分")
        return found[0]
