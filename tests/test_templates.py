"""Templates per kind of case: `[plantillas.NOMBRE]` read and checked with its lines,
`escalate plantillas` listing them, and a template applied to an agent's answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalate.domain.templates import Template, apply, find
from escalate.errors import InvalidInput

UP = "\x1b[A"  # the arrow key, as a terminal sends it

TEMPLATES = """\
[plantillas.endoso_vehiculo]
titulo = "Endoso de vehículo"
prioridad = "media"
cambios = ["placa", "serie", "modelo"]
evidencia = true
pistas = { que = "¿Qué dato no se guardó?", como = "Pasos desde Endosos" }

[plantillas.cobro_duplicado]
titulo = "Cobro duplicado"
prioridad = "HIGH"
pistas = { "qué" = "Monto y fecha de cada cargo", adjuntos = "El estado de cuenta" }
"""


def write_policy(cli, text: str) -> Path:
    path = Path(cli.cwd) / "escalate.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_plantillas_lists_each_template_with_what_it_asks(cli):
    write_policy(cli, TEMPLATES)
    result = cli("plantillas")
    assert result.code == 0, result.err
    assert "endoso_vehiculo — Endoso de vehículo" in result.out
    assert "Prioridad por omisión: MEDIA" in result.out
    assert "Cambios requeridos: placa=…, serie=…, modelo=…" in result.out
    assert "Evidencia requerida" in result.out
    assert "QUÉ: Monto y fecha de cada cargo" in result.out
    assert "Adjuntos: El estado de cuenta" in result.out


def test_templates_json_in_the_files_order_with_english_alias(cli):
    write_policy(cli, TEMPLATES)
    result = cli("templates", "--json")
    assert result.code == 0, result.err
    assert result.json() == [
        {"name": "endoso_vehiculo", "title": "Endoso de vehículo", "priority": "MEDIA",
         "changes": ["placa", "serie", "modelo"], "evidence": True,
         "hints": {"what": "¿Qué dato no se guardó?", "how": "Pasos desde Endosos"}},
        {"name": "cobro_duplicado", "title": "Cobro duplicado", "priority": "ALTA",
         "changes": [], "evidence": False,
         "hints": {"what": "Monto y fecha de cada cargo", "attachments": "El estado de cuenta"}},
    ]


def test_without_templates_it_says_where_they_are_defined(cli):
    result = cli("plantillas")
    assert result.code == 0
    assert "no hay plantillas" in result.out and "[plantillas.NOMBRE]" in result.out
    assert cli("plantillas", "--json").json() == []


def test_plantillas_is_listed_first_in_spanish_and_templates_hidden(cli):
    result = cli("--help")
    assert "plantillas" in result.out
    assert " templates " not in result.out


@pytest.mark.parametrize(("text", "line", "words"), [
    ("[plantillas.a]\ntitulo = \"A\"\nprioridad = \"ALTISIMA\"\n", 3, "prioridad desconocida"),
    ("[plantillas.a]\ntitulo = \"A\"\ncolor = \"rojo\"\n", 3, "clave desconocida"),
    ("[plantillas.a]\nevidencia = \"si\"\n", 2, "evidencia es true o false"),
    ("[plantillas.a]\ncambios = [\"placa=ABC\"]\n", 2, "sin «=»"),
    ("[plantillas.a]\npistas = { quien = \"x\" }\n", 2, "pregunta desconocida «quien»"),
    ("[plantillas.a]\npistas = { que = \"\" }\n", 2, "texto no vacío"),
    ("[plantillas.a]\ntitulo = \"\"\n", 2, "título"),
    ("\n[plantillas.\"con espacio\"]\ntitulo = \"B\"\n", 2, "nombre de plantilla"),
    ("[plantillas]\na = 3\n", 2, "valor no válido"),
])
def test_a_malformed_template_exits_2_with_its_line_and_nothing_else_runs(cli, text, line,
                                                                          words):
    write_policy(cli, text)
    result = cli("plantillas")
    assert result.code == 2
    assert f"escalate.toml, línea {line}" in result.err, result.err
    assert words in result.err
    assert result.out == ""


# -- the domain: a template applied to the answers ------------------------------------------


def template(**values: object) -> Template:
    return Template.model_validate(values)


def test_a_template_gives_its_priority_unless_the_agent_chose_one():
    vehicle = template(prioridad="MEDIA")
    assert apply("v", vehicle, {"what": "x"}).answers["priority"] == "MEDIA"
    assert apply("v", vehicle, {"priority": "ALTA"}).answers["priority"] == "ALTA"
    assert "priority" not in apply("v", template(), {"what": "x"}).answers


def test_required_changes_missing_are_named_whatever_their_spelling():
    vehicle = template(cambios=["placa", "Número de serie", "modelo"], evidencia=True)
    applied = apply("endoso_vehiculo", vehicle,
                    {"changes": ["PLACA=ABC1234", "numero-de-serie=3N1AB7", "modelo="]})
    assert applied.missing_changes == ("modelo",)
    assert applied.evidence_missing and not applied.complete
    problems = applied.problems()
    assert problems["changes"] == ("La plantilla endoso_vehiculo pide estos cambios "
                                   "campo=valor: modelo=…")
    assert "evidencia" in problems["attachments"]
    done = apply("endoso_vehiculo", vehicle,
                 {"changes": ["placa=A", "numero de serie=B", "modelo=2022"],
                  "attachments": ["captura.png"]})
    assert done.complete and done.problems() == {}


def test_a_template_that_does_not_exist_exits_2_listing_them():
    templates = {"endoso_vehiculo": template(), "cobro_duplicado": template()}
    assert find(templates, "Endoso_Vehiculo")[0] == "endoso_vehiculo"
    with pytest.raises(InvalidInput) as caught:
        find(templates, "emision")
    assert caught.value.exit_code == 2
    assert "cobro_duplicado, endoso_vehiculo" in caught.value.message
    with pytest.raises(InvalidInput) as none:
        find({}, "emision")
    assert "ninguna" in none.value.message


def test_hints_are_keyed_by_the_answers_field():
    vehicle = template(pistas={"donde": "Portal, Endosos > Vehículo"})
    assert vehicle.hint("where") == "Portal, Endosos > Vehículo"
    assert vehicle.hint("what") is None


# -- a template in a create ---------------------------------------------------------------

GOOD_CASE = ["--poliza", "POL-4001", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--que", "El endoso no guarda el cambio de placa",
             "--como", "Endosos > Vehículo > Guardar", "--donde", "Portal web, endosos"]


def test_a_scripted_create_with_a_template_takes_its_priority_and_requires_its_data(
        cli, sandbox, tmp_path):
    from .conftest import png_bytes

    write_policy(cli, TEMPLATES)
    sandbox.forget_requests()
    missing = cli("crear", *GOOD_CASE, "--plantilla", "endoso_vehiculo", "--cambio",
                  "placa=ABC1234")
    assert missing.code == 2
    assert "serie=…" in missing.err and "modelo=…" in missing.err
    assert "evidencia" in missing.err
    assert sandbox.writes() == []
    unknown = cli("crear", *GOOD_CASE, "--plantilla", "endoso_moto")
    assert unknown.code == 2 and "endoso_vehiculo" in unknown.err
    shot = tmp_path / "captura.png"
    shot.write_bytes(png_bytes())
    made = cli("crear", *GOOD_CASE, "--template", "Endoso_Vehiculo", "--cambio", "placa=ABC1234",
               "--cambio", "serie=3VW1K", "--cambio", "modelo=2020", "--adjunto", str(shot),
               "--json")
    assert made.code == 0, made.err
    assert made.json()["priority"] == "MEDIA"  # the template's, none was given
    ticket = sandbox.ticket(made.json()["id"])
    assert ticket.properties["hs_ticket_priority"] == "MEDIUM"
    assert "- serie: 3VW1K" in ticket.properties["content"]


def test_the_template_is_the_first_question_its_hints_and_data_are_asked(
        sandbox, home, tmp_path):
    pytest.importorskip("pexpect")
    from .test_interactive import Term, sent_ticket

    (home / "escalate.toml").write_text(TEMPLATES + "\n[calidad]\nminimo = 0\n",
                                        encoding="utf-8")
    from .conftest import png_bytes

    shot = tmp_path / "captura.png"
    shot.write_bytes(png_bytes())
    t = Term(sandbox, home, "--poliza", "POL-4002", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", columns=140)
    listed = t.wait("Ninguna: un caso general")
    assert "Endoso de vehículo (endoso_vehiculo)" in listed
    assert "Cobro duplicado (cobro_duplicado)" in listed
    t.child.send(UP + UP + "\r")  # from «Ninguna», the default, up to endoso_vehiculo
    t.answer("QUÉ pasa", "El endoso no guarda la placa nueva\r")
    t.answer("CÓMO pasó", "Endosos > Vehículo > Guardar\r")
    t.answer("DÓNDE", "Portal web, endosos\r")
    t.answer("CUÁNDO", "\r")
    t.answer("canal", "\r")
    t.answer("Dato a cambiar", "placa=ABC1234\r")
    t.answer("vacío para terminar", "\r")
    t.answer("serie: valor nuevo", "serie=3VW1K\r")  # the form the question before took
    t.answer("modelo: valor nuevo", "2020\r")
    t.answer("Adjuntos", "\r")  # empty: the template asks for evidence
    t.answer("pide evidencia", str(shot) + "\r")
    t.answer("Qué hacemos", "\r")
    seen = "".join(t.seen)
    assert "Pista de la plantilla: ¿Qué dato no se guardó?" in seen
    assert "Pista de la plantilla: Pasos desde Endosos" in seen
    assert "prioridad MEDIA" in seen and "primera que aplique" not in seen
    ticket = sent_ticket(t, sandbox)
    content = ticket.properties["content"]
    assert "- serie: 3VW1K" in content and "- modelo: 2020" in content
    assert ticket.properties["hs_ticket_priority"] == "MEDIUM"


def test_enter_at_the_template_question_picks_none_and_a_draft_keeps_the_template_chosen(
        sandbox, home, tmp_path):
    """Enter out of habit picks no template; a template chosen still requires its evidence
    when its draft is taken up (the draft forgot it: the review sent it without any)."""
    pytest.importorskip("pexpect")
    from .conftest import png_bytes
    from .test_interactive import CTRL_C, Term, outbox_entries, resume_id

    (home / "escalate.toml").write_text(TEMPLATES + "\n[calidad]\nminimo = 0\n",
                                        encoding="utf-8")
    flags = ("--poliza", "POL-4003", "--cliente", "Ana López", "--correo",
             "ana.lopez@example.com", "--que", "El endoso no guarda la placa nueva", "--como",
             "Endosos > Vehículo > Guardar", "--donde", "Portal web, endosos", "--cambio",
             "placa=ABC1234", "--cambio", "serie=3VW1K", "--cambio", "modelo=2020")
    plain = Term(sandbox, home, *flags, columns=140)
    plain.answer("Ninguna: un caso general", "\r")
    assert "primera que aplique" in plain.wait("primera que aplique")  # no template priority
    plain.child.terminate(force=True)

    t = Term(sandbox, home, *flags, columns=140)
    t.answer("Ninguna: un caso general", UP + UP + "\r")  # endoso_vehiculo
    t.answer("CUÁNDO", "\r")
    t.answer("canal", "\r")
    t.answer("Adjuntos", "\r")  # empty: the template asks for evidence
    t.answer("pide evidencia", CTRL_C)
    code, shown = t.finish()
    assert code == 130, shown
    [draft] = outbox_entries(home)
    assert draft.kind == "draft" and draft.payload["template"] == "endoso_vehiculo"

    shot = tmp_path / "captura.png"
    shot.write_bytes(png_bytes())
    t = Term(sandbox, home, "--borrador", resume_id(shown), columns=140)
    t.answer("pide evidencia", str(shot) + "\r")  # asked again, not sent without it
    t.answer("Qué hacemos", "\r")
    from .test_interactive import sent_file_id

    assert sandbox.file_bytes(sent_file_id(t, sandbox))  # the evidence went up with it
