"""`escalate sandbox`: the local HubSpot-compatible portal, served or reset."""

from __future__ import annotations

from typing import Annotated

import typer

from .env import Env
from .spanish import SpanishCommand, SpanishGroup

app = typer.Typer(cls=SpanishGroup, no_args_is_help=True,
                  help="HubSpot simulado en esta máquina, para probar sin portal.")


@app.command("serve", cls=SpanishCommand)
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(
        "--host", metavar="TEXTO", help="Dirección donde escuchar.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(
        "--puerto", "--port", metavar="NÚMERO", help="Puerto, de 1 a 65535 (0: cualquiera "
        "libre).")] = 8765,
    token: Annotated[str, typer.Option(
        "--token", metavar="TEXTO", help="Único token bearer aceptado.")] = "sandbox",
    bare: Annotated[bool, typer.Option(
        "--sin-configurar", "--bare",
        help="Portal sin las propiedades de escalate (como antes de «setup»).")] = False,
    per_10s: Annotated[int, typer.Option(
        "--por-10s", "--per-10s", metavar="NÚMERO",
        help="Límite de solicitudes cada 10 s (0: sin límite).")] = 100,
    no_lag: Annotated[bool, typer.Option(
        "--sin-retraso", "--no-lag",
        help="La búsqueda ve cada escritura al instante (por omisión va 2 s atrás, como la "
             "de HubSpot).")] = False,
) -> None:
    """Servir el sandbox hasta Ctrl-C (estado en $ESCALATE_HOME/sandbox).

    Ejemplo: escalate sandbox serve --port 0, y luego
    HUBSPOT_BASE_URL=http://127.0.0.1:PUERTO HUBSPOT_ACCESS_TOKEN=sandbox escalate create ...
    """
    env: Env = ctx.ensure_object(Env)
    import escalate_sandbox

    from ..system import private_dir

    check_address(host, port)
    check_exposure(host, token, escalate_sandbox.DEFAULT_TOKEN)
    folder = private_dir(env.settings.home) / ("sandbox-bare" if bare else "sandbox")
    lag = 0 if no_lag else escalate_sandbox.REALISTIC_SEARCH_LAG_MS
    server = escalate_sandbox.make_server(folder, host=host, port=port, token=token, bare=bare,
                                          per_10s=per_10s, demo_tickets=True,
                                          search_lag_ms=lag)
    bound_host, bound_port = server.server_address[:2]
    env.out(f"http://{bound_host}:{bound_port}")
    env.err.print(f"Sandbox de HubSpot en http://{bound_host}:{bound_port} (token «{token}», "
                  f"estado en {folder}). Ctrl-C para terminar.", markup=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        env.err.print("Sandbox detenido.")
    finally:
        server.server_close()


@app.command("reset", cls=SpanishCommand)
def reset(
    ctx: typer.Context,
    bare: Annotated[bool, typer.Option(
        "--sin-configurar", "--bare", help="Vaciar el sandbox «--sin-configurar».")] = False,
) -> None:
    """Vaciar el sandbox y volver a su estado inicial (pipeline, contactos de ejemplo)."""
    env: Env = ctx.ensure_object(Env)
    import escalate_sandbox

    from ..system import private_dir

    folder = private_dir(env.settings.home) / ("sandbox-bare" if bare else "sandbox")
    escalate_sandbox.reset(folder, bare=bare, demo_tickets=True)
    env.out(f"Sandbox reiniciado ({folder}).")


def check_exposure(host: str, token: str, default: str) -> None:
    """Beyond this machine only with a token of the operator's own: the default one is
    printed in every guide, so anyone who reaches the port could use the sandbox."""
    from ..config import is_loopback
    from ..errors import InvalidInput

    if not is_loopback(host) and token == default:
        raise InvalidInput([f"--host {host}: el sandbox escucharía fuera de esta máquina con "
                            f"el token conocido «{default}»"],
                           hint="Dé un token propio con --token, o use --host 127.0.0.1.")


def check_address(host: str, port: int) -> None:
    """A port in range, a host of this machine, and the port free: else exit 2 in Spanish.

    Checked here because the server library would print its own English and exit.
    """
    import socket

    from ..errors import InvalidInput

    if not 0 <= port <= 65535:
        raise InvalidInput([f"--puerto {port}: el puerto debe estar entre 1 y 65535 (o 0 para "
                            "cualquiera libre)"])
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError):
        raise InvalidInput([f"--host {host}: no es una dirección de esta máquina"]) from None
    probe = socket.socket(family, kind, proto)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)
    except OSError as exc:
        import errno

        if exc.errno == errno.EADDRINUSE:
            raise InvalidInput([f"--puerto {port}: el puerto ya está en uso"],
                               hint="Elija otro, o --puerto 0 para uno libre.") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise InvalidInput([f"--puerto {port}: no tiene permiso para usar ese puerto"],
                               hint="Use uno mayor que 1023.") from None
        raise InvalidInput([f"--host {host}: no se puede escuchar en esa dirección"]) from None
    finally:
        probe.close()
