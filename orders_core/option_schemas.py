"""A product's option groups (sizes, extras) and the options chosen on an order line.

A group is a choice among priced options with at least `min` and at most `max` of them
picked: min=1, max=1 is a required single choice (Size: Small / Large), min=0 optional
extras. Option names are unique within the whole product (case aside), so an order line
names its options by name alone. Only orders_core.fields is imported, so orders_core.schemas
may use these types.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, Strict, model_validator

from orders_core.fields import Amount, Input, Output

MAX_GROUPS = 10
MAX_OPTIONS = 30
OptionName = Annotated[str, Field(min_length=1, max_length=100)]
Count = Annotated[int, Strict(), Field(ge=0, le=MAX_OPTIONS)]


class OptionIn(Input):
    """One choice of a group and what it adds to the unit price (minor units, 0 or more)."""

    name: OptionName
    price: Amount = 0


class OptionGroupIn(Input):
    """A group of options with how many of them a line picks (min..max)."""

    name: OptionName
    min: Count = 0
    max: Count = 1
    options: Annotated[list[OptionIn], Field(min_length=1, max_length=MAX_OPTIONS)]

    @model_validator(mode="after")
    def _coherent(self) -> OptionGroupIn:
        if self.max < 1 or self.min > self.max:
            raise ValueError(f"{self.name}: give 0 <= min <= max and max >= 1")
        if self.max > len(self.options):
            raise ValueError(f"{self.name}: max is larger than the number of options")
        return self


def _unique_names(groups: list[OptionGroupIn]) -> list[OptionGroupIn]:
    """Group names unique, and option names unique across the product (case aside)."""
    seen_groups: set[str] = set()
    seen_options: set[str] = set()
    for group in groups:
        if group.name.casefold() in seen_groups:
            raise ValueError(f"two option groups are named {group.name}")
        seen_groups.add(group.name.casefold())
        for option in group.options:
            if option.name.casefold() in seen_options:
                raise ValueError(f"two options are named {option.name} (names are per product)")
            seen_options.add(option.name.casefold())
    return groups


OptionGroups = Annotated[
    list[OptionGroupIn], Field(max_length=MAX_GROUPS), AfterValidator(_unique_names)
]
# An order line's choices, by option name.
ChosenOptions = Annotated[list[OptionName], Field(max_length=MAX_OPTIONS)]


class OptionOut(Output):
    """One option of a product's group."""

    name: str
    price: int


class OptionGroupOut(Output):
    """One option group of a product."""

    name: str
    min: int
    max: int
    options: list[OptionOut]


class LineOptionOut(Output):
    """An option chosen on an order line, priced when the order was placed."""

    group: str
    name: str
    price: int
