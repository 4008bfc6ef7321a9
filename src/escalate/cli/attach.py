"""`escalate attach`: screenshots onto an existing ticket, as one note."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from ..errors import InvalidInput
from .env import Env

if TYPE_CHECKING:
    from ..workflows.attach import AttachResult


def attach(
    ctx: typer.Context,
    ticket_id: Annotated[str, typer.Argument(metavar="TICKET_ID",
                                             help="Id del ticket (el número de su URL).")],
    paths: Annotated[list[str] | None, typer.Argument(
        metavar="ARCHIVO...",
        help="Capturas, PDF o textos a adjuntar (ninguno con --portapapeles).")] = None,
    note: Annotated[str | None, typer.Option(
        "--nota", "--note", metavar="TEXTO", help="Texto de la nota que llevará los archivos.")]
    = None,
    clipboard: Annotated[bool, typer.Option(
        "--portapapeles", "--clipboard",
        help="Adjuntar también la imagen copiada en el portapapeles (se guarda como PNG).")]
    = False,
    keep_sensitive: Annotated[bool, typer.Option(
        "--conservar-datos", "--keep-sensitive", help="Conservar en la nota los datos "
        "sensibles que pueden conservarse (CURP, RFC, salud); tarjetas, contraseñas, NIP y "
        "códigos se ocultan siempre.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Resultado en JSON por stdout.")]
    = False,
) -> None:
    """Subir capturas o documentos (privados) a un ticket, en una sola nota.

    Ejemplo: escalate adjuntar 1234 captura1.png endoso.pdf --nota "Pantalla al guardar"

    La captura copiada, sin guardarla antes: escalate adjuntar 1234 --portapapeles
    """
    env: Env = ctx.ensure_object(Env)
    from ..domain.text import clean
    from ..workflows.attach import attach_entry, check_ticket_id
    from ..workflows.delivery import keep_and_send
    from ..workflows.files import check_files
    from ..workflows.notes import note_text_problem
    from .prompts import TerminalUi

    settings = env.settings
    ticket = check_ticket_id(ticket_id)
    text = clean(note, multiline=True) if note else None
    problem = note_text_problem(text) if text else None
    if problem:
        raise InvalidInput([f"--nota: {problem}"], hint="No se subió ningún archivo.")
    paths = list(paths or [])
    if not paths and not clipboard:  # the argument is required unless --portapapeles
        from .spanish import click_errors

        param = next(p for p in ctx.command.params if p.name == "paths")
        raise click_errors().MissingParameter(ctx=ctx, param=param)
    from ..system import here
    from .pasted import arguments, file_in

    paths = arguments(paths, file_in(env.folder), here())  # as a terminal pasted them
    if clipboard:
        from ..clipboard import paste_image

        pasted = paste_image(settings.home, env.now(), env.environ)
        env.notice(f"Imagen del portapapeles guardada en {pasted}.")
        paths.append(str(pasted))
    files = check_files(paths, settings.max_file_bytes, cwd=env.folder, notice=env.notice)
    interactive = env.interactive()
    from .prompts import ToolkitAsker
    from .screenshots import screened_files

    files = screened_files(env, files, _known_values(env, ticket, files),
                           interactive=interactive, ask=ToolkitAsker() if interactive else None)
    if not files:
        raise InvalidInput(["No quedó ningún archivo que subir."], hint="No se subió nada.")
    if text:
        from .sensitive import note_screened

        text = note_screened(env, text, keep_all=keep_sensitive, interactive=interactive)
    ui = TerminalUi(env, interactive, progress=interactive and not as_json)
    result = cast("AttachResult", keep_and_send(attach_entry(ticket, files, text), env, ui=ui))
    if as_json:
        env.out_json(result.as_json())
        return
    env.out(f"Nota {result.note_id} agregada al ticket {result.ticket_id} con "
            f"{len(result.files)} archivo(s) privados:")
    for uploaded in result.files:
        env.out(f"  • {uploaded.name} ({uploaded.size:,} bytes, id {uploaded.id})")


def _known_values(env: Env, ticket: str, files: list[Any]) -> tuple[str, ...]:
    """The client's own values to cover in the screenshots, read only when an image will
    be read (one round trip more, beside seconds of OCR): a ticket that does not exist is
    said then, before the OCR; an unreachable HubSpot scans without them (the attach
    waits in the outbox as always)."""
    from ..errors import Unreachable
    from ..workflows.attach import clients_values
    from ..workflows.screenshots import will_read

    if not will_read(files):
        return ()
    try:
        return clients_values(env.gateway(), ticket)
    except Unreachable:
        return ()
