"""Paths as terminals and file managers paste them, into the attachments question and as
`--adjunto` / `attach` arguments.

What each one pastes (a file dragged onto the window, or copied and pasted):
- cmd.exe and Windows Terminal: `"C:\\Users\\ana\\Escritorio\\captura 1.png"` (quoted only
  when the path has a space); PowerShell: `& 'C:\\...\\captura 1.png'` (single quotes, `''`
  for a quote inside);
- macOS Terminal and iTerm2: `/Users/ana/Desktop/captura\\ 1.png` (a backslash before each
  space or special character);
- Linux terminals: `'/home/ana/captura 1.png'`; file managers' copy: `file:///home/ana/
  captura%201.png`, one URI per line; a browser or Explorer's address bar: `file:///C:/...`.

On Windows a backslash is a path separator, never an escape. A path with spaces typed or
pasted without quotes is taken whole when the whole names a file and its pieces do not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..system import Platform

if TYPE_CHECKING:
    from pathlib import Path

SPACES = " \t\r\n"  # ASCII only: macOS puts U+202F inside its screenshots' names
_QUOTES = "'\""


class Unclosed(ValueError):
    """A quote opened and never closed."""


def file_in(folder: Path) -> Callable[[str], bool]:
    """Whether a path, relative ones read from `folder` (the command's), names a file."""
    from pathlib import Path

    def exists(path: str) -> bool:
        try:
            return (folder / Path(path).expanduser()).is_file()
        except (OSError, ValueError):  # a name the OS refuses (NUL, too long)
            return False

    return exists


def split(text: str, exists: Callable[[str], bool], platform: Platform) -> list[str]:
    """The paths in one pasted answer, each as the file system names it."""
    text = text.strip(SPACES)
    if text.startswith("& ") and text[2:].lstrip()[:1] in _QUOTES:
        text = text[2:].lstrip()  # PowerShell's call operator before a dragged path
    words = _words(text, platform.windows)
    return [from_uri(w, platform) for w in _joined(words, text, exists)]


def arguments(values: list[str], exists: Callable[[str], bool],
              platform: Platform) -> list[str]:
    """Paths given as command-line arguments (the shell already removed the quotes): a
    file URI becomes its path, and an unquoted path with spaces that the shell split into
    pieces is put back together when the whole names a file."""
    paths: list[str] = []
    i = 0
    while i < len(values):
        end = i + _longest([" ".join(values[i:j]) for j in range(i + 1, len(values) + 1)],
                           exists)
        paths.append(from_uri(" ".join(values[i:end]), platform))
        i = end
    return paths


def from_uri(word: str, platform: Platform) -> str:
    """`file:///C:/a%20b.png` → `C:\\a b.png` on Windows; `file:///home/a%20b.png` →
    `/home/a b.png`; `file://server/share/x` → `\\\\server\\share\\x` on Windows. Anything
    else as it is."""
    if not word.lower().startswith("file:"):
        return word
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(word)
    path = unquote(parts.path)
    host = parts.netloc if parts.netloc.lower() not in ("", "localhost") else ""
    if not platform.windows:
        return path
    if re.match(r"^/[A-Za-z]:", path):
        path = path[1:]
    path = path.replace("/", "\\")
    return f"\\\\{host}{path}" if host else path


def _words(text: str, windows: bool) -> list[tuple[str, bool, int, int]]:
    """(word, quoted, start, end) for each word: quotes group, and outside Windows a
    backslash escapes the next character (inside single quotes nothing is escaped)."""
    words: list[tuple[str, bool, int, int]] = []
    i = 0
    while i < len(text):
        if text[i] in SPACES:
            i += 1
            continue
        start, quoted = i, False
        chars: list[str] = []
        while i < len(text) and text[i] not in SPACES:
            ch = text[i]
            if ch in _QUOTES:
                quoted = True
                i = _quoted(text, i, chars, windows)
            elif ch == "\\" and not windows and i + 1 < len(text):
                chars.append(text[i + 1])
                i += 2
            else:
                chars.append(ch)
                i += 1
        words.append(("".join(chars), quoted, start, i))
    return words


def _quoted(text: str, i: int, chars: list[str], windows: bool) -> int:
    """Read the quoted part starting at `i` into `chars`; the index after its closing
    quote."""
    quote = text[i]
    i += 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            if quote == "'" and text[i + 1: i + 2] == "'" and windows:  # PowerShell's ''
                chars.append("'")
                i += 2
                continue
            return i + 1
        if ch == "\\" and quote == '"' and not windows and text[i + 1: i + 2] in ('"', "\\"):
            chars.append(text[i + 1])
            i += 2
            continue
        chars.append(ch)
        i += 1
    raise Unclosed("Hay una comilla sin cerrar.")


def _joined(words: list[tuple[str, bool, int, int]], text: str,
            exists: Callable[[str], bool]) -> list[str]:
    """The words, with runs of unquoted ones that together name a file (a path with
    spaces pasted bare) joined as they were written."""
    found: list[str] = []
    i = 0
    while i < len(words):
        end = i + 1
        if not words[i][1]:
            pieces = [text[words[i][2]: words[j - 1][3]] for j in range(i + 1, len(words) + 1)
                      if not any(w[1] for w in words[i:j])]
            end = i + _longest(pieces, exists)
        found.append(words[i][0] if end == i + 1 else text[words[i][2]: words[end - 1][3]])
        i = end
    return found


def _longest(candidates: list[str], exists: Callable[[str], bool]) -> int:
    """How many words the longest candidate that names a file spans (1 when none does, or
    when the first word alone already names one)."""
    if not candidates or exists(candidates[0]):
        return 1
    for count in range(len(candidates), 1, -1):
        if exists(candidates[count - 1]):
            return count
    return 1

