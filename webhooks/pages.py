"""Server-rendered pages: the simulator and the order board."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)
