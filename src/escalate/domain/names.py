"""Is the contact found the client named? Names compared as people type them."""

from __future__ import annotations

from .text import clean, fold

# A token pair this similar (0-100) is the same word typed with a small slip.
SAME_WORD = 80


def words(name: str) -> list[str]:
    """The name's words, upper-case without accents or punctuation."""
    folded = fold(clean(name))
    for mark in ".'’-":
        folded = folded.replace(mark, " ")
    return [w for w in folded.split() if w]


def same_person(typed: str, first: str, last: str) -> bool:
    """Whether `typed` names the contact `first last`.

    Tolerates accents, case, word order, one missing surname (either side may have
    one word more) and a small typo per word.
    """
    said = words(typed)
    held = words(f"{first} {last}")
    if not said or not held:
        return False
    if sorted(said) == sorted(held):  # the usual case, without loading rapidfuzz
        return True
    from rapidfuzz.fuzz import ratio

    shorter, longer = (said, held) if len(said) <= len(held) else (held, said)
    if len(longer) - len(shorter) > 1 or (len(shorter) == 1 and len(longer) > 1):
        return False
    free = list(longer)
    for word in shorter:
        best = max(free, key=lambda w: ratio(word, w))
        if ratio(word, best) < SAME_WORD:
            return False
        free.remove(best)
    return True
