"""Option groups in the menu import: the CSV `options` column and the JSON `option_groups`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from orders_core.db import Database
from orders_core.services import catalog
from orders_core.services.options import parse_options_text
from webhooks.cli import main


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """DATABASE_URL pointing at a fresh SQLite file with one tenant (id 1, NGN)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    made = runner.invoke(
        main,
        ["tenant", "create", "--name", "Mama Put", "--currency", "ngn", "--timezone",
         "Africa/Lagos", "--whatsapp", "+234 801 000 0000", "--staff", "+2348000000001"],
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    return url


def _groups(url: str) -> dict[str, list[dict[str, Any]]]:
    database = Database.from_url(url)
    try:
        with database.read() as session:
            return {p.code: p.option_groups for p in catalog.list_products(session, 1)}
    finally:
        database.dispose()


def _import(path: Path) -> Any:
    return CliRunner().invoke(main, ["product", "import", "--tenant", "1", str(path)])


def test_parse_options_text() -> None:
    text = "Size: Small | Large +500; Extras (0-2): Chicken +1,500 | Extra pav +20.50 |Egg"
    assert parse_options_text(text, "NGN") == [
        {"name": "Size", "min": 1, "max": 1,
         "options": [{"name": "Small", "price": 0}, {"name": "Large", "price": 50000}]},
        {"name": "Extras", "min": 0, "max": 2,
         "options": [{"name": "Chicken", "price": 150000}, {"name": "Extra pav", "price": 2050},
                     {"name": "Egg", "price": 0}]},
    ]  # fmt: skip
    assert parse_options_text("", "NGN") == parse_options_text(" ; ", "NGN") == []
    assert parse_options_text("Pack of 6: Box", "KES")[0]["options"] == [
        {"name": "Box", "price": 0}
    ]
    for bad in ("Size Small | Large", "Size: Large +lots", "(1-2): A", "Size: Large +5.555"):
        with pytest.raises(ValueError):
            parse_options_text(bad, "NGN")


def test_csv_import_carries_options(db_url: str, tmp_path: Path) -> None:
    menu = tmp_path / "menu.csv"
    menu.write_text(
        "id,name,price,options\n"
        'prod_jollof,Jollof Rice,3500,"Size: Small | Large +500; Extras (0-2): Chicken +1500 | Egg +200"\n'
        "prod_coke,Coke,500,\n",
        encoding="utf-8",
    )
    result = _import(menu)
    assert result.exit_code == 0, result.output
    groups = _groups(db_url)
    assert groups["prod_jollof"] == [
        {"name": "Size", "min": 1, "max": 1,
         "options": [{"name": "Small", "price": 0}, {"name": "Large", "price": 50000}]},
        {"name": "Extras", "min": 0, "max": 2, "options": [{"name": "Chicken", "price": 150000}, {"name": "Egg", "price": 20000}]},
    ]  # fmt: skip
    assert groups["prod_coke"] == []
    # Imported again without an options column: the groups stay; with an empty cell: gone.
    menu.write_text("id,name,price\nprod_jollof,Jollof Rice,3600\n", encoding="utf-8")
    assert _import(menu).exit_code == 0
    assert len(_groups(db_url)["prod_jollof"]) == 2
    menu.write_text("id,name,price,options\nprod_jollof,Jollof Rice,3600,\n", encoding="utf-8")
    assert _import(menu).exit_code == 0
    assert _groups(db_url)["prod_jollof"] == []


def test_json_import_carries_option_groups(db_url: str, tmp_path: Path) -> None:
    size = {"name": "Size", "min": 1, "max": 1,
            "options": [{"name": "Small", "price": 0}, {"name": "Large", "price": 50000}]}  # fmt: skip
    menu = tmp_path / "menu.json"
    menu.write_text(json.dumps([{"name": "Jollof", "unit_price": 350000, "option_groups": [size]}]))
    assert _import(menu).exit_code == 0
    assert _groups(db_url) == {"prod_jollof": [size]}


@pytest.mark.parametrize(
    "cell",
    [
        '"Size Small | Large"',  # no colon
        '"Size: Small | Large +free"',  # not an amount
        '"Size (2-1): Small | Large"',  # min above max
        '"Size (0-3): Small | Large"',  # max above the number of options
        '"Size: Small | small"',  # the same option twice
    ],
)
def test_a_bad_options_cell_fails_the_whole_import(db_url: str, tmp_path: Path, cell: str) -> None:
    menu = tmp_path / "menu.csv"
    menu.write_text(
        f"id,name,price,options\nprod_tea,Tea,300,\nprod_jollof,Jollof,3500,{cell}\n",
        encoding="utf-8",
    )
    result = _import(menu)
    assert result.exit_code == 2, result.output
    assert _groups(db_url) == {}
