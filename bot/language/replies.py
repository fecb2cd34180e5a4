"""Reply templates per language: the `[replies]` table of each pack, English the fallback."""

from __future__ import annotations

from bot.language.lexicon import BASE, pack_data


def say(lang: str, key: str, **values: object) -> str:
    """The `key` template in `lang` (English when that pack lacks it), filled with `values`."""
    try:
        template = pack_data(lang).get("replies", {}).get(key)
    except KeyError:
        template = None
    if template is None:
        template = pack_data(BASE)["replies"][key]
    return str(template).format(**values)
