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
    host: Annotated[str, typer.Option(help="Dirección donde escuchar.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Puerto (0: cualquiera libre).")] = 8765,
    token: Annotated[str, typer.Option(help="Único token bearer aceptado.")] = "sandbox",
    bare: Annotated[bool, typer.Option(
        "--bare", help="Portal sin las propiedades de escalate (como antes de «setup»).")]
    = False,
    per_10s: Annotated[int, typer.Option(
        "--per-10s", help="Límite de solicitudes cada 10 s (0: sin límite).")] = 100,
) -> None:
    """Servir el sandbox hasta Ctrl-C (estado en $ESCALATE_HOME/sandbox).

    Ejemplo: escalate sandbox serve --port 0, y luego
    HUBSPOT_BASE_URL=http://127.0.0.1:PUERTO HUBSPOT_ACCESS_TOKEN=sandbox escalate create ...
    """
    env: Env = ctx.ensure_object(Env)
    import escalate_sandbox

    from ..config import private_dir

    folder = private_dir(env.settings.home) / ("sandbox-bare" if bare else "sandbox")
    server = escalate_sandbox.make_server(folder, host=host, port=port, token=token, bare=bare,
                                          per_10s=per_10s)
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
    bare: Annotated[bool, typer.Option("--bare", help="Vaciar el sandbox «--bare».")] = False,
) -> None:
    """Vaciar el sandbox y volver a su estado inicial (pipeline, contactos de ejemplo)."""
    env: Env = ctx.ensure_object(Env)
    import escalate_sandbox

    from ..config import private_dir

    folder = private_dir(env.settings.home) / ("sandbox-bare" if bare else "sandbox")
    escalate_sandbox.reset(folder, bare=bare)
    env.out(f"Sandbox reiniciado ({folder}).")
