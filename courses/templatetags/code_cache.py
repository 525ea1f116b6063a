"""`{% codecache "name" [vary_on ...] %}…{% endcodecache %}`: a template fragment
kept in this process's memory.

For what is made only of the code: templates, translations, URLs reversed
without arguments (base.html's header and footer around the reader's own
parts). Such text changes only when the code does, and then the processes are
started afresh, so unlike `{% cache %}` there is nothing to invalidate and no
cache backend to ask: a page need not translate, reverse and unpickle the same
text again on every request. The fragment is kept per active language, URL
prefix and URL configuration, and per the values named after it; nothing that
belongs to a request or a reader may go inside.
"""

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

register = template.Library()

# Bounded, should a vary-on value ever take many values; a fragment is small.
MAX_FRAGMENTS = 2000
_fragments: dict[tuple, str] = {}


class CodeCacheNode(template.Node):
    # Nothing inside may be a block (or anything else a parent template looks
    # for), so `{% extends %}` need not walk the fragment on every render.
    child_nodelists = ()

    def __init__(self, nodelist, name: str, vary_on: list):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context) -> str:
        key = (
            self.name,
            get_language(),
            get_script_prefix(),
            get_urlconf() or settings.ROOT_URLCONF,
            *(var.resolve(context) for var in self.vary_on),
        )
        fragment = _fragments.get(key)
        if fragment is None:
            fragment = self.nodelist.render(context)
            if len(_fragments) >= MAX_FRAGMENTS:
                _fragments.clear()
            _fragments[key] = fragment
        return fragment


@register.tag("codecache")
def do_codecache(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' needs a fragment name")
    nodelist = parser.parse(("endcodecache",))
    parser.delete_first_token()
    name = bits[1].strip("\"'")
    return CodeCacheNode(nodelist, name, [parser.compile_filter(b) for b in bits[2:]])
