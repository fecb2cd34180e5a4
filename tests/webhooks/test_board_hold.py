"""Orders on hold and part-paid orders on the dashboard's board."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder
from tests.webhooks.test_pages import sign_in


def test_an_order_on_hold_has_its_column_and_a_resume_button(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    held = place(status="confirmed")
    client.post(f"/v1/orders/{held['id']}/hold", json={"reason": "no gas"}, headers=tenant.headers)
    part = place(payment={"amount": 1000}, channel="pos", customer={})
    token = sign_in(client, tenant.key)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "On hold" in page and "Resume" in page and "Part paid" in page
    for figure in ("today-net", "today-cancelled", "today-active"):  # as the stats give them
        assert f'data-testid="{figure}"' in page
    assert "Shop hours" in page
    resumed = client.post(
        f"/dashboard/orders/{held['id']}/status",
        data={"status": "confirmed", "csrf_token": token},
    )
    assert resumed.status_code in (302, 303)
    after = client.get(f"/v1/orders/{held['id']}", headers=tenant.headers).json
    assert (after["status"], after["held_from"]) == ("confirmed", None)
    assert client.get(f"/v1/orders/{part['id']}", headers=tenant.headers).json["channel"] == "pos"
