"""Making typed text safe: terminal escapes and control characters never pass through; and
a description written in HubSpot's rich-text editor read as the plain text it shows."""

from __future__ import annotations

import html
import re
import unicodedata

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST) and other two-byte ESC sequences.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")


# HubSpot's editor writes a description as HTML: paragraphs, line breaks, lists, tables.
# A tag starts right after "<" (so «a < b y c > d» is text), and holds no other "<".
_BREAK = re.compile(r"<(?:br|/p|/div|/li|li|/h[1-6]|/tr|/ul|/ol|/blockquote)\b[^<>]*>",
                    re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>|<!--.*?-->", re.DOTALL)
_LOOKS_HTML = re.compile(r"</?(?:p|br|div|span|strong|b|i|em|u|ul|ol|li|h[1-6]|a|table|tr|td"
                         r"|blockquote)\b[^<>]*>", re.IGNORECASE)


def plain_text(value: str | None) -> str:
    """A property's text as a person reads it: a rich-text (HTML) description becomes its
    lines, with tags dropped and entities read (`&nbsp;` a space); plain text is kept."""
    text = value or ""
    if not _LOOKS_HTML.search(text):
        return text
    text = _TAG.sub("", _BREAK.sub("\n", text))
    return html.unescape(text).replace("\xa0", " ")


def clean(text: str, *, multiline: bool = False) -> str:
    """NFC text without escape sequences or control characters, trimmed.

    Multi-line fields keep line breaks and tabs; everything else becomes one line.
    """
    text = unicodedata.normalize("NFC", _ANSI.sub("", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for ch in text:
        if ch in "\n\t":
            kept.append(ch if multiline else " ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch != "\u200d":
            continue  # controls, bidi overrides, surrogates, unassigned (ZWJ kept for emoji)
        else:
            kept.append(ch)
    result = "".join(kept)
    if multiline:
        lines = [line.rstrip() for line in result.split("\n")]
        return "\n".join(lines).strip()
    return " ".join(result.split())


# What a terminal or a spreadsheet would act on, shown instead as inert characters: C0
# controls as their Unicode pictures (ESC as ␛, so a hidden sequence is seen, not run), DEL
# as ␡, C1 controls (8-bit CSI, OSC...) and the bidi embeddings, overrides and isolates that
# reorder what is read (Trojan Source) as �.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INERT = {**{c: chr(0x2400 + c) for c in range(0x20)}, 0x7F: "\u2421",
          **{c: "\ufffd" for c in range(0x80, 0xA0)}, **{ord(c): "\ufffd" for c in _BIDI}}
_ONE_LINE = {**_INERT, 0x09: " ", 0x0A: " ", 0x2028: " ", 0x2029: " "}
_LINES = {**_INERT, 0x09: "\t", 0x0A: "\n", 0x2028: "\n", 0x2029: "\n"}
# A cell a spreadsheet would run as a formula begins with one of these (OWASP's rule).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def printable(text: str, *, lines: bool = False) -> str:
    """Text from HubSpot or the agent made safe to print on a terminal, every character of
    it still seen: escape sequences, controls and bidi overrides become inert symbols (see
    `_INERT`). One line unless `lines` (line breaks and tabs kept); linear in the text."""
    return text.translate(_LINES if lines else _ONE_LINE)


def spreadsheet_cell(value: object) -> object:
    """A CSV cell no spreadsheet runs as a formula: text beginning with =, +, -, @, tab,
    CR or NUL gets a leading «'» (OWASP's rule; a phone reads «'+52 55 1234 5678»), while a
    number, negative ones included, is left as it is and stays a number."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    return value if _NUMBER.fullmatch(value) else "'" + value


def shown(text: str, limit: int = 60) -> str:
    """A safe, short rendering of user text for an error message."""
    safe = clean(text)
    return safe if len(safe) <= limit else safe[: limit - 1] + "…"


def fold(text: str) -> str:
    """Upper-case without accents, for matching words typed either way."""
    decomposed = unicodedata.normalize("NFKD", text.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
