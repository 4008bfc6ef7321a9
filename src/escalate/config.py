"""Configuration: the environment first, then `.env` in the current folder."""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .domain.escalation import Rules

from .domain.limits import DEFAULT_POLICY_PATTERN
from .errors import AuthProblem, InvalidInput

DEFAULT_BASE_URL = "https://api.hubapi.com"
Problems = dict[str, str]  # variable → its problem, in Spanish
MAX_LINES_SHOWN = 5

DEFAULTS: dict[str, str] = {
    "HUBSPOT_BASE_URL": DEFAULT_BASE_URL,
    "ESCALATE_STAGE": "Tech Issues",
    "ESCALATE_PIPELINE": "",
    "ESCALATE_PHONE_REGION": "MX",
    "ESCALATE_POLICY_PATTERN": DEFAULT_POLICY_PATTERN,
    "ESCALATE_FOLLOWUP_HOURS": "48",
    "ESCALATE_FILES_FOLDER": "/escalaciones",
    "ESCALATE_MAX_FILE_MB": "20",
    "ESCALATE_RETRY_SECONDS": "60",
    "ESCALATE_OFFLINE_RETRY_SECONDS": "10",
    "ESCALATE_TIMEOUT_SECONDS": "30",
}
# The largest value each number may take: beyond it a typo (an extra zero, 1e309) would
# make the tool wait for days or never, silently.
MAXIMA: dict[str, float] = {
    "ESCALATE_FOLLOWUP_HOURS": 24 * 366,
    "ESCALATE_MAX_FILE_MB": 2048,
    "ESCALATE_RETRY_SECONDS": 3600,
    "ESCALATE_OFFLINE_RETRY_SECONDS": 3600,
    "ESCALATE_TIMEOUT_SECONDS": 600,
}
YES = ("1", "true", "yes", "si", "sí", "on")
NO = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Settings:
    """Everything the tool reads from its environment, checked once."""

    token: str | None
    base_url: str
    sandbox: bool
    home: Path
    stage: str
    pipeline: str | None
    phone_region: str
    policy_pattern: re.Pattern[str]
    followup_hours: float
    files_folder: str
    max_file_mb: float
    retry_seconds: float
    offline_retry_seconds: float
    timeout_seconds: float
    warnings: tuple[str, ...] = field(default=())
    portal_key: str | None = None  # what identifies the portal for the cache (else the URL)
    agent: str | None = None  # ESCALATE_AGENT: the agent's HubSpot user email, normalised
    policy_file: Path | None = None  # ESCALATE_POLICY_FILE, as given (found later if unset)
    # Where the key came from: env, dotenv, keyring:<backend>, file (None: no key yet).
    token_source: str | None = None
    portal: str | None = None  # --portal or ESCALATE_PORTAL: whose stored key to use
    keys_dir: Path | None = None  # where `escalate acceder` records the stored keys

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    def rules(self, time_zone: str | None = None) -> Rules:
        """The checks an escalation passes, with the team's settings (light: the form's
        checks as typed need no HubSpot client)."""
        from .domain.escalation import Rules

        return Rules(policy_pattern=self.policy_pattern, phone_region=self.phone_region,
                     time_zone=time_zone)

    def with_backend(self, base_url: str, token: str, portal_key: str) -> Settings:
        """The same settings pointed at another HubSpot (the embedded sandbox)."""
        from dataclasses import replace

        return replace(self, base_url=base_url, token=token, portal_key=portal_key)


