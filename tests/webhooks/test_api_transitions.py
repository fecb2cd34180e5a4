"""PATCH /v1/orders/{id} status: every ordered pair of statuses, over HTTP."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from orders_core.db import Database
from tests.conftest import TenantInfo
from tests.orders_core.test_state_machine import LEGAL, PAIRS, new_order, trail
from tests.webhooks.conftest import assert_error


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_transition_through_patch(
    client: FlaskClient, database: Database, tenant: TenantInfo, source: str, target: str
) -> None:
    order_id = new_order(database, tenant, source)
    before = trail(database, tenant, order_id)
    response = client.patch(
        f"/v1/orders/{order_id}", json={"status": target}, headers=tenant.headers
    )
    after = trail(database, tenant, order_id)
    if source == target:
        assert response.status_code == 200, response.json
        assert response.json["status"] == source
        assert after == before
    elif target in LEGAL[source]:
        assert response.status_code == 200, response.json
        assert response.json["status"] == target
        assert after.status == target
        assert after.timeline == before.timeline + 1
        assert len(after.status_events) == len(before.status_events) + 1
        assert after.status_events[-1]["previous_status"] == source
        timeline = client.get(f"/v1/orders/{order_id}/timeline", headers=tenant.headers).json
        assert timeline["data"][-1]["kind"] == "status_changed"
        assert timeline["data"][-1]["metadata"]["to"] == target
    else:
        error = assert_error(response, 409, "illegal_transition", "status")
        assert set(error["details"]["allowed"]) == LEGAL[source]
        assert after == before


def test_order_statuses_lists_the_lifecycle(client: FlaskClient, tenant: TenantInfo) -> None:
    response = client.get("/v1/order_statuses", headers=tenant.headers)
    assert response.status_code == 200
    listed = {s["status"]: s for s in response.json["data"]}
    assert set(listed) == set(LEGAL)
    # In general an order on hold resumes to any status it can be held from.
    general = {**LEGAL, "on_hold": {"pending", "confirmed", "preparing", "cancelled"}}
    for status, allowed in general.items():
        assert set(listed[status]["allowed_transitions"]) == allowed
        assert listed[status]["terminal"] is (not allowed)
        assert listed[status]["description"]


def test_unknown_status_is_a_400_naming_status(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    order_id = new_order(database, tenant, "pending")
    response = client.patch(
        f"/v1/orders/{order_id}", json={"status": "shipped"}, headers=tenant.headers
    )
    assert_error(response, 400, "invalid_request", "status")
    assert trail(database, tenant, order_id).status == "pending"
