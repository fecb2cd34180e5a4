"""The language each customer chats in, as their conversation learnt it (`data["lang"]`),
read for many customers of a business at once."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.language.lexicon import BASE
from orders_core.models import Conversation


def conversation_language(data: Mapping[str, Any] | None) -> str:
    """The language a conversation's data says the customer chats in; English until the
    chat learns otherwise."""
    return str((data or {}).get("lang") or BASE)


def chat_languages(session: Session, tenant_id: int, phones: Collection[str]) -> dict[str, str]:
    """The language of each of `phones` that has a conversation with the business, in one
    query (none when `phones` is empty); a phone left out chats in English."""
    if not phones:
        return {}
    rows = session.execute(
        select(Conversation.phone, Conversation.data).where(
            Conversation.tenant_id == tenant_id, Conversation.phone.in_(set(phones))
        )
    )
    return {phone: conversation_language(data) for phone, data in rows}
