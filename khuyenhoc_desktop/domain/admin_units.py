"""The official 2025 catalogue of provinces and communes (34 provinces, 3.321 communes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import vietnam_provinces

from khuyenhoc_desktop.domain.text import collation_key


@dataclass(frozen=True)
class Unit:
    code: int
    name: str
    kind: str


@lru_cache(maxsize=1)
def _catalogue() -> tuple[list[Unit], dict[int, list[Unit]]]:
    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as fh:
        data = json.load(fh)
    provinces = [Unit(p["code"], p["name"], p["division_type"]) for p in data]
    communes = {
        p["code"]: sorted(
            (Unit(w["code"], w["name"], w["division_type"]) for w in p["wards"]),
            key=lambda u: collation_key(u.name),
        )
        for p in data
    }
    return sorted(provinces, key=lambda u: collation_key(u.name)), communes


def provinces() -> list[Unit]:
    return list(_catalogue()[0])


def communes(province_code: int) -> list[Unit]:
    return list(_catalogue()[1].get(province_code, []))


def province(code: int) -> Unit | None:
    return next((p for p in _catalogue()[0] if p.code == code), None)


def commune(province_code: int, code: int) -> Unit | None:
    return next((c for c in communes(province_code) if c.code == code), None)


def find_commune(code: int) -> tuple[Unit, Unit] | None:
    """(province, commune) of an official commune code, whatever its province."""
    for prov in _catalogue()[0]:
        found = commune(prov.code, code)
        if found is not None:
            return prov, found
    return None


_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu ")


def in_sentence(unit_name: str, kind_if_missing: str = "tỉnh") -> str:
    """How a unit is written inside a sentence: 'Xã Tân Lập' → 'xã Tân Lập',
    'Nghệ An' → 'tỉnh Nghệ An' (the catalogue gives most provinces without their kind)."""
    if unit_name.startswith(_PREFIXES):
        return unit_name[0].lower() + unit_name[1:]
    return f"{kind_if_missing} {unit_name}" if unit_name else ""


def short_name(unit_name: str) -> str:
    """'Xã Tân Lập' → 'Tân Lập' (for the place-date line and titles)."""
    for prefix in _PREFIXES:
        if unit_name.startswith(prefix):
            return unit_name[len(prefix):]
    return unit_name
