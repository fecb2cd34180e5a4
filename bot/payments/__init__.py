"""Payment providers for the chat: one adapter interface, four adapters (local, Paystack,
Razorpay, M-Pesa Daraja), and the jobs and wording that ask customers to pay.

HTTP clients live here, not in orders_core: orders_core keeps the links, the events and the
reconciliation (orders_core.services.reconciliation), and never performs I/O.
"""
