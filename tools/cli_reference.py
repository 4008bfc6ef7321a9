"""The options reference in docs/, generated from the real `--help` of every command.

    python tools/cli_reference.py          # rewrite docs/referencia-cli.md
    python tools/cli_reference.py --check  # exit 1 when the file has drifted (a test runs it)

Like llm's cog pattern: the help texts are written once, in the code; the docs follow.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "referencia-cli.md"
HEADER = """# Referencia de la línea de comandos

Generada a partir de la ayuda real de cada comando (`python tools/cli_reference.py`); no la
edite a mano: una prueba falla cuando se aparta de `escalate ... --help`.
"""


def command_paths() -> list[list[str]]:
    """Every command and subcommand, walking the click tree of the real application."""
    import typer.main

    from escalate.cli.app import app

    root = typer.main.get_command(app)
    paths: list[list[str]] = [[]]

    def walk(command: object, prefix: list[str]) -> None:
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if getattr(sub, "hidden", False):
                continue
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(root, [])
    return paths


def help_text(path: list[str]) -> str:
    """What `escalate PATH --help` prints on an 88-column terminal without colour: the real
    entry point's code path (`run`), in this process, as click prints it on stdout."""
    import io
    from contextlib import redirect_stdout

    from escalate.cli.app import run
    from escalate.cli.env import Env

    shown = io.StringIO()
    with redirect_stdout(shown):
        run([*path, "--help"], Env(stdout=shown, environ=dict(os.environ)))
    lines = [line.rstrip() for line in shown.getvalue().splitlines()]
    return "\n".join(lines).strip() + "\n"


def render() -> str:
    # The terminal `--help` is read for, set before escalate reads its width.
    os.environ.update({"COLUMNS": "88", "NO_COLOR": "1", "TERM": "dumb",
                       "_TYPER_FORCE_DISABLE_TERMINAL": "1"})
    paths = command_paths()
    helps = [help_text(path) for path in paths]
    parts = [HEADER]
    for path, text in zip(paths, helps, strict=True):
        title = " ".join(["escalate", *path])
        parts.append(f"## `{title}`\n\n```text\n{text}```\n")
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} no coincide con la ayuda real: ejecute "
                  "«python tools/cli_reference.py».", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"{TARGET.relative_to(ROOT)}: {len(text.splitlines())} líneas")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
