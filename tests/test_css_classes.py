"""Every CSS class a template uses is defined by a stylesheet the pages load (sign.css, control.css, inline <style>).

A class without a rule is how the dashboard lost its styling once (.brand, button.primary, .small): this test reads
every template's class attributes (the literal words, and the quoted words inside a Jinja expression) and every
class selector of the stylesheets, and names each template and class that has no rule.
"""
from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mock_server"
TEMPLATES = sorted(PACKAGE.glob("*/templates/*.html"))
STYLESHEETS = sorted(PACKAGE.glob("*/static/*.css"))

CLASS_ATTR = re.compile(r'\bclass="((?:{{.*?}}|{%.*?%}|[^"])*)"', re.S)
JINJA = re.compile(r"{{(.*?)}}|{%(.*?)%}", re.S)
QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")
STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)
COMMENT = re.compile(r"/\*.*?\*/", re.S)
SELECTOR_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")


def used_classes(html: str) -> set[str]:
    """The class names a template can put on an element: literal words and quoted words in its expressions."""
    found = set()
    for value in CLASS_ATTR.findall(html):
        for expr in JINJA.findall(value):
            for a, b in QUOTED.findall("".join(expr)):
                found.update((a or b).split())
        found.update(JINJA.sub(" ", value).split())
    return found


def defined_classes(css: str) -> set[str]:
    """Class names in the selectors of a stylesheet (declarations are skipped, so 1.5em is no class)."""
    css = COMMENT.sub("", css)
    selectors = re.sub(r"{[^{}]*}", "{}", css)  # drop declarations; @media blocks keep their selectors
    return set(SELECTOR_CLASS.findall(selectors))


def all_defined() -> set[str]:
    defined = set()
    for sheet in STYLESHEETS:
        defined |= defined_classes(sheet.read_text(encoding="utf-8"))
    for template in TEMPLATES:
        for block in STYLE_BLOCK.findall(template.read_text(encoding="utf-8")):
            defined |= defined_classes(block)
    return defined


def test_every_class_in_a_template_has_a_rule():
    assert TEMPLATES and STYLESHEETS
    defined = all_defined()
    missing = {f"{t.relative_to(PACKAGE)}: .{c}" for t in TEMPLATES
               for c in used_classes(t.read_text(encoding="utf-8")) - defined}
    assert not missing, "classes no stylesheet defines:\n" + "\n".join(sorted(missing))


def test_the_readers_see_what_they_must():
    html = '<a class="btn {{ \'secondary\' if x else "primary" }} open-doc {{ name }}">'
    assert used_classes(html) == {"btn", "secondary", "primary", "open-doc"}
    css = "/* .gone */ .a, p.b:hover > .c-d { font: 16px/1.5 x; width: .5em } @media (max-width: 1px) { .e { } }"
    assert defined_classes(css) == {"a", "b", "c-d", "e"}
