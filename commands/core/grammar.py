"""A forum's grammar: which form a Swedish participle takes after the forum's name.

Swedish participles agree with their noun: "Regional samverkanskonferens är aktiverad" (en
konferens), "Regionalt inriktande forum är aktiverat" (ett forum), "Tematiska arbetsgrupper är
aktiverade" (plural). A forum's name is a noun phrase whose head noun is its last word
("Regional chefsgrupp"), unless a dash or a preposition adds a complement after it
("Verkställande forum – Ledningscentraler", "Grupp för kommunikation"), or a qualifier
follows it ("Tematisk grupp vatten"). So: cut the name at a dash or preposition, then take
the last word whose ending we know; a name we cannot read takes the common gender, which
most Swedish nouns have.

The catalogue holds the agreeing words (``grammar.<word>.<agreement>``); English has one form.
"""

from __future__ import annotations

import re
from enum import StrEnum

from commands.core.i18n import t
from commands.core.text import fold


class Agreement(StrEnum):
    COMMON = "common"  # en-ord: en konferens, en grupp
    NEUTER = "neuter"  # ett-ord: ett forum, ett råd
    PLURAL = "plural"  # grupper, ledningscentraler


# Endings of head nouns, checked longest first, folded (no accents). Plurals before singulars:
# "arbetsgrupper" ends in "grupper", not in "grupp".
_ENDINGS: dict[str, Agreement] = {
    # plural
    "grupper": Agreement.PLURAL,
    "centraler": Agreement.PLURAL,
    "konferenser": Agreement.PLURAL,
    "staber": Agreement.PLURAL,
    "funktioner": Agreement.PLURAL,
    "raden": Agreement.PLURAL,  # "råden"
    "forumen": Agreement.PLURAL,
    "natverken": Agreement.PLURAL,
    # neuter
    "forum": Agreement.NEUTER,
    "rad": Agreement.NEUTER,  # "råd"
    "natverk": Agreement.NEUTER,
    "team": Agreement.NEUTER,
    "mote": Agreement.NEUTER,  # "möte"
    "kansli": Agreement.NEUTER,
    "sekretariat": Agreement.NEUTER,
    "utskott": Agreement.NEUTER,
    "projekt": Agreement.NEUTER,
    "program": Agreement.NEUTER,
    "centrum": Agreement.NEUTER,
    "center": Agreement.NEUTER,
    "presidium": Agreement.NEUTER,
    # common
    "grupp": Agreement.COMMON,
    "konferens": Agreement.COMMON,
    "central": Agreement.COMMON,
    "stab": Agreement.COMMON,
    "ledning": Agreement.COMMON,
    "beredning": Agreement.COMMON,
    "samordning": Agreement.COMMON,
    "samverkan": Agreement.COMMON,
    "kommitte": Agreement.COMMON,  # "kommitté"
    "funktion": Agreement.COMMON,
    "delegation": Agreement.COMMON,
    "enhet": Agreement.COMMON,
    "styrelse": Agreement.COMMON,
    "cell": Agreement.COMMON,
}
_BY_LENGTH = sorted(_ENDINGS.items(), key=lambda pair: -len(pair[0]))

# Where a complement begins: the head noun stands before it.
_COMPLEMENT = re.compile(
    r"\s[–—-]\s|\s(?:for|om|i|inom|mot|kring|av|pa|med|till|vid)\s", flags=re.IGNORECASE
)


def agreement(name: str) -> Agreement:
    """The agreement a participle takes after the forum called ``name``."""
    head = _COMPLEMENT.split(f" {fold(name)} ", maxsplit=1)[0]
    for word in reversed(head.split()):
        for ending, found in _BY_LENGTH:
            if word.endswith(ending):
                return found
    return Agreement.COMMON


def forum_words(language: str, name: str) -> dict[str, str]:
    """The agreeing words a catalogue text about the forum ``name`` may fill in:
    ``{activated}`` ("aktiverad/aktiverat/aktiverade") and ``{stood_down}``."""
    form = agreement(name).value
    return {
        "activated": t(language, f"grammar.activated.{form}"),
        "stood_down": t(language, f"grammar.stood_down.{form}"),
    }
