"""What differs between the agent's Windows laptop, a Mac and Linux: the one home for it.

Every function takes the platform's facts (`Platform`, `here()` by default), so the tests
on this Linux machine run each Windows and macOS branch by handing it those facts. What
was verified only by reading (CPython's and the libraries' documented Windows behaviour)
is said where it is relied on.

Imported from `escalate.cli` before the Ctrl-C guard is installed: only `os` and `sys` at
the top, everything else inside the function that needs it.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path
    from typing import IO, Any

PROGRAM = "escalate"


class Platform:
    """The facts of one machine a branch depends on; tests build the other platforms'."""

    __slots__ = ("environ", "home", "macos", "uid", "which", "windows")

    def __init__(self, *, windows: bool = False, macos: bool = False,
                 environ: Mapping[str, str] | None = None, home: str = "",
                 uid: int | None = None,
                 which: Callable[[str], str | None] | None = None) -> None:
        self.windows = windows
        self.macos = macos
        self.environ: Mapping[str, str] = environ if environ is not None else {}
        self.home = home  # the user's profile folder
        self.uid = uid  # None on Windows: no POSIX user id
        self.which: Callable[[str], str | None] = which or (lambda name: None)


def with_extra(extra: str) -> str:
    """How an agent adds an optional part (`ocr`, `keyring`): installed again from the
    project's folder with it, as the guide installs escalate (pipx or uv), never a package
    of that name looked for on PyPI."""
    return f'pipx install --force ".[{extra}]" o uv tool install --force ".[{extra}]"'


def here() -> Platform:
    """This machine's facts."""
    import shutil

    return Platform(windows=os.name == "nt", macos=sys.platform == "darwin",
                    environ=os.environ, home=os.path.expanduser("~"),
                    uid=os.getuid() if hasattr(os, "getuid") else None, which=shutil.which)


# -- the program --------------------------------------------------------------------------


def is_program(argv0: str, platform: Platform | None = None) -> bool:
    """Whether `argv0` is the `escalate` program: the console script (`escalate`, and on
    Windows pip's launcher `escalate.exe`, any case) or `python -m escalate`."""
    windows = platform.windows if platform is not None else os.name == "nt"
    if argv0.replace("\\", "/").endswith(f"{PROGRAM}/__main__.py"):
        return True
    name = argv0.replace("\\", "/").rsplit("/", 1)[-1] if windows else os.path.basename(argv0)
    if windows:
        name = name.lower()
        for suffix in (".exe", "-script.pyw", "-script.py"):  # pip's and setuptools' launchers
            name = name.removesuffix(suffix)
    return name == PROGRAM


# -- processes ----------------------------------------------------------------------------


def process_alive(pid: int) -> bool:
    """Whether process `pid` runs on this machine (a process of another user counts).

    psutil asks each OS its own way: `kill(pid, 0)` on POSIX, `OpenProcess` on Windows,
    where `os.kill(pid, 0)` would instead send Ctrl-C to the process group (CPython's
    documentation of `os.kill`)."""
    import psutil

    return bool(psutil.pid_exists(pid))


# -- private folders and files ------------------------------------------------------------


def private_dir(path: Path, platform: Platform | None = None) -> Path:
    """Create a folder only its owner can enter: 0700 on POSIX. On Windows the folder
    inherits the access list of its parent, the user's profile (chmod there only toggles
    the read-only flag)."""
    platform = platform or here()
    if platform.windows:
        path.mkdir(parents=True, exist_ok=True)
        return path
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def exposed_secret(path: Path, platform: Platform | None = None) -> str | None:
    """Why a file holding the key can be read by other users of this machine, with the fix
    in this OS's words; None when only its owner can read it."""
    platform = platform or here()
    if platform.windows:
        if _inside(path, platform.home):
            return None
        return (f"{path} guarda la clave de HubSpot fuera de su perfil de usuario "
                f"({platform.home}), donde otros usuarios de este equipo pueden leerla: "
                "guárdela con «escalate acceder» (en el Administrador de credenciales de "
                "Windows) y bórrela de ese archivo.")
    import stat

    try:
        readable = bool(path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH))
    except OSError:
        return None
    if not readable:
        return None
    return (f"{path} guarda la clave de HubSpot y otros usuarios pueden leerlo: guárdela con "
            f"«escalate acceder» y bórrela de ese archivo, o ejecute «chmod 600 {path}».")


