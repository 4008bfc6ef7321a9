"""`escalate acceder` (login) and `escalate salir` (logout): the service key in the OS
keyring instead of a `.env` in plain text."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import AuthProblem, InvalidInput, InvalidToken
from .env import Env

if TYPE_CHECKING:
    from ..keystore import KeyStore, Stored

PORTAL_HELP = "Id del portal de HubSpot (con claves de varios portales)."
ASK_KEY = "Pegue la service key de HubSpot (no se verá al escribirla): "


def login(
    ctx: typer.Context,
    portal: Annotated[str | None, typer.Option("--portal", metavar="ID", help=PORTAL_HELP)]
    = None,
    from_stdin: Annotated[bool, typer.Option(
        "--con-token", "--with-token",
        help="Leer la clave de la entrada estándar (una línea), sin preguntar.")] = False,
) -> None:
    """Guardar la service key de HubSpot en el llavero del sistema.

    La comprueba con HubSpot, dice qué permisos le faltan y la guarda con el id de su
    portal. HUBSPOT_ACCESS_TOKEN (del entorno o de .env) sigue teniendo prioridad.

    Ejemplo: escalate acceder --portal 48151623
    """
    env: Env = ctx.ensure_object(Env)
    from .. import config
    from ..keystore import KeyStore
    from ..workflows.login import check_key

    settings = env.settings
    if settings.sandbox:
        raise InvalidInput(["El modo sandbox no usa clave: no hay nada que guardar."],
                           hint="Quite --sandbox (o ESCALATE_SANDBOX) para guardar la clave "
                                "de su portal.")
    key = _read_key(env, from_stdin)
    problem = config.check_token(key)
    if problem:
        raise AuthProblem(problem.replace("(HUBSPOT_ACCESS_TOKEN) ", ""),
                          hint="Copie de nuevo la clave entera, en una sola línea.")
    assert settings.keys_dir is not None
    try:
        checked = check_key(env.gateway(key=key), portal or env.portal)
    except InvalidToken as exc:  # the key just typed, not one of the environment's
        refused = InvalidToken("HubSpot rechazó la clave escrita: es inválida o expiró."
                               + (exc.answer.reference() if exc.answer else ""),
                               hint=exc.hint, answer=exc.answer)
        refused.source_named = True
        raise refused from None
    store = KeyStore(settings.keys_dir)
    entry = _save(env, store, checked.portal, key, checked.domain)
    env.out(f"Clave guardada para el portal {entry.portal} ({entry.domain}) en {entry.where} "
            f"({entry.source}).")
    if entry.backend is None:
        from ..system import here, with_extra

        platform = here()
        linux = "" if platform.windows or platform.macos else (
            " En un escritorio Linux, instale escalate con el extra [keyring] "
            f"({with_extra('keyring')}) para usar su llavero.")
        env.notice(f"No hay un llavero del sistema en esta máquina: la clave quedó en "
                   f"{store.path}, que solo su usuario puede leer.{linux}")
    for scope, needed_by in checked.missing:
        env.warn(f"A la clave le falta el permiso «{scope}»: fallarán {needed_by}.")
    if settings.token_source is not None:
        env.warn(f"HUBSPOT_ACCESS_TOKEN ({_SOURCES[settings.token_source]}) tiene prioridad "
                 "sobre la clave guardada: quítelo para usar esta.")


def logout(
    ctx: typer.Context,
    portal: Annotated[str | None, typer.Option("--portal", metavar="ID", help=PORTAL_HELP)]
    = None,
) -> None:
    """Borrar la service key guardada con «acceder».

    Ejemplo: escalate salir --portal 48151623
    """
    env: Env = ctx.ensure_object(Env)
    from ..keystore import KeyStore

    settings = env.settings
    assert settings.keys_dir is not None
    store = KeyStore(settings.keys_dir)
    if not store.stored():
        env.out("No había ninguna clave guardada: nada que borrar.")
        return
    entry = store.choose(portal or settings.portal)
    assert entry is not None  # something is stored: choose names it or refuses
    store.forget(entry)
    env.out(f"Se borró la clave del portal {entry.portal} de {entry.where}.")
    if settings.token_source is not None:
        env.warn(f"HUBSPOT_ACCESS_TOKEN sigue definido ({_SOURCES[settings.token_source]}): "
                 "escalate lo seguirá usando.")


_SOURCES = {"env": "en el entorno", "dotenv": "en el archivo .env"}


def _read_key(env: Env, from_stdin: bool) -> str:
    """The key, from one line of stdin, or typed at the terminal without echo."""
    if from_stdin:
        # PowerShell 5 pipes text with a byte order mark, cmd's `type` keeps CRLF.
        key = str(sys.stdin.readline()).strip().lstrip("\ufeff").strip()
        if not key:
            raise InvalidInput(["No llegó ninguna clave por la entrada estándar."],
                               hint="Por ejemplo: escalate acceder --con-token < clave.txt")
        return key
    if not env.interactive():
        raise InvalidInput(["Sin una terminal no se puede preguntar la clave."],
                           hint="Pásela por la entrada estándar: escalate acceder --con-token "
                                "< clave.txt")
    import getpass

    try:
        key = getpass.getpass(ASK_KEY).strip()
    except EOFError:
        key = ""
    if not key:
        raise InvalidInput(["No se escribió ninguna clave: no se guardó nada."])
    return key


def _save(env: Env, store: KeyStore, portal: str, key: str, domain: str) -> Stored:
    """Store the key; when the keyring refuses, offer the private file on a terminal."""
    from ..keystore import KeyringRefused

    try:
        return store.save(portal, key, domain)
    except KeyringRefused as exc:
        if not env.interactive():
            raise KeyringRefused(exc.message, backend=exc.backend,
                                 hint=f"{exc.hint} En una terminal, «escalate acceder» ofrece "
                                      "guardarla en un archivo privado en su lugar.") from None
        env.warn(exc.message)
        from .prompts import ToolkitAsker

        if not ToolkitAsker().confirm(f"¿Guardarla en un archivo que solo su usuario puede leer "
                       f"({store.path})?"):
            raise
    return store.save(portal, key, domain, to_file=True)
