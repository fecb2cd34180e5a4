"""WhatsApp's text formatting (*bold*, _italic_, ~strike~, ```mono```, lists) and web
addresses as links, as safe HTML."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_INLINE = (
    (re.compile(r"```(.+?)```", re.S), r"<code>\1</code>"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])"), r"<em>\1</em>"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])"), r"<s>\1</s>"),
)
_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_QUOTE = re.compile(r"^&gt;\s?(.*)$")


# A web address in already-escaped text: it ends at a space, a tag or an escaped quote
# (only &amp; may be inside), and trailing punctuation is the sentence's, not the link's.
_URL = re.compile(r"(https?://(?:[^\s<>&`]|&amp;)+)")
_TRAILING = ".,;:!?)*_~"


def _link(url: str) -> str:
    """An escaped web address as a link that opens in a new tab, plus its trailing punctuation."""
    kept = url.rstrip(_TRAILING)
    tail = url[len(kept) :]
    return f'<a href="{kept}" target="_blank" rel="noopener noreferrer">{kept}</a>{tail}'


def _inline(text: str) -> str:
    """Links and the inline marks; addresses are left as they are (an _ in one is not italic)."""
    parts = _URL.split(text)
    for i in range(0, len(parts), 2):
        for pattern, replacement in _INLINE:
            parts[i] = pattern.sub(replacement, parts[i])
    for i in range(1, len(parts), 2):
        parts[i] = _link(parts[i])
    return "".join(parts)


def whatsapp_html(text: str | None) -> Markup:
    """HTML showing `text` as WhatsApp would; every character of `text` is escaped first."""
    blocks: list[str] = []
    bullets: list[str] = []
    numbered: list[str] = []

    def close_lists() -> None:
        if bullets:
            blocks.append("<ul>" + "".join(f"<li>{b}</li>" for b in bullets) + "</ul>")
            bullets.clear()
        if numbered:
            blocks.append("<ol>" + "".join(numbered) + "</ol>")
            numbered.clear()

    for raw_line in str(escape(text or "")).split("\n"):
        bullet, number = _BULLET.match(raw_line), _NUMBERED.match(raw_line)
        if bullet:
            if numbered:
                close_lists()
            bullets.append(_inline(bullet.group(1)))
            continue
        if number:
            if bullets:
                close_lists()
            numbered.append(f'<li value="{number.group(1)}">{_inline(number.group(2))}</li>')
            continue
        close_lists()
        quote = _QUOTE.match(raw_line)
        line = f"<q>{_inline(quote.group(1))}</q>" if quote else _inline(raw_line)
        blocks.append(line + "<br>")
    close_lists()
    html = "".join(blocks)
    return Markup(html.removesuffix("<br>"))