def read_dotenv(path: Path) -> tuple[dict[str, str], list[str]]:
    """Values from a .env file, and a Spanish warning for each line it cannot read.

    Read as Windows editors save it (BOM, CRLF, UTF-16 with BOM); another encoding is
    refused naming it (exit 2), since its values would arrive garbled."""
    import io

    from dotenv.parser import parse_stream

    from .system import SAVE_AS_UTF8, UnreadableText, exposed_secret, read_text

    values: dict[str, str] = {}
    warnings: list[str] = []
    bad: list[int] = []
    try:
        text = read_text(path)
    except OSError as exc:
        from .os_errors import reason

        return values, [f"No se pudo leer {path}: {reason(exc)}."]
    except UnreadableText as exc:
        raise InvalidInput([f"{path} está guardado en {exc.encoding}: no se puede leer."],
                           hint=f"Abra el archivo y {SAVE_AS_UTF8}.") from None
    for binding in parse_stream(io.StringIO(text)):
        if _unreadable(binding):
            bad.append(binding.original.line)
        elif binding.key and binding.value is not None:
            values[binding.key] = binding.value
    if bad:  # one warning, however much garbage the file holds
        shown = ", ".join(str(n) for n in bad[:MAX_LINES_SHOWN])
        more = f" y {len(bad) - MAX_LINES_SHOWN} más" if len(bad) > MAX_LINES_SHOWN else ""
        warnings.append(f"{path.name}: {len(bad)} línea(s) no se pudieron leer y se ignoran "
                        f"(línea {shown}{more}).")
    exposed = exposed_secret(path) if values.get("HUBSPOT_ACCESS_TOKEN") else None
    if exposed:
        warnings.append(exposed)
    return values, warnings


def dotenv_values(path: Path) -> tuple[dict[str, str], list[str]]:
    """`.env`'s values when it is a file; a `.env` that is something else (a folder) is
    said, not ignored in silence: the token the agent put there would seem lost."""
    if path.is_file():
        return read_dotenv(path)
    if path.exists() or path.is_symlink():
        what = "una carpeta" if path.is_dir() else "algo que no es un archivo"
        return {}, [f"{path} es {what}: no se lee (las variables se toman solo del entorno)."]
    return {}, []


VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def _unreadable(binding: Any) -> bool:
    """A line that is not a variable, a comment or blank (dotenv accepts more than that)."""
    if binding.error:
        return True
    if binding.key is None:
        text = binding.original.string.strip()
        return bool(text) and not text.startswith("#")
    return not VARIABLE_NAME.fullmatch(binding.key) or (binding.value is None
                                                         and binding.key == "export")


MAX_PATTERN = 200  # characters of ESCALATE_POLICY_PATTERN
MAX_REPEATS = 4  # repetitions (*, +, {n,m}) in it: at most C(60, 4) ways to split a number


def _policy_pattern(text: str, problems: Problems) -> re.Pattern[str]:
    """The pattern policy numbers must match, compiled; one whose matching time can explode
    (see `pattern_risk`) is refused here, at load, never found out on an agent's number."""
    try:
        pattern = re.compile(text)
        risk = pattern_risk(text)
    except re.error as exc:  # Python's own words are English: say where, in Spanish
        where = f" (cerca del carácter {exc.pos + 1}, «{text[exc.pos:exc.pos + 10]}»)" \
            if exc.pos is not None else ""
        problems["ESCALATE_POLICY_PATTERN"] = (
            f"ESCALATE_POLICY_PATTERN={text[:60]!r} no es una expresión regular válida{where}: "
            "revise paréntesis, corchetes y barras invertidas.")
        return re.compile(DEFAULT_POLICY_PATTERN)
    except RecursionError:  # nested past what the parser can walk
        problems["ESCALATE_POLICY_PATTERN"] = (
            f"ESCALATE_POLICY_PATTERN={text[:60]!r} anida demasiados paréntesis: "
            f"escríbala más simple (por ejemplo {DEFAULT_POLICY_PATTERN}).")
        return re.compile(DEFAULT_POLICY_PATTERN)
    if risk:
        problems["ESCALATE_POLICY_PATTERN"] = (
            f"ESCALATE_POLICY_PATTERN={text[:60]!r} {risk}: puede tardar sin fin "
            "en algunos números; escríbala sin eso (por ejemplo "
            f"{DEFAULT_POLICY_PATTERN}).")
        return re.compile(DEFAULT_POLICY_PATTERN)
    return pattern


