"""One problem, many clients (issue 25): the detection, the incident's name, description and
priority (pure), then `incidentes` and the incident's closing against the sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from escalate.domain import incidents
from escalate.domain.incidents import Fingerprint, Member, Open, detect, similarity
from escalate.domain.priority import Priority
from tests.incident_day import escalations, replay

NOW = datetime(2026, 12, 2, 12, tzinfo=timezone.utc)
PLATE = Fingerprint.of("El endoso no guarda el cambio de placa", "Portal web, pantalla de Endosos")


def opened(ticket_id: str, what: str, where: str, *, days_ago: float = 1,
           incident: str | None = None) -> Open:
    return Open(ticket_id, NOW - timedelta(days=days_ago), Fingerprint.of(what, where), incident)


# -- the detection ------------------------------------------------------------------------


def test_the_same_problem_in_other_words_on_the_same_screen_looks_alike() -> None:
    other = Fingerprint.of("La placa nueva no se guarda al hacer el endoso", "web, Endosos")
    assert similarity(PLATE, other) >= incidents.SIMILAR


def test_another_problem_on_the_same_screen_does_not() -> None:
    other = Fingerprint.of("No aparece la opción de endoso de domicilio", "Portal web, Endosos")
    assert similarity(PLATE, other) < incidents.SIMILAR


def test_the_same_words_on_another_medium_weigh_less_than_on_the_same_screen() -> None:
    same = Fingerprint.of("El endoso no guarda el cambio de placa", "web, pantalla de Endosos")
    app = Fingerprint.of("El endoso no guarda el cambio de placa", "App móvil, Endosos")
    assert similarity(PLATE, same) > similarity(PLATE, app)


def test_accents_and_case_do_not_matter() -> None:
    shouted = Fingerprint.of("EL ENDOSO NO GUARDA EL CAMBIO DE PLACA", "PORTAL WEB, ENDOSOS")
    assert similarity(PLATE, shouted) == 100


def test_the_incident_most_similar_tickets_belong_to_is_offered() -> None:
    found = detect(PLATE, [
        opened("11", "No se guarda la placa nueva en el endoso", "web, Endosos", incident="90"),
        opened("12", "El cambio de placa no queda guardado en endosos", "web, Endosos",
               incident="90"),
        opened("13", "La app se cierra sola", "App Android, inicio")], NOW, days=7, minimum=3)
    assert found.incident_id == "90" and not found.propose
    assert sorted(m.ticket_id for m in found.similar) == ["11", "12"]


def test_an_incident_is_proposed_from_the_minimum_with_this_one() -> None:
    two = [opened("11", "No se guarda la placa nueva en el endoso", "web, Endosos"),
           opened("12", "El cambio de placa no queda guardado en endosos", "web, Endosos")]
    assert detect(PLATE, two, NOW, days=7, minimum=3).propose
    assert not detect(PLATE, two, NOW, days=7, minimum=4).propose
    assert not detect(PLATE, two[:1], NOW, days=7, minimum=3).offered


def test_tickets_older_than_the_days_looked_back_are_not_compared() -> None:
    old = [opened("11", "No se guarda la placa nueva en el endoso", "web, Endosos", days_ago=8)]
    assert detect(PLATE, old, NOW, days=7, minimum=2).similar == ()


def test_the_seeded_day_smaller_set_meets_the_goals() -> None:
    """12 clients of each of the three problems and 50 unrelated escalations, in the order
    they were made: ≥ 90 % of the related offered their incident, ≤ 5 % of the others one."""
    day = escalations()
    related = {p: [e for e in day if e["problem"] == p][:12] for p in "ABC"}
    keep = {id(e) for group in related.values() for e in group}
    keep |= {id(e) for e in [e for e in day if e["problem"] is None][:50]}
    got = replay([e for e in day if id(e) in keep])
    assert got.related == 30 and got.unrelated == 50
    assert got.related_share >= 0.9, got
    assert got.unrelated_share <= 0.05, got
    assert got.incidents == 3


# -- the incident ticket --------------------------------------------------------------------


def test_the_incident_is_named_by_its_problem_and_count() -> None:
    assert incidents.subject("El endoso no guarda el cambio de placa.", 3) == \
        "INCIDENTE: El endoso no guarda el cambio de placa (3 clientes)"
    assert incidents.subject("uno dos tres cuatro cinco seis siete ocho nueve", 1) == \
        "INCIDENTE: uno dos tres cuatro cinco seis siete ocho… (1 cliente)"
    assert incidents.retitled("INCIDENTE: Placas (3 clientes)", 4) == \
        "INCIDENTE: Placas (4 clientes)"
    assert incidents.retitled("Placas que no se guardan", 2) == \
        "Placas que no se guardan (2 clientes)"


def test_the_priority_rises_with_the_count_and_is_never_lowered() -> None:
    levels = [(Priority.ALTA, 5), (Priority.URGENTE, 20)]
    assert incidents.raised(Priority.MEDIA, 3, levels) is Priority.MEDIA
    assert incidents.raised(Priority.MEDIA, 5, levels) is Priority.ALTA
    assert incidents.raised(Priority.ALTA, 20, levels) is Priority.URGENTE
    assert incidents.raised(Priority.URGENTE, 2, levels) is Priority.URGENTE


def test_the_description_is_the_best_described_members_with_the_policies() -> None:
    short = Member("5", "POL-2", "No guarda placa", "Guardar", "web")
    full = Member("6", "POL-1", "El endoso no guarda el cambio de placa",
                  "Endosos, cambia la placa, Guardar", "Portal web, Endosos")
    assert incidents.best_described([short, full]) is full
    text = incidents.content(full, [short, full])
    assert text.startswith("QUÉ:\nEl endoso no guarda el cambio de placa")
    assert "PÓLIZAS AFECTADAS:\n- POL-1\n- POL-2" in text
