"""Text becomes HTML here, escaped by default.

Labels, segment values, titles, complaint categories, ids and raw values come from data, codebook
and parameter files and are never trusted: :func:`escape` turns text into HTML, :func:`markdown_html`
renders Markdown with raw HTML escaped and links limited to safe schemes, and :func:`sanitize_html`
rebuilds any HTML a notebook output carries from a short allow-list (no scripts, no event handlers,
no styles, no images, no unsafe links). Raw HTML comes only from the report layer, which builds it
with :class:`Markup` and ``Markup(...).format(...)`` (which escapes every argument). As defence in
depth every page carries a Content-Security-Policy (:data:`CSP`) that lets no script run and
nothing load from the network (docs/security.md).
"""

from __future__ import annotations

import functools
import math
import re
from html.parser import HTMLParser

from markupsafe import Markup, escape as _escape

from csmlib.core.text import localize_numbers


#: Content-Security-Policy of every report page: no script at all (the pages need none), styles
#: only inline, images only embedded (data:) or next to the page, no fonts, frames, forms or
#: network requests. Delivered as a <meta> tag (the pages are opened as files).
CSP = (
    "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data: 'self'; "
    "font-src data:; object-src 'none'; base-uri 'none'; form-action 'none'"
)
CSP_META = Markup('<meta http-equiv="Content-Security-Policy" content="{}">').format(CSP)


# ---------------------------------------------------------------------------- text to HTML
def escape(text) -> Markup:
    """``text`` as HTML text (``None`` as empty): the default for anything that is not our own markup."""
    return Markup("") if text is None else _escape(text)


def html_attributes(language: str) -> Markup:
    """``lang`` and ``dir`` of a page's ``<html>`` element in the report language."""
    return Markup('lang="{}" dir="{}"').format(language, "rtl" if language == "fa" else "ltr")


_URL_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def safe_href(url) -> str:
    """``url`` if it is relative, a fragment or http(s)/mailto; otherwise ``"#"``.

    Browsers ignore tabs, newlines and leading control characters in a scheme
    (``java\\tscript:``), so they are removed before the scheme is read. The result still has to
    be escaped as an attribute value (the templates and :class:`Markup` do).
    """
    from urllib.parse import unquote

    text = str(url) if url is not None else ""
    for probe in (text, unquote(text)):
        probe = re.sub(r"[\x00-\x20\x7f]+", "", probe)
        found = _URL_SCHEME.match(probe)
        if (found and found.group(1).lower() not in SAFE_SCHEMES) or probe.startswith(("\\", "/\\")):
            return "#"
    return text.strip()


_LEGACY_EMPHASIS = re.compile(r"<(strong|b|em|i|code)>(.+?)</\1>", re.S)


def _legacy_markup(found: re.Match) -> str:
    tag, content = found.group(1), found.group(2)
    if tag == "code":
        fence = "``" if "`" in content else "`"
        return f"{fence} {content} {fence}" if fence == "``" else f"`{content}`"
    return f"**{content}**" if tag in ("strong", "b") else f"*{content}*"


@functools.cache
def _markdown_parser():
    import mistune

    class _SafeRenderer(mistune.HTMLRenderer):
        """mistune's HTML renderer with raw HTML escaped, safe links only and images as their text."""

        def sanitize_url(self, url: str) -> str:  # mistune 3.1+: escaped by render_attrs
            return safe_href(url)

        def safe_url(self, url: str) -> str:  # older mistune: returns the escaped attribute
            return str(escape(safe_href(url)))

        def image(self, text: str, url: str, title=None) -> str:
            return text

    return mistune.create_markdown(escape=True, renderer=_SafeRenderer(escape=True), plugins=["table", "strikethrough"])


def markdown_html(text) -> Markup:
    """Markdown (``**bold**``, lists, ``###`` headings, links, tables) as safe HTML.

    Raw HTML in ``text`` is shown as text, not interpreted, with one exception kept for the
    sentences written before this rule: an attribute-free ``<strong>…</strong>`` (``<b>``, ``<em>``,
    ``<i>``, ``<code>``) is read as the Markdown ``**…**`` (``*…*``, ```…```). Links keep only
    http(s), mailto and relative targets. The result is passed through :func:`sanitize_html` as well.
    """
    source = "" if text is None else str(text)
    source = _LEGACY_EMPHASIS.sub(_legacy_markup, source)
    return sanitize_html(_markdown_parser()(source))


