"""Finding the delivery zone of an address or a pin, and the settings that hold zones."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from orders_core.delivery_schemas import Location
from orders_core.delivery_zones import DeliveryZone, distance_km, find_zone, zones_by_area
from orders_core.models import Order
from orders_core.presenters import fulfilment_label
from orders_core.tenant_settings import TenantSettings

SHOP = Location(latitude=6.4478, longitude=3.4723)
ZONES = [
    DeliveryZone(name="Lekki", areas=["Lekki", "Ajah"], fee=150_000),
    DeliveryZone(name="Phase 1", areas=["Lekki Phase 1"], fee=50_000),
    DeliveryZone(name="Island", areas=["Victoria Island", "VI", "Ikoyi"], fee=100_000),
    DeliveryZone(name="Near", max_km=2, fee=20_000),
    DeliveryZone(name="Far", max_km=10, fee=90_000),
]


@pytest.mark.parametrize(
    ("address", "zone"),
    [
        ("12 Admiralty Way, Lekki", "Lekki"),
        ("lekki phase 1, by the roundabout", "Phase 1"),  # the longer name wins
        ("Plot 4, Lekky", "Lekki"),  # a typo
        ("Abraham Adesanya, AJAH", "Lekki"),
        ("5 Akin Adesola St, V.I.", "Island"),
        ("Bourdillon Road Ikoyi", "Island"),
        ("Victoria-Island", "Island"),
        ("Via Ajao Estate", None),  # "Via" is not VI, Ajao is not Ajah
        ("20 Ring Road, Ibadan", None),
        ("", None),
    ],
)
def test_an_address_is_in_the_zone_whose_area_it_names(address: str, zone: str | None) -> None:
    found = zones_by_area(ZONES, address)
    assert [z.name for z in found] == ([zone] if zone else [])


def test_a_pin_is_in_the_smallest_band_that_holds_it() -> None:
    near = Location(latitude=6.4520, longitude=3.4801)
    farther = Location(latitude=6.4281, longitude=3.4219)  # Victoria Island, ~6 km
    away = Location(latitude=7.3775, longitude=3.9470)  # Ibadan
    assert find_zone(ZONES, address=None, point=near, shop=SHOP).zone.name == "Near"  # type: ignore[union-attr]
    assert find_zone(ZONES, address=None, point=farther, shop=SHOP).zone.name == "Far"  # type: ignore[union-attr]
    outside = find_zone(ZONES, address="Ibadan", point=away, shop=SHOP)
    assert outside.zone is None and outside.km is not None and 110 < outside.km < 125
    # A pin beyond every band still finds an area its label names.
    labelled = find_zone(ZONES, address="Home, Ajah", point=away, shop=SHOP)
    assert labelled.zone is not None and labelled.zone.name == "Lekki"


def test_haversine_distance_is_symmetric_and_about_right() -> None:
    lagos, nairobi = (
        Location(latitude=6.5244, longitude=3.3792),
        Location(latitude=-1.2921, longitude=36.8219),
    )
    assert distance_km(lagos, nairobi) == pytest.approx(distance_km(nairobi, lagos))
    assert 3800 < distance_km(lagos, nairobi) < 3850
    assert distance_km(SHOP, SHOP) == 0


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"delivery_zones": [{"name": "X"}]}, "needs areas"),
        ({"delivery_zones": [{"name": "X", "areas": ["--"]}]}, "needs letters or digits"),
        ({"delivery_zones": [{"name": "X", "max_km": 0}]}, "greater than 0"),
        ({"delivery_zones": [{"name": "X", "areas": ["A"], "min_order": 1.5}]}, "integer"),
        ({"delivery_zones": [{"name": "X", "areas": ["A"], "price": 1}]}, "Extra inputs"),
        ({"pickup_address": ""}, "at least 1 character"),
    ],
)  # fmt: skip
def test_wrong_zone_settings_say_what_is_wrong(settings: dict[str, object], says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TenantSettings.model_validate(settings)
    assert says in str(caught.value)


def test_settings_without_zones_keep_the_flat_fee() -> None:
    settings = TenantSettings.model_validate({"delivery_fee": 100_000})
    assert (settings.delivery_zones, settings.pickup, settings.location) == ([], False, None)


@pytest.mark.parametrize(
    ("delivery", "label"),
    [
        ({"method": "pickup"}, "Pickup"),
        ({"method": "delivery", "address": "3 Marina", "zone": "Island"}, "Delivery · Island"),
        ({"method": "delivery", "address": "3 Marina"}, "Delivery"),
        ({}, None),
    ],
)
def test_the_fulfilment_label_of_an_order(delivery: dict[str, str], label: str | None) -> None:
    assert fulfilment_label(Order(delivery=delivery)) == label
