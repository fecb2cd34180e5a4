"""Delivery zones through the API: the settings that hold them (validated with clear errors),
and POST /v1/orders naming a zone or letting the server find it; pickup has no fee."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.bot.zone_shops import LAGOS
from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder, assert_error, order_body

# order_body(): 2 jollof (₦3,500) and a chapman (₦1,500) = ₦8,500


@pytest.fixture
def zoned(client: FlaskClient, tenant: TenantInfo) -> TenantInfo:
    """The demo business with Lagos zones, set through PATCH /v1/settings."""
    response = client.patch("/v1/settings", json={"settings": LAGOS}, headers=tenant.headers)
    assert response.status_code == 200, response.json
    return tenant


def post(client: FlaskClient, tenant: TenantInfo, **overrides: Any) -> Any:
    return client.post("/v1/orders", json=order_body(**overrides), headers=tenant.headers)


def test_zones_are_settings_read_back_as_given(client: FlaskClient, zoned: TenantInfo) -> None:
    settings = client.get("/v1/settings", headers=zoned.headers).json["settings"]
    assert settings["pickup"] is True
    assert settings["pickup_address"] == "14 Admiralty Way, Lekki Phase 1"
    assert settings["location"] == {"latitude": 6.4478, "longitude": 3.4723}
    assert [z["name"] for z in settings["delivery_zones"]] == [
        "Lekki", "Island", "Mainland", "Next door",
    ]  # fmt: skip
    assert settings["delivery_zones"][0] == {
        "name": "Lekki", "areas": ["Lekki", "Lekki Phase 1", "Ajah", "VGC"], "max_km": None,
        "fee": 150_000, "min_order": 500_000,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "param", "says"),
    [
        ({"delivery_zones": [{"name": "Lekki", "fee": 1000}]}, "settings.delivery_zones.0",
         "needs areas"),
        ({"delivery_zones": [{"name": "Near", "max_km": 3}]}, "settings",
         "set location"),
        ({"delivery_zones": [{"name": "A", "areas": ["Yaba"]}, {"name": "a", "areas": ["Ikeja"]}]},
         "settings", "two zones are named"),
        ({"delivery_zones": [{"name": "A", "areas": ["Yaba"]}, {"name": "B", "areas": ["yaba"]}]},
         "settings", "'yaba' is in both 'A' and 'B'"),
        ({"delivery_zones": [{"name": "A", "areas": ["Yaba"], "fee": -5}]},
         "settings.delivery_zones.0.fee", "greater than or equal to 0"),
        ({"delivery_zones": [{"name": "A", "areas": ["Yaba"], "fee": "1500"}]},
         "settings.delivery_zones.0.fee", "integer"),
        ({"location": {"latitude": 96, "longitude": 3}}, "settings.location.latitude",
         "less than or equal to 90"),
        ({"pickup": "yes"}, "settings.pickup", "boolean"),
    ],
)  # fmt: skip
def test_bad_zone_settings_are_refused_with_the_field_and_the_reason(
    client: FlaskClient, tenant: TenantInfo, changes: dict[str, Any], param: str, says: str
) -> None:
    response = client.patch("/v1/settings", json={"settings": changes}, headers=tenant.headers)
    error = assert_error(response, 400, "invalid_request", param)
    assert says in error["message"]
    kept = client.get("/v1/settings", headers=tenant.headers).json["settings"]
    assert kept["delivery_zones"] == [] and kept["location"] is None


def test_the_server_finds_the_zone_from_the_address_and_charges_it(
    client: FlaskClient, zoned: TenantInfo
) -> None:
    response = post(client, zoned, delivery={"address": "12 Admiralty Way, Lekki Phase 1"})
    assert response.status_code == 201, response.json
    order = response.json
    assert (order["delivery_fee"], order["total"]) == (150_000, 1_000_000)
    assert order["delivery"]["zone"] == "Lekki" and order["delivery"]["method"] == "delivery"


def test_a_structured_area_or_the_customer_address_finds_the_zone(
    place: PlaceOrder, zoned: TenantInfo
) -> None:
    structured = place(delivery={"address": {"line1": "2 Akin Adesola St", "area": "V.I."}})
    assert (structured["delivery"]["zone"], structured["delivery_fee"]) == ("Island", 100_000)
    customer = place(customer={"phone": "+2348012345678", "address": "4 Bourdillon, Ikoyi"})
    assert (customer["delivery"]["zone"], customer["delivery_fee"]) == ("Island", 100_000)


def test_a_pin_is_zoned_by_its_distance_from_the_shop(place: PlaceOrder, zoned: TenantInfo) -> None:
    order = place(delivery={"location": {"latitude": 6.4520, "longitude": 3.4801}})
    assert (order["delivery"]["zone"], order["delivery_fee"]) == ("Next door", 30_000)


def test_a_named_zone_is_used_in_any_case_and_an_unknown_one_is_refused(
    client: FlaskClient, place: PlaceOrder, zoned: TenantInfo
) -> None:
    order = place(delivery={"address": "Plot 5, somewhere new", "zone": "island"})
    assert (order["delivery"]["zone"], order["delivery_fee"]) == ("Island", 100_000)

    refused = post(client, zoned, delivery={"address": "Plot 5", "zone": "Ibadan"})
    error = assert_error(refused, 422, "validation_error", "delivery.zone")
    assert error["details"]["zones"] == ["Lekki", "Island", "Mainland", "Next door"]


def test_an_address_in_no_zone_needs_a_zone_or_a_fee(
    client: FlaskClient, place: PlaceOrder, zoned: TenantInfo
) -> None:
    refused = post(client, zoned, delivery={"address": "20 Ring Road, Ibadan"})
    error = assert_error(refused, 422, "validation_error", "delivery.zone")
    assert "No delivery zone covers this address" in error["message"]

    priced = place(delivery={"address": "20 Ring Road, Ibadan"}, delivery_fee=500_000)
    assert priced["delivery_fee"] == 500_000 and "zone" not in priced["delivery"]


def test_a_fee_given_is_kept_and_the_zone_still_recorded(
    place: PlaceOrder, zoned: TenantInfo
) -> None:
    order = place(delivery={"address": "3 Herbert Macaulay Way, Yaba"}, delivery_fee=0)
    assert (order["delivery_fee"], order["delivery"]["zone"]) == (0, "Mainland")


def test_below_the_zone_minimum_says_how_much_more(client: FlaskClient, zoned: TenantInfo) -> None:
    refused = post(client, zoned, delivery={"address": "3 Herbert Macaulay Way, Yaba"})
    error = assert_error(refused, 422, "validation_error", "items")
    assert "at least ₦10,000 (₦1,500 more)" in error["message"]
    assert error["details"] == {"zone": "Mainland", "min_order": 1_000_000}


def test_a_pickup_order_has_no_fee_and_no_zone(
    client: FlaskClient, place: PlaceOrder, zoned: TenantInfo
) -> None:
    order = place(delivery={"method": "pickup"})
    assert (order["delivery_fee"], order["total"], order["delivery"]) == (
        0, 850_000, {"method": "pickup"},
    )  # fmt: skip
    with_fee = post(client, zoned, delivery={"method": "pickup"}, delivery_fee=100)
    assert_error(with_fee, 422, "validation_error", "delivery_fee")
    with_zone = post(client, zoned, delivery={"method": "pickup", "zone": "Lekki"})
    assert_error(with_zone, 422, "validation_error", "delivery.zone")


def test_without_zones_the_flat_fee_stays_and_a_zone_cannot_be_named(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(delivery={"address": "12 Admiralty Way, Lekki"}, delivery_fee=100_000)
    assert order["delivery_fee"] == 100_000 and "zone" not in order["delivery"]
    refused = post(client, tenant, delivery={"address": "12 Admiralty Way", "zone": "Lekki"})
    assert_error(refused, 422, "validation_error", "delivery.zone")