# What notebook outputs may keep. Everything else is dropped; the text inside is kept (escaped),
# except in the elements of _DROP_CONTENT, whose content is dropped too.
_ALLOWED_TAGS = frozenset(
    """a abbr b bdi bdo blockquote br caption code col colgroup dd del details div dl dt em
    h1 h2 h3 h4 h5 h6 hr i ins kbd li mark ol p pre q s samp small span strong sub summary sup table tbody td
    tfoot th thead tr u ul var wbr""".split()
)
_VOID_TAGS = frozenset({"br", "col", "hr", "wbr"})
_DROP_CONTENT = frozenset(
    {
        "script",
        "style",
        "template",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "noscript",
        "noembed",
        "noframes",
        "textarea",
        "title",
        "xmp",
        "svg",
        "math",
        "select",
        "option",
        "head",
        "plaintext",
        "audio",
        "video",
        "canvas",
    }
)
_ALLOWED_ATTRIBUTES = frozenset(
    {
        "class",
        "id",
        "title",
        "colspan",
        "rowspan",
        "scope",
        "headers",
        "abbr",
        "dir",
        "lang",
        "role",
        "span",
        "open",
        "aria-label",
        "aria-hidden",
        "start",
        "reversed",
    }
)


class _Sanitizer(HTMLParser):
    """Re-serialise HTML from an allow-list: what it writes is all there is (well nested, escaped)."""

    def __init__(self, language: str = "en"):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.dropping:
            if tag == self.dropping[-1] or tag in _DROP_CONTENT:
                self.dropping.append(tag)
            return
        if tag in _DROP_CONTENT:
            self.dropping.append(tag)  # (html.parser reads a script's or style's content as data)
            return
        if tag not in _ALLOWED_TAGS:
            return
        kept = []
        for name, value in attrs:
            name = name.lower()
            if name == "href" and tag == "a":
                kept.append(f' href="{escape(safe_href(value))}"')
            elif name in _ALLOWED_ATTRIBUTES and not name.startswith("on"):
                kept.append(f' {name}="{escape(value or "")}"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in _VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in _ALLOWED_TAGS and tag not in _VOID_TAGS and not self.dropping and self.open and self.open[-1] == tag:
            self.handle_endtag(tag)
        elif self.dropping and self.dropping[-1] == tag:
            self.dropping.pop()

    def handle_endtag(self, tag):
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag not in self.open:
            return
        while self.open:
            closing = self.open.pop()
            self.out.append(f"</{closing}>")
            if closing == tag:
                break

    def handle_data(self, data):
        if not self.dropping:
            if not any(tag in _VERBATIM for tag in self.open):  # code keeps its digits
                data = localize_numbers(data, self.language)
            self.out.append(str(escape(data)))

    def close(self):
        super().close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")


_VERBATIM = frozenset({"code", "pre", "kbd", "samp"})


def sanitize_html(fragment, language: str = "en") -> Markup:
    """HTML from a notebook output rebuilt from a short allow-list of tags and attributes.

    Scripts, styles, SVG, frames, images, forms, comments, event handlers (``on*``), ``style``
    attributes and links other than http(s)/mailto/relative are removed; text is kept, escaped.
    Tables, lists, headings, emphasis, ``class`` and ``id`` survive, so a pandas table or a
    :mod:`csmlib.report.tables` card looks the same. On a Persian page (``language="fa"``) the
    numbers of the text are written in Persian digits (:func:`csmlib.core.text.localize_numbers`;
    code, identifiers and file names keep theirs).
    """
    parser = _Sanitizer(language)
    parser.feed("" if fragment is None else str(fragment))
    parser.close()
    return Markup("".join(parser.out))


# ---------------------------------------------------------------------------- notebooks to pages


def table_html(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    """A small HTML table of text cells (escaped); a cell that is already HTML is given as
    :class:`Markup` or as ``{"html": ...}`` (built by the project's code)."""
    head = Markup("").join(Markup("<th>{}</th>").format(label) for _, label in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key, "")
            if isinstance(value, dict):
                value = Markup(value["html"])
            elif not isinstance(value, Markup):
                value = str(value)
            cells.append(Markup("<td>{}</td>").format(value))
        body.append(Markup("<tr>{}</tr>").format(Markup("").join(cells)))
    return str(
        Markup('<table class="csm-table"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>').format(head, Markup("").join(body))
    )


def is_finite_number(value) -> bool:
    """A number that is neither missing nor infinite (results files write NaN as null)."""
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
