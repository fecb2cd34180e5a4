"""Returns as the API shows them, and what each order line can still send back.

No session and no writes here, so the order presenters may embed returns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from orders_core.domain import OrderStatus
from orders_core.models import Order, Return
from orders_core.return_schemas import ReturnLineOut, ReturnOut, ReturnReason, ReturnStatus

# Units in these returns are out of the customer's hands (or on their way back).
_HOLDING = frozenset({ReturnStatus.REQUESTED, ReturnStatus.RECEIVED, ReturnStatus.REFUNDED})


def return_out(ret: Return, order: Order) -> ReturnOut:
    """The API view of a return of `order` (its lines named from the order's items)."""
    names = {item.id: item.name for item in order.items}
    return ReturnOut(
        id=ret.public_id,
        order_id=order.public_id,
        status=ReturnStatus(ret.status),
        reason=ReturnReason(ret.reason),
        note=ret.note,
        items=[
            ReturnLineOut(
                item_id=f"item_{line.order_item_id}",
                name=names[line.order_item_id],
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
            )
            for line in ret.lines
        ],
        amount=ret.amount,
        refunded_amount=ret.refunded_amount,
        currency=order.currency,
        refund_id=f"re_{ret.refund_id}" if ret.refund_id else None,
        rejection_note=ret.rejection_note,
        created_at=ret.created_at,
        updated_at=ret.updated_at,
        received_at=ret.received_at,
        refunded_at=ret.refunded_at,
        rejected_at=ret.rejected_at,
    )


def returnable_quantities(order: Order, returns: Iterable[Return]) -> dict[int, int]:
    """Units of each line (by OrderItem.id) the customer may still return, given all the
    order's `returns`:

        min(handed over, not refunded outside returns) - units in open or refunded returns

    "Handed over" is every unit of a delivered order, else the fulfilled units; a rejected
    return gives its units back.
    """
    held: dict[int, int] = defaultdict(int)  # in requested, received or refunded returns
    refunded_back: dict[int, int] = defaultdict(int)  # refunded through a return
    for ret in returns:
        for line in ret.lines:
            if ret.status in _HOLDING:
                held[line.order_item_id] += line.quantity
            if ret.status == ReturnStatus.REFUNDED and ret.refund_id is not None:
                refunded_back[line.order_item_id] += line.quantity
    delivered = order.status == OrderStatus.DELIVERED
    left = {}
    for item in order.items:
        handed_over = item.quantity if delivered else item.fulfilled_quantity
        kept = item.quantity - (item.refunded_quantity - refunded_back[item.id])
        left[item.id] = max(min(handed_over, kept) - held[item.id], 0)
    return left
