"""What staff are told after REPLY, BOT ON and a ready time (see bot.takeover, bot.eta)."""

from __future__ import annotations

from orders_core.models import Order


def staff_replied(phone: str, ref: str, minutes: int) -> str:
    """Confirmation of a staff reply: the chat is theirs now."""
    return (
        f"Sent to {phone}. The bot stays quiet in that chat for {minutes} minutes "
        f"(each reply restarts the time); their messages come to you. "
        f"*BOT ON {ref}* hands it back now."
    )


def staff_eta(order: Order, minutes: int) -> str:
    """Confirmation of a ready time given to the customer."""
    return f"⏱ Ready in about {minutes} min: the customer of #{order.number} is told."


def staff_handed_back(phone: str, handed: bool) -> str:
    """Confirmation of BOT ON."""
    if handed:
        return f"The bot answers {phone} again."
    return f"The bot is already answering {phone}."


def staff_reply_usage() -> str:
    """How to write REPLY / BOT ON when staff got it wrong."""
    return (
        "Say *REPLY 1042 your message* (the order number, or the customer's number "
        "like +2348012345678), and *BOT ON 1042* to hand the chat back to the bot."
    )