def pattern_risk(text: str) -> str | None:
    """Why a regular expression could backtrack exponentially (or for long) on Python's
    engine, in the agent's words; None if it cannot. The input is capped too (a policy
    number of at most `domain.limits.MAX_POLICY_CHARS`), so what stays is polynomial and small:
    no repetition of something that itself repeats or has alternatives (`(A+)+`, `(a|aa)*`),
    no back-reference, at most MAX_REPEATS repetitions in all.

    Reads the pattern with the standard library's own parser (`re._parser`, `sre_parse`
    before Python 3.11): private, and its shape is checked by tests/test_config_bounds.py."""
    if len(text) > MAX_PATTERN:
        return f"tiene más de {MAX_PATTERN} caracteres"
    parser = _regex_parser()
    found: list[str] = []
    repeats = _walk(parser.parse(text), parser, found)
    if found:
        return found[0]
    if repeats > MAX_REPEATS:
        return f"repite {repeats} partes (el máximo es {MAX_REPEATS})"
    return None


def _regex_parser() -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            from re import _parser  # type: ignore[attr-defined]
        except ImportError:  # Python 3.10
            import sre_parse as _parser
    return _parser


def _walk(items: Any, parser: Any, found: list[str], inside_repeat: bool = False) -> int:
    """The repetitions (of more than one time) in parsed `items`; what makes the pattern
    risky is appended to `found`."""
    names = {str(op) for op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")}
    repeats = 0
    for op, value in items:
        kind = str(op)
        if kind in ("GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE"):
            found.append("usa una referencia a un grupo (\\1)")
        if kind in names:
            low, high, body = value
            varies = high is parser.MAXREPEAT or high > low  # a choice to backtrack over
            many = varies and (high is parser.MAXREPEAT or high > 1)
            if varies and inside_repeat:
                found.append("repite algo que ya se repite (como (A+)+)")
            repeats += many + _walk(body, parser, found, inside_repeat or many)
        elif kind == "BRANCH":
            if inside_repeat:
                found.append("repite una alternativa (como (a|aa)*)")
            repeats += sum(_walk(b, parser, found, inside_repeat) for b in value[1])
        else:
            repeats += sum(_walk(part, parser, found, inside_repeat)
                           for part in _subpatterns(value, parser))
    return repeats


def _subpatterns(value: Any, parser: Any) -> list[Any]:
    """The parsed sub-patterns an item holds (a group, a look-around, an atomic group)."""
    if isinstance(value, parser.SubPattern):
        return [value]
    if isinstance(value, tuple):
        return [v for v in value if isinstance(v, parser.SubPattern)]
    return []


def _phone_region(text: str, problems: Problems) -> str:
    region = text.strip().upper()
    if not known_phone_region(region):
        problems["ESCALATE_PHONE_REGION"] = (
            f"ESCALATE_PHONE_REGION={region!r} no es una región telefónica conocida (por "
            "ejemplo MX, US, ES, CO).")
    return region


def _portal(text: str, problems: Problems) -> str | None:
    """The portal whose stored key to use (`--portal`, ESCALATE_PORTAL), if any."""
    portal = text.strip() or None
    if portal is not None and not PORTAL_ID.fullmatch(portal):
        problems["ESCALATE_PORTAL"] = (f"--portal/ESCALATE_PORTAL={portal[:40]!r} no es un id "
                                       "de portal de HubSpot (solo dígitos, como 48151623).")
    return portal


def _switch(name: str, text: str, problems: Problems) -> bool:
    """A yes/no variable: 1, true, sí... or 0, false, no... (empty: no); anything else is
    a problem, never read as «no» in silence."""
    word = text.strip().lower()
    if word in YES:
        return True
    if word and word not in NO:
        problems[name] = (f"{name}={text[:30]!r} no es sí ni no: use 1 (sí) o 0 (no).")
    return False


def _files_folder(text: str, problems: Problems) -> str:
    """The HubSpot folder for screenshots: `/escalaciones`, a path of plain names (no «..»,
    which HubSpot would take as a folder's name, storing files where nobody looks)."""
    parts = [p for p in text.strip().replace("\\", "/").split("/") if p.strip()]
    bad = [p for p in parts if p.strip() in (".", "..") or any(ord(c) < 32 for c in p)]
    if bad:
        problems["ESCALATE_FILES_FOLDER"] = (
            f"ESCALATE_FILES_FOLDER={text[:60]!r} no es una carpeta de HubSpot: use nombres "
            "separados por «/», sin «.» ni «..» (por ejemplo /escalaciones).")
        return DEFAULTS["ESCALATE_FILES_FOLDER"]
    return "/" + "/".join(p.strip() for p in parts)


def load(environ: Mapping[str, str] | None = None, cwd: Path | None = None,
         *, sandbox: bool = False, portal: str | None = None) -> Settings:
    """Settings from the environment, then `.env`; every bad value named at once (exit 2).

    The key stored by `escalate acceder` is read later, only by a command that reaches
    HubSpot (`with_stored_key`)."""
    env = dict(os.environ if environ is None else environ)
    dotenv_path = (cwd or Path.cwd()) / ".env"
    file_values, warnings = dotenv_values(dotenv_path)
    env = {k: v for k, v in env.items() if v != ""}
    merged = {**DEFAULTS, **file_values, **env}

    problems: Problems = {}

    def number(name: str, low: float = 0.0) -> float:
        raw = merged[name]
        try:
            value = float(raw)
        except ValueError:
            problems[name] = f"{name}={raw[:30]!r} no es un número."
            return float(DEFAULTS[name])
        if not math.isfinite(value) or value <= low or value > MAXIMA[name]:
            problems[name] = (f"{name}={raw[:30]!r}: debe ser un número mayor que {low:g} y "
                              f"de hasta {MAXIMA[name]:g}.")
            return float(DEFAULTS[name])
        return value

    base_url = merged["HUBSPOT_BASE_URL"].rstrip("/")
    url_problem = check_base_url(base_url)
    if url_problem:
        problems["HUBSPOT_BASE_URL"] = url_problem
    policy_pattern = _policy_pattern(merged["ESCALATE_POLICY_PATTERN"], problems)
    region = _phone_region(merged["ESCALATE_PHONE_REGION"], problems)
    folder = _files_folder(merged["ESCALATE_FILES_FOLDER"], problems)
    agent = _agent_email(merged.get("ESCALATE_AGENT", ""), problems)
    policy_file = merged.get("ESCALATE_POLICY_FILE", "").strip()
    token, source = _token(env, file_values)
    portal = _portal(portal or merged.get("ESCALATE_PORTAL", ""), problems)
    home = Path(merged["ESCALATE_HOME"]).expanduser() if merged.get("ESCALATE_HOME") else None
    settings = Settings(
        token=token,
        token_source=source,
        portal=portal,
        keys_dir=home or _default_keys_dir(),
        base_url=base_url,
        sandbox=_switch("ESCALATE_SANDBOX", merged.get("ESCALATE_SANDBOX", ""), problems)
        or sandbox,
        home=home or _default_home(),
        stage=merged["ESCALATE_STAGE"].strip() or DEFAULTS["ESCALATE_STAGE"],
        pipeline=merged["ESCALATE_PIPELINE"].strip() or None,
        phone_region=region,
        policy_pattern=policy_pattern,
        followup_hours=number("ESCALATE_FOLLOWUP_HOURS"),
        files_folder=folder,
        max_file_mb=number("ESCALATE_MAX_FILE_MB"),
        retry_seconds=number("ESCALATE_RETRY_SECONDS", -1),
        offline_retry_seconds=number("ESCALATE_OFFLINE_RETRY_SECONDS", -1),
        timeout_seconds=number("ESCALATE_TIMEOUT_SECONDS"),
        warnings=tuple(warnings),
        agent=agent,
        policy_file=Path(policy_file).expanduser() if policy_file else None,
    )
    if settings.home.exists() and not settings.home.is_dir():
        problems["ESCALATE_HOME"] = (f"ESCALATE_HOME={str(settings.home)!r} es un archivo, no "
                                     "una carpeta: apunte ESCALATE_HOME a una carpeta (o mueva "
                                     "ese archivo).")
    if problems:
        raise InvalidInput(list(problems.values()), fields=problems,
                           hint="Revise las variables de entorno o el archivo .env.")
    token_problem = check_token(settings.token)
    if token_problem:
        raise AuthProblem(token_problem, hint="Copie de nuevo el token de HubSpot en una sola "
                          "línea, sin espacios, en HUBSPOT_ACCESS_TOKEN (entorno o .env).")
    return settings


PORTAL_ID = re.compile(r"[0-9]{1,15}")


def _token(env: Mapping[str, str], dotenv: Mapping[str, str]) -> tuple[str | None, str | None]:
    """HUBSPOT_ACCESS_TOKEN and where it came from: the environment wins over `.env`
    (scheduled jobs and CI set it there), and both over a key stored by `acceder`."""
    for source, values in (("env", env), ("dotenv", dotenv)):
        token = values.get("HUBSPOT_ACCESS_TOKEN", "").strip()
        if token:
            return token, source
    return None, None


def with_stored_key(settings: Settings) -> Settings:
    """The settings with the key `escalate acceder` stored, when no variable gives one and
    one is stored (that of `settings.portal`, or the only one). Exit 4 naming the stored
    portals when the one asked for is not among them or none was chosen among several."""
    if settings.token or settings.sandbox or settings.keys_dir is None:
        return settings
    from dataclasses import replace

    from .keystore import KeyStore

    store = KeyStore(settings.keys_dir)
    entry = store.choose(settings.portal)
    if entry is None:
        return settings
    key = store.key(entry)
    problem = check_token(key)
    if problem:
        raise AuthProblem(problem, hint="Guárdela de nuevo con «escalate acceder».")
    return replace(settings, token=key, token_source=entry.source)


def check_token(token: str | None) -> str | None:
    """A bearer token is printable ASCII without spaces; the message never shows it."""
    problem = token_problem(token) if token else None
    if problem is None:
        return None
    return f"El token de HubSpot (HUBSPOT_ACCESS_TOKEN) {problem}: no es un token válido."


def token_problem(token: str) -> str | None:
    """What makes `token` unusable as a bearer token («tiene un espacio en la posición 3
    de 40»), without showing it; None when it can be sent."""
    for position, ch in enumerate(token, start=1):
        if ch.isspace():
            what = "un salto de línea" if ch in "\r\n" else "un espacio"
        elif ord(ch) < 32 or ord(ch) == 127:
            what = "un carácter de control"
        elif ord(ch) > 126:
            what = "un carácter que no es ASCII (¿una comilla tipográfica o un acento?)"
        else:
            continue
        return f"tiene {what} en la posición {position} de {len(token)}"
    return None


def known_phone_region(region: str) -> bool:
    """Whether `phonenumbers` knows the region, without importing it (≈45 ms) at start-up.

    Its metadata keeps one module per region (phonenumbers/data/region_XX.py); when that
    layout is not found, the library itself answers.
    """
    if not re.fullmatch(r"[A-Z]{2}", region):
        return False
    from importlib.util import find_spec

    spec = find_spec("phonenumbers")
    folder = Path(spec.origin).parent / "data" if spec and spec.origin else None
    if folder is not None and (folder / "region_MX.py").is_file():
        return (folder / f"region_{region}.py").is_file()
    import phonenumbers

    return region in phonenumbers.SUPPORTED_REGIONS


def _agent_email(raw: str, problems: Problems) -> str | None:
    """ESCALATE_AGENT normalised (lower-case), or None; a bad address is a problem."""
    text = raw.strip()
    if not text:
        return None
    from .domain.addresses import user_email

    email = user_email(text)
    if email is None:
        problems["ESCALATE_AGENT"] = (f"ESCALATE_AGENT={text[:60]!r} no es un correo válido: "
                                      "debe ser el correo del agente como usuario de HubSpot.")
    return email


def check_base_url(url: str) -> str | None:
    """Only https, or plain http to this machine: a token must never travel in clear."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return None
    if parts.scheme == "http":
        return (f"HUBSPOT_BASE_URL={url!r} usa http sin cifrar hacia otra máquina: el token "
                "viajaría en claro. Use https (o http solo hacia 127.0.0.1/localhost).")
    return f"HUBSPOT_BASE_URL={url!r} no es una URL https válida."


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine (localhost, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _default_home() -> Path:
    from platformdirs import user_data_path

    return user_data_path("escalate", appauthor=False)


def _default_keys_dir() -> Path:
    """The user's configuration folder, where the stored keys are listed (ESCALATE_HOME
    when set: every piece of local state goes there)."""
    from platformdirs import user_config_path

    return user_config_path("escalate", appauthor=False)
