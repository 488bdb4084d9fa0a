"""Recorded allergies mapped to WHO ATC drug classes, so prescribing can check a whole class.

A patient who reports "Penicillin" is allergic to every J01C drug (amoxicillin, flucloxacillin...);
"Sulfa" covers the sulfonamides (J01E, co-trimoxazole). Matching is on words, case-insensitively;
an allergy that matches nothing (pollen, peanuts) is still recorded, with no class.
"""

import re

# (words that name the allergen, ATC class it stands for). More specific entries come first.
ALLERGEN_CLASSES: list[tuple[tuple[str, ...], str, str]] = [
    (
        (
            "penicillin",
            "penicillins",
            "amoxicillin",
            "amoxycillin",
            "ampicillin",
            "flucloxacillin",
            "cloxacillin",
            "augmentin",
            "benzathine",
            "phenoxymethylpenicillin",
        ),
        "J01C",
        "Penicillins",
    ),
    (
        ("cephalosporin", "cephalosporins", "cephalexin", "cefalexin", "ceftriaxone", "cefazolin", "cefuroxime"),
        "J01D",
        "Cephalosporins and other beta-lactams",
    ),
    (
        (
            "sulfa",
            "sulpha",
            "sulfonamide",
            "sulphonamide",
            "sulfonamides",
            "sulphonamides",
            "cotrimoxazole",
            "co-trimoxazole",
            "bactrim",
        ),
        "J01E",
        "Sulfonamides and trimethoprim",
    ),
    (("macrolide", "macrolides", "erythromycin", "azithromycin", "clarithromycin"), "J01FA", "Macrolides"),
    (("tetracycline", "tetracyclines", "doxycycline"), "J01AA", "Tetracyclines"),
    (("quinolone", "quinolones", "fluoroquinolone", "ciprofloxacin", "ofloxacin"), "J01M", "Quinolones"),
    (("aspirin", "salicylate", "salicylates"), "N02BA", "Salicylic acid and derivatives"),
    (
        ("nsaid", "nsaids", "ibuprofen", "diclofenac", "naproxen", "indomethacin"),
        "M01A",
        "Anti-inflammatory products, non-steroids",
    ),
    (("codeine", "morphine", "opioid", "opioids", "opiate", "tramadol"), "N02A", "Opioids"),
    (("ace", "enalapril", "captopril", "lisinopril", "perindopril"), "C09A", "ACE inhibitors"),
    (("metronidazole", "nitroimidazole"), "P01AB", "Nitroimidazole derivatives"),
    (("paracetamol", "acetaminophen"), "N02BE", "Anilides"),
    (("carbamazepine",), "N03AF", "Carboxamide derivatives"),
    (("phenytoin",), "N03AB", "Hydantoin derivatives"),
]

_WORD = re.compile(r"[a-z][a-z\-]*")


def atc_class_for(allergen: str) -> str:
    """The ATC class an allergy names, or "" when it names no known drug class."""
    words = set(_WORD.findall(allergen.lower()))
    if "ace" in words and "inhibitor" not in words and "inhibitors" not in words:
        words.discard("ace")
    for names, atc_class, _label in ALLERGEN_CLASSES:
        if words & set(names):
            return atc_class
    return ""


def class_label(atc_class: str) -> str:
    return next((label for _names, code, label in ALLERGEN_CLASSES if code == atc_class), atc_class)
