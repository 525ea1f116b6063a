"""The site's own demo content: the home page, set as the default site's root."""

from django.db import transaction
from wagtail.models import Page, Site

from cms.models import HomePage

HOME_TITLE = "禁毒戒毒教育培训平台"
HOME_INTRO = (
    "<p>面向戒毒人民警察、社区禁毒专干和禁毒志愿者的学习平台：按岗位分类培训，"
    "学习《社区禁毒专干培训教材》和全国戒毒教育资源库课程，参加应知应会测试、"
    "基本功训练和综合业务考核，学时和成绩逐级汇总到单位和戒毒管理局。</p>"
)


@transaction.atomic
def demo_home_page_load() -> HomePage:
    home = HomePage.objects.first()
    root = Page.get_first_root_node()
    if home is None:
        # Wagtail's initial migration leaves a plain welcome page at slug "home";
        # it stands in the way of ours and holds nothing.
        for placeholder in root.get_children().exact_type(Page):
            if placeholder.specific_class is Page and placeholder.numchild == 0:
                placeholder.delete()
        root.refresh_from_db()
        home = HomePage(title=HOME_TITLE, slug="home", intro=HOME_INTRO)
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=HOME_TITLE,
        )
    elif site.root_page_id != home.pk or site.site_name != HOME_TITLE:
        site.root_page = home
        site.site_name = HOME_TITLE
        site.save()
    return home
