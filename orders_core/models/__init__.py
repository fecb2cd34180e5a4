"""The SQLAlchemy models of chatorders, importable from one place."""

from orders_core.models.base import Base, utcnow
from orders_core.models.catalog import Customer, Product
from orders_core.models.checkouts import Checkout, CheckoutStatus
from orders_core.models.messaging import Conversation, Message
from orders_core.models.orders import (
    Fulfillment,
    Order,
    OrderItem,
    Payment,
    Refund,
    TimelineEvent,
)
from orders_core.models.outbox import IdempotencyRecord, OutboxEvent
from orders_core.models.payment_links import (
    PaymentLink,
    ProviderEvent,
    ProviderPayment,
    ProviderRefund,
    TransferProof,
)
from orders_core.models.returns import Return, ReturnLine
from orders_core.models.staff_accounts import StaffAccount, StaffRole
from orders_core.models.tenants import ApiKey, StaffMember, Tenant
from orders_core.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "Base",
    "Checkout",
    "CheckoutStatus",
    "Conversation",
    "Customer",
    "Fulfillment",
    "IdempotencyRecord",
    "Message",
    "Order",
    "OrderItem",
    "OutboxEvent",
    "Payment",
    "PaymentLink",
    "Product",
    "ProviderEvent",
    "ProviderPayment",
    "ProviderRefund",
    "Refund",
    "Return",
    "ReturnLine",
    "StaffAccount",
    "StaffMember",
    "StaffRole",
    "Tenant",
    "TimelineEvent",
    "TransferProof",
    "WebhookDelivery",
    "WebhookEndpoint",
    "utcnow",
]
