"""Benchmark the roster import and the scope query at province scale.

Everything happens inside a transaction that is rolled back, so the database is
left as it was. Figures are medians over --runs runs.
"""

import statistics
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from courses.models import LearnerProfile, OrgUnit
from courses.models.roles import Role
from courses.services.roles import role_grant
from courses.services.roster import roster_apply, roster_from_records

CENTRES = [
    "戒毒医疗中心",
    "教育矫正中心",
    "心理矫治中心",
    "康复训练中心",
    "诊断评估中心",
]
POSITIONS = [
    "管理岗",
    "教育矫治岗",
    "戒毒医疗岗",
    "心理咨询岗",
    "康复训练岗",
    "诊断评估岗",
]


class Rollback(Exception):
    pass


def province_records(
    *, facilities: int, offices: int, people: int, moved_every: int = 0
):
    units = [
        {
            "单位编码": "BJ",
            "单位名称": "基准戒毒管理局",
            "上级单位编码": "",
            "单位类型": "局",
        }
    ]
    leaves = []
    for f in range(1, facilities + 1):
        code = f"BJ-S{f:02d}"
        units.append(
            {
                "单位编码": code,
                "单位名称": f"基准第{f}所",
                "上级单位编码": "BJ",
                "单位类型": "戒毒所",
            }
        )
        for d in (1, 2):
            units.append(
                {
                    "单位编码": f"{code}-D{d}",
                    "单位名称": f"基准第{f}所{d}大队",
                    "上级单位编码": code,
                    "单位类型": "大队",
                }
            )
            leaves.append((f"{code}-D{d}", "民警", "执法管理岗"))
        for c, name in enumerate(CENTRES, 1):
            units.append(
                {
                    "单位编码": f"{code}-C{c}",
                    "单位名称": f"基准第{f}所{name}",
                    "上级单位编码": code,
                    "单位类型": "专业中心",
                }
            )
            leaves.append((f"{code}-C{c}", "民警", POSITIONS[c]))
    for o in range(1, offices + 1):
        code = f"BJ-O{o:02d}"
        units.append(
            {
                "单位编码": code,
                "单位名称": f"基准第{o}禁毒办",
                "上级单位编码": "BJ",
                "单位类型": "禁毒办",
            }
        )
        leaves.append((code, "社区禁毒专干", "社区禁毒专干"))
    rows = []
    for n in range(people):
        unit, identity, position = leaves[n % len(leaves)]
        if moved_every and n % moved_every == 0:
            unit, identity, position = leaves[(n + 1) % len(leaves)]
        rows.append(
            {
                "编号": f"B{n:06d}",
                "姓名": f"学员{n:05d}",
                "身份类型": identity,
                "岗位": position,
                "单位编码": unit,
                "手机号": "",
            }
        )
    return {"单位": units, "人员": rows}


class Command(BaseCommand):
    help = "在回滚的事务中测量花名册导入与权限范围查询的耗时（中位数）。"

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=6000)
        parser.add_argument("--facilities", type=int, default=12)
        parser.add_argument("--offices", type=int, default=40)
        parser.add_argument("--runs", type=int, default=3)

    def handle(self, *args, **opts):
        first = province_records(
            facilities=opts["facilities"],
            offices=opts["offices"],
            people=opts["people"],
        )
        moved = province_records(
            facilities=opts["facilities"],
            offices=opts["offices"],
            people=opts["people"],
            moved_every=20,
        )
        timings: dict[str, list[float]] = {}

        def timed(name, fn):
            start = time.perf_counter()
            result = fn()
            timings.setdefault(name, []).append(time.perf_counter() - start)
            return result

        for _ in range(opts["runs"]):
            try:
                with transaction.atomic():
                    timed(
                        "import, all new",
                        lambda: roster_apply(roster=roster_from_records(sheets=first)),
                    )
                    again = timed(
                        "re-import, unchanged",
                        lambda: roster_apply(roster=roster_from_records(sheets=first)),
                    )
                    assert again["unchanged"] == len(first["单位"]) + len(first["人员"])
                    result = timed(
                        "import, 5% moved",
                        lambda: roster_apply(roster=roster_from_records(sheets=moved)),
                    )
                    assert result["people_moved"] == len(first["人员"]) // 20
                    admin_profile = LearnerProfile.objects.select_related(
                        "user"
                    ).first()
                    role_grant(
                        user=admin_profile.user,
                        role=Role.FACILITY_ADMIN,
                        unit=OrgUnit.objects.get(code="BJ-S01"),
                    )
                    user = type(admin_profile.user).objects.get(
                        pk=admin_profile.user_id
                    )

                    def scope_count(user=user):
                        return LearnerProfile.objects.within_scope_of(user).count()

                    for _ in range(20):
                        timed("scope: count a facility's people", scope_count)
                    raise Rollback
            except Rollback:
                pass
        self.stdout.write(
            f"roster of {len(first['单位'])} units and {len(first['人员'])} people, "
            f"{opts['runs']} runs (median, seconds):"
        )
        for name, values in timings.items():
            self.stdout.write(f"  {name:<36} {statistics.median(values):8.4f}")
