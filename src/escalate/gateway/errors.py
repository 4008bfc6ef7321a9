"""HubSpot's error answers, parsed once into the tool's typed exceptions (Spanish messages).

Everything that reads HubSpot's error text lives here; workflows branch on the
exception types and their attributes. Every message keeps HubSpot's correlation id.
No `hubspot` import: a client `ApiException` is recognised by its attributes.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any

from ..errors import (
    AuthProblem,
    Conflict,
    ErrorItem,
    EscalateError,
    HubSpotAnswer,
    InvalidAssociations,
    InvalidProperty,
    InvalidToken,
    MissingScopes,
    NotFound,
    RateLimited,
    Refused,
    RequiredProperties,
    RuleRefused,
    ServerError,
    UniqueConflict,
    Unreachable,
)
from ..redaction import redact, redact_data

# What a property problem's code means, for the agent.
CODE_TEXT = {
    "PROPERTY_DOESNT_EXIST": "no existe en el portal",
    "INVALID_OPTION": "no es una de las opciones del portal",
    "READ_ONLY_VALUE": "es de solo lectura",
    "INVALID_LONG": "no es un número ni una fecha válida",
    "INVALID_INTEGER": "no es un número entero",
    "INVALID_DATE": "no es una fecha válida (medianoche UTC)",
    "INVALID_EMAIL": "no es un correo válido",
    "INVALID_PHONE_NUMBER": "no es un teléfono válido",
    "REQUIRED_PROPERTY": "es obligatoria",
}
# A property problem that names the admin's rule it broke (the sandbox's shape: HubSpot's
# own answer to a rule is unpublished, so a problem without these fields stays generic).
RULE_FIELDS = ("ruleType", "ruleArguments")
_DUPLICATE_WORDS = ("already has that value", "already exists", "unique value",
                    "already in use", "duplicate")
_DUPLICATE_CODES = ("UNIQUE", "DUPLICATE", "ALREADY", "CONFLICT")
_LIST_PREFIX = re.compile(r":\s*(\[.*\])\s*$", re.S)
_EXISTING_ID = re.compile(r"Existing ID:\s*(\d+)", re.I)
_QUOTED_PROPERTY = re.compile(r"propert(?:y|ies)\s+['\"“«]?([A-Za-z0-9_]+)['\"”»]?", re.I)


def is_api_error(exc: BaseException) -> bool:
    """A client `ApiException` (or its 401/403/404/5xx subclasses) of any `hubspot`
    sub-package: each has its own class, all carry status, body and headers."""
    return (any(c.__name__ == "ApiException" for c in type(exc).__mro__)
            and hasattr(exc, "status") and hasattr(exc, "body"))


def error_body(exc: Any) -> dict[str, Any]:
    """HubSpot's JSON error body, or {"_text": ...} when the answer was not JSON."""
    raw = getattr(exc, "body", None) or b""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested past what json reads
        return {"_text": text}
    return body if isinstance(body, dict) else {"_text": text}


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if v is not None)
    return () if value is None or isinstance(value, dict) else (str(value),)


def _context(raw: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): _strings(v) for k, v in raw.items()}


def _headers(exc: Any, secrets: tuple[str, ...]) -> dict[str, str]:
    headers = getattr(exc, "headers", None)
    try:
        return {str(k): redact(str(v), secrets) for k, v in (headers or {}).items()
                if str(k).lower() != "authorization"}
    except AttributeError:
        return {}


def parse(exc: Any, secrets: Iterable[str] = ()) -> HubSpotAnswer:
    """Every field of HubSpot's error answer that the tool uses, all optional; `secrets`
    (the token) and anything shaped like a credential scrubbed from all of it first, since
    an answer may echo the request's Authorization header."""
    known = tuple(secrets)
    status = int(getattr(exc, "status", 0) or 0)
    body = redact_data(error_body(exc), known)
    items: list[ErrorItem] = []
    for raw in body.get("errors") or []:
        if isinstance(raw, dict):
            items.append(ErrorItem(code=_opt(raw.get("code")), message=str(raw.get("message")
                                                                           or ""),
                                   in_=_opt(raw.get("in")), context=_context(raw.get("context"))))
    items += _property_problems(body)
    return HubSpotAnswer(
        status=status, category=_opt(body.get("category") or body.get("errorType")),
        sub_category=_opt(body.get("subCategory")), message=_readable(body, status),
        correlation_id=_opt(body.get("correlationId")), errors=tuple(items),
        context=_context(body.get("context")), headers=_headers(exc, known), raw=body)


