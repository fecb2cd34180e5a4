"""Delivery zones: named areas and distance bands with their fee and minimum order, and
finding the zone of an address (by area name, forgiving typos) or of a map pin (by distance
from the shop)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from rapidfuzz import fuzz

from orders_core.delivery_schemas import Location
from orders_core.fields import MAX_AMOUNT

EARTH_RADIUS_KM = 6371.0088
# An area name this much like some words of the address is that area ("Lekky" is Lekki).
FUZZY_SCORE = 80
# Names this short ("VI", "GRA") only match exactly: one letter off is another place.
EXACT_ONLY_LENGTH = 3
_WORD = re.compile(r"[^\W_]+")
_ABBREVIATION_DOT = re.compile(r"(?<=\b\w)\.(?=\w\b)")  # "V.I." is "VI"

AreaName = Annotated[str, Field(min_length=1, max_length=80)]


class DeliveryZone(BaseModel):
    """Where a business delivers for one fee: named `areas` (the names and spellings
    customers write), and/or everything within `max_km` of the shop's `location`.
    `fee` and `min_order` are in the currency's minor unit, like every amount."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=60)
    areas: list[AreaName] = Field(default_factory=list, max_length=50)
    max_km: float | None = Field(default=None, gt=0, le=500)
    fee: int = Field(default=0, ge=0, le=MAX_AMOUNT)
    min_order: int = Field(default=0, ge=0, le=MAX_AMOUNT)

    @model_validator(mode="after")
    def _somewhere(self) -> DeliveryZone:
        if not self.areas and self.max_km is None:
            raise ValueError(
                f"zone {self.name!r} needs areas (the area names customers write) "
                "or max_km (a distance from the shop's location)"
            )
        if not any(_words(area) for area in self.areas) and self.areas:
            raise ValueError(f"zone {self.name!r}: an area name needs letters or digits")
        return self


def check_zones(zones: Sequence[DeliveryZone], location: Location | None) -> None:
    """ValueError naming the first problem: two zones of one name, an area in two zones,
    a distance band without the shop's location to measure from."""
    names: dict[str, str] = {}
    areas: dict[tuple[str, ...], str] = {}
    for zone in zones:
        key = zone.name.casefold()
        if key in names:
            raise ValueError(f"delivery_zones: two zones are named {zone.name!r}")
        names[key] = zone.name
        for area in zone.areas:
            owner = areas.setdefault(_words(area), zone.name)
            if owner != zone.name:
                raise ValueError(
                    f"delivery_zones: area {area!r} is in both {owner!r} and {zone.name!r}"
                )
        if zone.max_km is not None and location is None:
            raise ValueError(
                f"delivery_zones: zone {zone.name!r} has max_km; set location (the shop's "
                "latitude and longitude) to measure the distance from"
            )


@dataclass(frozen=True)
class ZoneFound:
    """The zones an address could be in: one (found), several (ask which), or none.
    `km` is the distance of a pin from the shop, when measured."""

    zones: tuple[DeliveryZone, ...]
    km: float | None = None

    @property
    def zone(self) -> DeliveryZone | None:
        """The one zone, if exactly one was found."""
        return self.zones[0] if len(self.zones) == 1 else None


def zone_named(zones: Sequence[DeliveryZone], name: str) -> DeliveryZone | None:
    """The zone called `name` (any case), if there is one."""
    wanted = name.strip().casefold()
    return next((zone for zone in zones if zone.name.casefold() == wanted), None)


def find_zone(
    zones: Sequence[DeliveryZone],
    *,
    address: str | None,
    point: Location | None = None,
    shop: Location | None = None,
) -> ZoneFound:
    """The zone of a delivery: a pin within a distance band (the smallest that holds it),
    else the zone whose area the address names (the longest, best-spelled name wins)."""
    km = None
    if point is not None and shop is not None:
        km = distance_km(shop, point)
        bands = sorted((z for z in zones if z.max_km is not None), key=lambda z: z.max_km or 0)
        inside = next((z for z in bands if km <= (z.max_km or 0)), None)
        if inside is not None:
            return ZoneFound((inside,), km)
    if address:
        return ZoneFound(zones_by_area(zones, address), km)
    return ZoneFound((), km)


def zones_by_area(zones: Sequence[DeliveryZone], text: str) -> tuple[DeliveryZone, ...]:
    """The zones whose area names `text` mentions best: one, none, or a tie."""
    said = _words(text)
    best: tuple[int, int] = (0, 0)
    found: list[DeliveryZone] = []
    for zone in zones:
        for area in zone.areas:
            name = _words(area)
            score = _mention(name, said)
            if score < FUZZY_SCORE:
                continue
            key = (score, len(name))
            if key > best:
                best, found = key, [zone]
            elif key == best and zone not in found:
                found.append(zone)
    return tuple(found)


def _mention(name: tuple[str, ...], said: tuple[str, ...]) -> int:
    """How well some consecutive words of `said` spell the area `name` (0-100)."""
    if not name or not said:
        return 0
    size = len(name)
    windows = [said[i : i + size] for i in range(len(said) - size + 1)]
    if name in windows:
        return 100
    joined = " ".join(name)
    if len(joined) <= EXACT_ONLY_LENGTH:
        return 0
    spans = windows + [said[i : i + size + 1] for i in range(len(said) - size)]
    return int(max((fuzz.ratio(joined, " ".join(w)) for w in spans), default=0))


def distance_km(a: Location, b: Location) -> float:
    """The great-circle distance between two points, in kilometres (haversine)."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlng = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def area_names(zones: Sequence[DeliveryZone]) -> list[str]:
    """Every area served, each once, as the business wrote them (for "we deliver to ...")."""
    seen: dict[tuple[str, ...], str] = {}
    for zone in zones:
        for area in zone.areas:
            seen.setdefault(_words(area), area)
    return list(seen.values())


def farthest_km(zones: Sequence[DeliveryZone]) -> float | None:
    """How far the distance bands reach, if there are any."""
    return max((z.max_km for z in zones if z.max_km is not None), default=None)


def _words(text: str) -> tuple[str, ...]:
    bare = "".join(
        c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c) != "Mn"
    )
    return tuple(_WORD.findall(_ABBREVIATION_DOT.sub("", bare.casefold())))
