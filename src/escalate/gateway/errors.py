"""HubSpot's error answers, turned into the tool's exceptions with Spanish messages."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from ..errors import AuthProblem, Conflict, EscalateError, NotFound, Refused, Unreachable


def error_body(exc: Any) -> dict[str, Any]:
    """HubSpot's JSON error body, or {} when the answer was not JSON (every field optional)."""
    raw = getattr(exc, "body", None) or b""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    try:
        body = json.loads(text)
    except ValueError:
        return {"_text": text}
    return body if isinstance(body, dict) else {"_text": text}


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


def _reference(body: dict[str, Any]) -> str:
    return f" [correlationId {body['correlationId']}]" if body.get("correlationId") else ""


def missing_scopes(body: dict[str, Any]) -> list[str]:
    scopes: list[str] = []
    for error in body.get("errors") or []:
        context = (error or {}).get("context") or {}
        for key in ("requiredGranularScopes", "requiredScopes"):
            scopes += [str(s) for s in context.get(key) or []]
    return scopes


def translate(exc: Any) -> EscalateError:
    """The tool's exception for a client ApiException."""
    status = int(getattr(exc, "status", 0) or 0)
    body = error_body(exc)
    message = _readable(body, status)
    ref = _reference(body)
    if status == 401:
        return AuthProblem(
            "HubSpot rechazó el token (HUBSPOT_ACCESS_TOKEN): es inválido o expiró." + ref,
            hint="Copie de nuevo el token de la app privada en HubSpot (Configuración > "
                 "Integraciones > Apps privadas).")
    if status == 403:
        scopes = missing_scopes(body)
        if scopes:
            return AuthProblem(
                "Al token le falta el permiso (scope) " + ", ".join(f"«{s}»" for s in scopes)
                + "." + ref,
                hint="Un administrador debe agregarlo en la app privada de HubSpot.")
        return AuthProblem(f"HubSpot negó el acceso: {message}{ref}")
    if status == 404:
        return NotFound(f"HubSpot no encontró lo solicitado: {message}{ref}")
    if status == 409:
        return Conflict(f"HubSpot indica un conflicto: {message}{ref}")
    if status == 429:
        return Unreachable("HubSpot sigue limitando las solicitudes (límite de uso del portal "
                           "compartido por el equipo)." + ref)
    if status == 0 or status >= 500:
        return Unreachable(f"HubSpot no está disponible: {message}{ref}")
    return Refused(f"HubSpot rechazó la solicitud: {message}{ref}")