def _inside(path: Path, folder: str) -> bool:
    """Whether `path` lies in `folder`, compared as Windows does (any case, either slash)."""
    if not folder:
        return False
    inner = os.path.normcase(str(path)).replace("/", "\\").lower()
    outer = folder.replace("/", "\\").lower().rstrip("\\") + "\\"
    return inner.startswith(outer)


# On Windows a file another process holds open (an antivirus scan, a second `escalate`
# reading the cache) cannot be replaced until it is closed: `os.replace` fails with
# ERROR_ACCESS_DENIED (5) or ERROR_SHARING_VIOLATION (32). The holder lets go within
# moments, so the replace is retried a bounded number of times.
ACCESS_DENIED, SHARING_VIOLATION = 5, 32
SHARING_ERRORS = (ACCESS_DENIED, SHARING_VIOLATION)
REPLACE_TRIES = 8
REPLACE_FIRST_WAIT = 0.01  # seconds, doubled after each try: 2.55 s in all


def replace(source: Path | str, target: Path | str, platform: Platform | None = None, *,
            rename: Callable[[Any, Any], None] = os.replace,
            sleep: Callable[[float], None] | None = None) -> None:
    """`rename` (`os.replace` unless given), retried on Windows while another process holds
    a file open (bounded); a sharing violation that outlasts the tries is `FileInUse`, not a
    permission problem."""
    platform = platform or here()
    if sleep is None:
        import time

        sleep = time.sleep
    wait = REPLACE_FIRST_WAIT
    for attempt in range(REPLACE_TRIES):
        try:
            rename(source, target)
            return
        except PermissionError as exc:
            code = getattr(exc, "winerror", None)
            if not (platform.windows and code in SHARING_ERRORS):
                raise
            if attempt == REPLACE_TRIES - 1:
                if code == SHARING_VIOLATION:  # ERROR_ACCESS_DENIED may be a real denial
                    raise FileInUse(exc) from exc
                raise
        sleep(wait)
        wait *= 2


class FileInUse(PermissionError):
    """Windows' ERROR_SHARING_VIOLATION once the retries are spent: another process has the
    file open. Its errno is EBUSY, so the agent reads "otro proceso la tiene bloqueada"
    (os_errors.py) instead of a permission problem that is not there."""

    def __init__(self, cause: PermissionError) -> None:
        import errno

        super().__init__(errno.EBUSY, cause.strerror or "archivo en uso", cause.filename)
        self.winerror = getattr(cause, "winerror", None)


# Hard links cannot be made there (FAT, some network shares): the name is then checked and
# the file renamed, which leaves a moment in which another process's file could be replaced.
_NO_LINKS = ("EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK", "EXDEV")


def place_new(source: Path | str, target: Path | str, platform: Platform | None = None, *,
              link: Callable[[Any, Any], None] = os.link,
              rename: Callable[[Any, Any], None] = os.rename,
              sleep: Callable[[float], None] | None = None) -> bool:
    """Move the finished file `source` to `target` unless `target` exists: False then, and
    `source` stays for the caller to remove. Two processes creating one file at once get
    one file, whole, and neither replaces it under the other while it is open (`replace`
    would: SQLite then refuses to write to the file it holds, "readonly database").

    POSIX: a hard link fails when the name exists, then the source name goes. Windows:
    `os.rename` never replaces (FileExistsError), retried while the file is shared."""
    platform = platform or here()
    if platform.windows:
        try:
            replace(source, target, platform, rename=rename, sleep=sleep)  # never replaces
        except FileExistsError:
            return False
        return True
    try:
        link(source, target)
    except FileExistsError:
        return False
    except OSError as exc:
        import errno

        if errno.errorcode.get(exc.errno or 0) not in _NO_LINKS:
            raise
        if os.path.lexists(target):
            return False
        os.replace(source, target)
        return True
    os.unlink(source)
    return True


def write_private(path: Path, text: str, platform: Platform | None = None, *,
                  rename: Callable[[Any, Any], None] = os.replace,
                  sleep: Callable[[float], None] | None = None) -> None:
    """Write `text` to `path` atomically (whole or not at all), readable only by its owner
    (0600; on Windows, the folder's access list), its folder created private."""
    import tempfile
    from pathlib import Path

    platform = platform or here()
    private_dir(path.parent, platform)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # 0600 on POSIX
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        replace(tmp, path, platform, rename=rename, sleep=sleep)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- the temporary folder -----------------------------------------------------------------


def temp_folder(platform: Platform | None = None) -> Path:
    """This user's folder inside the temporary folder (`temp_name`)."""
    import tempfile
    from pathlib import Path

    return Path(tempfile.gettempdir()) / temp_name((platform or here()).uid)