def _opt(value: Any) -> str | None:
    return None if value is None or isinstance(value, (dict, list)) else str(value)


def _property_problems(body: dict[str, Any]) -> list[ErrorItem]:
    """HubSpot's per-property list: `validationResults`, or the JSON list inside the
    message ("Property values were not valid: [{...}]"), as error items `in` the property."""
    found: list[Any] = list(body.get("validationResults") or [])
    message = body.get("message")
    if isinstance(message, str):
        embedded = _LIST_PREFIX.search(message)
        if embedded:
            try:
                listed = json.loads(embedded.group(1))
            except ValueError:
                listed = []
            found += listed if isinstance(listed, list) else []
    return [ErrorItem(code=_opt(p.get("error") or p.get("code")),
                      message=str(p.get("message") or ""), in_=_opt(p.get("name")),
                      context=_context({k: p[k] for k in RULE_FIELDS if k in p}))
            for p in found if isinstance(p, dict) and p.get("name")]


def _readable(body: dict[str, Any], status: int) -> str:
    if "message" in body:
        message = str(body["message"])
        details = [str(e.get("message")) for e in body.get("errors") or []
                   if isinstance(e, dict) and e.get("message")]
        if details and len(message) < 200:
            message += " (" + "; ".join(details[:3]) + ")"
        return message[:600]
    text = body.get("_text", "")
    title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
    if title:
        text = title.group(1)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())
    return (f"respuesta no válida (HTTP {status}): {text[:120]}" if text
            else f"respuesta vacía (HTTP {status})")


def missing_scopes(body: dict[str, Any]) -> list[str]:
    scopes: list[str] = []
    for error in body.get("errors") or []:
        context = (error or {}).get("context") or {}
        for key in ("requiredGranularScopes", "requiredScopes"):
            scopes += [str(s) for s in context.get(key) or []]
    return scopes


def property_problems(answer: HubSpotAnswer) -> dict[str, tuple[str, ...]]:
    """Each property HubSpot named as refused, with its codes."""
    problems: dict[str, list[str]] = {}
    for item in answer.errors:
        names = list(item.context.get("propertyName", ()))
        if item.in_ and item.in_ not in ("body", "query", "path", "header") and not names:
            names = [item.in_]
        for name in names:
            problems.setdefault(name, [])
            if item.code and item.code not in problems[name]:
                problems[name].append(item.code)
    return {k: tuple(v) for k, v in problems.items()}


def _duplicate(code: str | None, message: str) -> bool:
    lowered = message.lower()
    return (any(w in (code or "").upper() for w in _DUPLICATE_CODES)
            or any(w in lowered for w in _DUPLICATE_WORDS))


def unique_conflict(answer: HubSpotAnswer) -> tuple[bool, str | None]:
    """Whether the answer says a unique value is taken, and which property, if named."""
    if answer.status == 409:
        names = answer.context.get("propertyName") or ()
        if not names:
            quoted = _QUOTED_PROPERTY.search(answer.message)
            names = (quoted.group(1),) if quoted else ()
        unique = (answer.category == "OBJECT_ALREADY_EXISTS" or "unique" in
                  answer.message.lower())
        return unique, names[0] if names else None
    if answer.status == 400:
        for item in answer.errors:
            if _duplicate(item.code, item.message):
                name = (item.context.get("propertyName") or (item.in_,))[0]
                return True, name
        if _duplicate(answer.sub_category, answer.message):
            quoted = _QUOTED_PROPERTY.search(answer.message)
            return True, quoted.group(1) if quoted else None
    return False, None


def _names(names: Any) -> str:
    return ", ".join(f"«{n}»" for n in names)


def translate(exc: Any, secrets: Iterable[str] = ()) -> EscalateError:
    """The tool's typed exception for a client ApiException (`secrets` never in it)."""
    answer = parse(exc, secrets)
    return from_answer(answer)


