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


def spelled_alike(typed: str, first: str, last: str) -> bool:
    """Whether every word typed is one of the contact's, as is (accents and case aside):
    a missing surname is fine, a slip in a word is not (`Ana Lopes` for `Ana López`)."""
    held = words(f"{first} {last}")
    return bool(held) and all(word in held for word in words(typed))


def closest(typed: str, names: list[tuple[str, str]]) -> int | None:
    """Which of the contacts' (first, last) names is the client typed: the first that is
    the same person, else the most alike; None when there are none."""
    if not names:
        return None
    for index, (first, last) in enumerate(names):
        if same_person(typed, first, last):
            return index
    from rapidfuzz.fuzz import token_sort_ratio

    said = " ".join(words(typed))
    return max(range(len(names)),
               key=lambda i: (token_sort_ratio(said, " ".join(words(" ".join(names[i])))), -i))