def temp_name(uid: int | None) -> str:
    """`escalate-<uid>`: users share /tmp. Windows has no uid and its %TEMP% is under the
    user's profile already: `escalate-0`, the name earlier versions gave it there, so that
    what they kept aside is found again."""
    return f"{PROGRAM}-{uid if uid is not None else 0}"


# -- the editor ---------------------------------------------------------------------------

NO_EDITOR = ("No hay un editor configurado: defina la variable VISUAL o EDITOR (por ejemplo "
             "EDITOR=nano) o siga escribiendo aquí.")


def editor(platform: Platform | None = None) -> list[str] | None:
    """The command that opens a file for editing: $VISUAL, then $EDITOR; else Notepad on
    Windows and nano where it is installed; never vi by surprise (None: say NO_EDITOR)."""
    import shlex

    platform = platform or here()
    for variable in ("VISUAL", "EDITOR"):
        chosen = (platform.environ.get(variable) or "").strip()
        if chosen:
            if not platform.windows:
                return shlex.split(chosen)
            # "C:\Program Files\...\editor.exe" -w: backslashes are not escapes there
            return [part.strip('"') for part in shlex.split(chosen, posix=False)]
    if platform.windows:
        return ["notepad.exe"]
    nano = platform.which("nano")
    return [nano] if nano else None


# -- text files written on Windows --------------------------------------------------------

SAVE_AS_UTF8 = ("guárdelo como UTF-8 (en el Bloc de notas: Archivo > Guardar como > "
                "Codificación: UTF-8; en VS Code: «Guardar con codificación» > UTF-8)")
_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32 LE"), (b"\x00\x00\xfe\xff", "UTF-32 BE"),
         (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


class UnreadableText(ValueError):
    """A text file in an encoding the tool does not read; `encoding` names it."""

    def __init__(self, encoding: str) -> None:
        super().__init__(encoding)
        self.encoding = encoding


def decode_text(data: bytes) -> str:
    """Text as editors on Windows save it: UTF-8 with or without BOM, UTF-16 with BOM, CRLF
    or LF; any other encoding raises UnreadableText naming it."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            if codec.startswith("UTF-32"):
                raise UnreadableText(codec)
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise UnreadableText(f"{'UTF-16' if codec == 'utf-16' else 'UTF-8'} dañado") \
                    from None
            return _lf(text.removeprefix("\ufeff"))
    wide = _wide_guess(data) if b"\x00" in data else None
    if wide is not None and wide.startswith("UTF"):  # valid UTF-8 too, when ASCII: refused
        raise UnreadableText(wide)
    try:
        return _lf(data.decode("utf-8"))  # a stray NUL is a line the reader skips
    except UnicodeDecodeError:
        raise UnreadableText(wide or "Latin-1 o Windows-1252 (ANSI)") from None


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def _wide_guess(data: bytes) -> str:
    """Which encoding without a byte order mark puts NUL bytes in text."""
    head = data[:4096]
    if head.count(0) > 0.7 * len(head):
        return "UTF-32 sin BOM"
    # Latin text in UTF-16 has a NUL in every other byte; random bytes have few anywhere.
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > even and odd > 0.3 * len(head[1::2]):
        return "UTF-16 LE sin BOM"
    if even > odd and even > 0.3 * len(head[0::2]):
        return "UTF-16 BE sin BOM"
    return "binario (no es texto)"


class TooLarge(ValueError):
    """A file larger than the tool reads of its kind (`limit` bytes)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def read_at_most(path: Path, limit: int) -> bytes:
    """A file's bytes, never more than `limit` read (`TooLarge` past it, whatever it
    grows to while read); OSError as `Path.read_bytes`."""
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(limit)
    return data


def read_text(path: Path, limit: int | None = None) -> str:
    """A text file's content (see `decode_text`), at most `limit` bytes of it (see
    `read_at_most`); OSError as `Path.read_bytes`."""
    return decode_text(path.read_bytes() if limit is None else read_at_most(path, limit))


# -- the console --------------------------------------------------------------------------

SAMPLE = "áéíóúñÑ¿¡«»✓✗→•🟠"  # what the tool prints beyond ASCII


def fit_console(*streams: IO[str]) -> None:
    """Streams whose encoding cannot write the tool's characters replace what they cannot
    write instead of failing. On Windows a console writes any character (CPython writes
    UTF-16 to it); stdout redirected to a file or pipe is in the ANSI code page (cp1252),
    which has no ✓ nor 🟠. A UTF-8 stream is left as it is."""
    for stream in streams:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        try:
            SAMPLE.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors="replace")