def from_answer(answer: HubSpotAnswer) -> EscalateError:
    status, message, ref = answer.status, answer.message, answer.reference()
    if status == 401:
        return InvalidToken(
            "HubSpot rechazó la clave (service key o token): es inválida o expiró." + ref,
            hint="Copie de nuevo la clave de servicio (o el token de la app privada heredada) "
                 "desde HubSpot.", answer=answer)
    if status == 403:
        scopes = tuple(missing_scopes(answer.raw))
        if scopes:
            return MissingScopes(
                "A la clave de servicio (o token) le falta el permiso (scope) "
                + ", ".join(f"«{s}»" for s in scopes) + "." + ref, scopes=scopes,
                hint="Un administrador debe agregarlo a la clave de servicio (o a la app "
                     "privada) en HubSpot.", answer=answer)
        return AuthProblem(f"HubSpot negó el acceso: {message}{ref}", answer=answer)
    if status == 404:
        return NotFound(f"HubSpot no encontró lo solicitado: {message}{ref}", answer=answer)
    if status == 429:
        policy = answer.raw.get("policyName")
        return RateLimited("HubSpot sigue limitando las solicitudes (límite de uso del portal "
                           "compartido por el equipo)." + ref,
                           policy=str(policy) if policy else None, answer=answer)
    if status == 0:
        return Unreachable(f"HubSpot no está disponible: {message}{ref}", answer=answer)
    if status >= 500:
        return ServerError(f"HubSpot no está disponible: {message}{ref}", answer=answer)
    unique, name = unique_conflict(answer)
    if unique:
        existing = _EXISTING_ID.search(answer.message)
        what = f"la propiedad «{name}»" if name else "una propiedad de valor único"
        return UniqueConflict(f"Ya existe un objeto con ese valor en {what}.{ref}",
                              property_name=name,
                              existing_id=existing.group(1) if existing else None, answer=answer)
    if status == 409:
        return Conflict(f"HubSpot indica un conflicto: {message}{ref}", answer=answer)
    if status == 400:
        refused = _validation(answer)
        if refused is not None:
            return refused
    return Refused(f"HubSpot rechazó la solicitud: {message}{ref}", answer=answer)


def _validation(answer: HubSpotAnswer) -> EscalateError | None:
    ref = answer.reference()
    invalid_ids = answer.context.get("INVALID_OBJECT_IDS") or tuple(
        i for item in answer.errors for i in item.context.get("INVALID_OBJECT_IDS", ()))
    if invalid_ids:
        return InvalidAssociations(
            "HubSpot no pudo asociar: no existe(n) " + ", ".join(invalid_ids) + "." + ref,
            object_ids=invalid_ids, answer=answer)
    problems = property_problems(answer)
    required = _required(answer, problems)
    if required is not None:
        return required
    broken = next((item for item in answer.errors if item.in_ and item.context.get("ruleType")),
                  None)
    if broken is not None and broken.in_ is not None:
        return _rule_refused(broken.in_, broken, ref, answer)
    if problems:
        described = "; ".join(
            f"«{name}» " + (", ".join(CODE_TEXT.get(c, c) for c in codes) or "no es válida")
            for name, codes in problems.items())
        return InvalidProperty(f"HubSpot rechazó propiedades: {described}.{ref}",
                               problems=problems, answer=answer)
    return None


def _required(answer: HubSpotAnswer,
              problems: dict[str, tuple[str, ...]]) -> RequiredProperties | None:
    """Properties HubSpot says must be set and were not (a create missing what the portal
    requires)."""
    required = answer.context.get("properties") or tuple(
        n for n, codes in problems.items() if codes and set(codes) == {"REQUIRED_PROPERTY"})
    if not required or not (answer.context.get("properties") or len(required) == len(problems)):
        return None
    pronoun = "la" if len(required) == 1 else "las"
    return RequiredProperties(
        f"El portal exige {_names(required)} al crear y escalate no {pronoun} llena: "
        "un administrador del portal debe revisar esa regla." + answer.reference(),
        properties=tuple(required), answer=answer)


def _rule_refused(name: str, item: ErrorItem, ref: str, answer: HubSpotAnswer) -> RuleRefused:
    from ..domain.records import PropertyRule
    from ..domain.rules import describe

    rule = PropertyRule(kind=item.context["ruleType"][0],
                        arguments=item.context.get("ruleArguments", ()))
    return RuleRefused(
        f"El portal no acepta el valor de «{name}»: debe {describe(rule)} (una regla que un "
        f"administrador puso en la propiedad).{ref}",
        hint="Corrija el valor y vuelva a enviar, o pida a un administrador del portal que "
             "revise la regla.", property_name=name, rule_kind=rule.kind,
        rule_arguments=rule.arguments, answer=answer)
