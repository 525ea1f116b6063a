"""Build the demo site. Safe to run again: nothing is duplicated."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from tqdm import tqdm

from cms.demo import demo_home_page_load
from courses.demo import (
    DEMO_PASSWORD,
    PERSONAS,
    demo_content_load,
    demo_people_load,
)
from courses.demo_records import demo_records_load
from courses.demo_training import demo_certificates_load, demo_classes_load
from courses.resource_bank import resource_bank_demo_load
from quizzes.demo import demo_quizzes_load


class Command(BaseCommand):
    help = (
        "载入演示数据：组织机构、人员、演示账号、首页、课程、教材、题库、测验和培训档案"
        "（可重复运行）。"
    )

    def handle(self, *args, **options):
        with tqdm(
            desc="组织与人员",
            unit="行",
            disable=options["verbosity"] < 1,
            file=self.stderr,
        ) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            summary = demo_people_load(progress=progress)
        home = demo_home_page_load()
        content = demo_content_load(home=home)
        bank = resource_bank_demo_load(bank=content["bank"])
        quizzes = self._quizzes_load(verbosity=options["verbosity"])
        # The training record comes last: it needs the people, the courses and
        # the quiz results. Offline classes and certificates follow it.
        records = demo_records_load()
        classes = demo_classes_load()
        certificates = demo_certificates_load()
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))
            self.stdout.write("  " + "，".join(f"{k}={v}" for k, v in summary.items()))
            self.stdout.write(
                f"  资源库演示课程：新建 {bank.created}，更新 {bank.updated}，"
                f"未变化 {bank.unchanged}"
            )
            self.stdout.write(
                f"  演示题库：共 {quizzes.questions} 题，"
                f"新建 {quizzes.questions_created}，更新 {quizzes.questions_updated}，"
                f"未变化 {quizzes.questions_unchanged}"
            )
            self.stdout.write(
                f"  演示测验：新建 {len(quizzes.quizzes_created)}，"
                f"更新 {len(quizzes.quizzes_updated)}；"
                f"演示答卷：新建 {quizzes.attempts_created}"
            )
            self.stdout.write(
                f"  培训档案：新建必修布置 {records['assignments_created']}，"
                f"学习课程 {records['lessons_read']} 次"
                f"（完成 {records['lessons_finished']}），"
                f"学习记录 {records['facts_created']} 条，"
                f"学时记录 {records['credits_created']} 条，"
                f"汇总 {records['learners_refreshed']} 人"
            )
            self.stdout.write(
                f"  培训班：新建 {classes['classes_created']}，"
                f"出勤记录 {classes['attendance']} 人次；"
                f"结业证书：新发 {certificates}"
            )
            self.stdout.write(f"  演示账号（密码均为 {DEMO_PASSWORD}）：")
            for persona in PERSONAS:
                self.stdout.write(f"    {persona.username:<16} {persona.label}")

    def _quizzes_load(self, *, verbosity: int):
        """The question bank and quizzes; officer and worker have taken some,
        and the trainer has an essay to mark."""
        users = get_user_model().objects.in_bulk(
            ["officer", "worker", "trainer"], field_name="username"
        )
        with tqdm(
            desc="题库", unit="题", disable=verbosity < 1, file=self.stderr
        ) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            return demo_quizzes_load(
                learners=[users[name] for name in ("officer", "worker")],
                trainer=users["trainer"],
                progress=progress,
            )
