"""The formulary shipped with the application: common Primary Health Care medicines from South
Africa's Essential Medicines List, with WHO ATC codes (clinical/data/formulary.csv)."""

import csv
from pathlib import Path

FORMULARY_CSV = Path(__file__).resolve().parent / "data" / "formulary.csv"


def formulary_rows() -> list[dict]:
    with FORMULARY_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_formulary(medicine_model) -> int:
    """Add the shipped entries that are missing (by name, strength and form); returns how many."""
    existing = set(medicine_model.objects.values_list("name", "strength", "form"))
    new = [
        medicine_model(**row) for row in formulary_rows() if (row["name"], row["strength"], row["form"]) not in existing
    ]
    medicine_model.objects.bulk_create(new)
    return len(new)


def link_to_stock_items(medicine_model, item_model) -> int:
    """Link unlinked formulary entries to the stock item named "<name> <strength> ..." (e.g.
    "Amlodipine 5 mg tablet"); returns how many were linked."""
    linked = 0
    for medicine in medicine_model.objects.filter(inventory_item__isnull=True):
        item = item_model.objects.filter(name__istartswith=f"{medicine.name} {medicine.strength}").first()
        if item is not None:
            medicine.inventory_item = item
            medicine.save(update_fields=["inventory_item"])
            linked += 1
    return linked
