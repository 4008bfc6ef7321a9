"""Screenshots at the edge, before upload (`crear --adjunto`, the attachments question,
`adjuntar`): what the OCR covered is shown and, at a terminal, the agent chooses the covered
copy (the default), the original, or not to upload the image; a script uploads the covered
copy and says so. Without the `escalate[ocr]` extra, images are said once not to be scanned;
an extra that fails to load is a warning, and at a terminal the agent consents to upload the
images unscanned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .env import Env

if TYPE_CHECKING:
    from ..workflows.files import LocalFile
    from ..workflows.screenshots import Scanned
    from .prompts import Asker

COVER, ORIGINAL, DROP = "cover", "original", "drop"


def screened_paths(env: Env, paths: Sequence[str], known: Sequence[str], *,
                   interactive: bool, ask: Asker | None = None) -> list[str]:
    """The paths to upload: each image that shows sensitive data replaced by its covered
    copy (or kept, or left out, as the agent chooses at a terminal)."""
    from ..workflows.files import check_files

    files = check_files(list(paths), env.settings.max_file_bytes, cwd=env.folder)
    chosen = screened_files(env, files, known, interactive=interactive, ask=ask)
    return [str(f.path) for f in chosen]


def screened_files(env: Env, files: Sequence[LocalFile], known: Sequence[str], *,
                   interactive: bool, ask: Asker | None = None) -> list[LocalFile]:
    """The files to upload, their images scanned first (see the module)."""
    from ..errors import Declined
    from ..workflows.screenshots import scan_files

    scanned, unavailable = scan_files(files, [k for k in known if k], env.settings.home)
    if unavailable is not None:
        env.warn(unavailable.message)
        if unavailable.installed and interactive and ask is not None and not ask.confirm(
                "¿Subir las imágenes sin revisar?"):
            raise Declined("No se subió nada: quite las imágenes o revíselas antes.")
        return list(files)
    out: list[LocalFile] = []
    for item in scanned:
        choice = _choice(env, item, interactive, ask)
        if choice == COVER:
            out.append(_copy_of(env, item))
        elif choice == ORIGINAL:
            out.append(item.file)
    return out


def _choice(env: Env, item: Scanned, interactive: bool, ask: Asker | None) -> str:
    from ..workflows.screenshots import shown

    if item.redaction is None:
        return ORIGINAL
    what = "; ".join(f"{c.label} «{shown(c)}»" for c in item.redaction.covered)
    if not interactive or ask is None:
        env.warn(f"{item.file.name}: se cubrió {what} antes de subirla "
                 f"(copia en {item.redaction.output}).")
        return COVER
    env.err.print(f"  [yellow]⚠ {env.shown(item.file.name)}[/] muestra {env.shown(what)}",
                  soft_wrap=False, overflow="fold")
    return ask.select(f"¿Qué se sube de {item.file.name}?", [
        ("La copia con esos datos cubiertos", COVER), ("La original, sin cubrir", ORIGINAL),
        ("Nada: no subir esta imagen", DROP)], COVER)


def _copy_of(env: Env, item: Scanned) -> LocalFile:
    from ..workflows.files import check_files

    assert item.redaction is not None
    [copy] = check_files([str(item.redaction.output)], env.settings.max_file_bytes,
                         cwd=env.folder)
    return copy
