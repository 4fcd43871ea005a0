"""Post-mortems written in German, Spanish or French: their headings, property labels,
timeline words and severities are read as the English ones are (they gave a title and
nothing else), each value checked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from basics.core.severity import severity_level
from basics.postmortems.parse import parse

GERMAN = """\
# Post-Mortem: Ausfall der Suche nach Zertifikatsablauf

**Schweregrad:** Kritisch
**Betroffene Dienste:** search, api-gateway
**Datum:** 05.03.2026

## Zusammenfassung
Das TLS-Zertifikat von search.example.com ist abgelaufen; die Suche war 50 Minuten weg.

## Zeitlinie (alle Zeiten MEZ)
- 08:00 Zertifikat abgelaufen, Fehler beginnen
- 08:22 Kunden melden Fehler beim Support
- 08:40 Neues Zertifikat ausgerollt
- 08:50 Störung behoben

## Ursache
Die automatische Erneuerung (cert-manager) war seit der Migration deaktiviert.

## Maßnahmen
- [ ] Zertifikatsablauf überwachen (@dana, fällig 2026-03-20)
- [x] cert-manager wieder aktivieren (@lee)
"""

SPANISH = """\
# Postmortem: Caída de pagos por pool de conexiones

**Severidad:** Sev 2
**Servicios afectados:** payments, checkout
**Fecha:** 2026-02-25

## Resumen
El servicio de pagos devolvió errores 500 durante 35 minutos.

## Cronología (hora UTC)
- 18:05 Escalado automático a 60 pods
- 18:07 Comienzan los errores 500 en pagos
- 18:12 Alerta PaymentsErrorRate
- 18:30 Se reduce el número de pods, mitigado
- 18:42 Resuelto

## Causa raíz
El pool de PgBouncer no se dimensiona según el número de pods.

## Acciones correctivas
- [ ] Dimensionar el pool por pod (@li, fecha límite 2026-03-31)
"""


def test_a_german_post_mortem_is_read() -> None:
    pm = parse(GERMAN, "de.md", "UTC")
    T = dt.datetime
    # MEZ is UTC+1: 08:00 MEZ is 07:00 UTC ("08:00 Zertifikat…" is no time in zone Z).
    assert (pm.started, pm.detected, pm.mitigated, pm.resolved) == (
        T(2026, 3, 5, 7, 0), T(2026, 3, 5, 7, 22), T(2026, 3, 5, 7, 40), T(2026, 3, 5, 7, 50)
    )  # fmt: skip
    assert (pm.severity, pm.services, pm.detection) == (
        "Kritisch",
        ("search", "api-gateway"),
        "customer",
    )
    assert [(a.owner, a.status, a.due) for a in pm.action_items] == [
        ("dana", "open", dt.date(2026, 3, 20)),
        ("lee", "done", None),
    ]
    assert pm.missing == ()


def test_a_spanish_post_mortem_is_read() -> None:
    pm = parse(SPANISH, "es.md", "Europe/Madrid")
    T = dt.datetime
    assert (pm.started, pm.detected, pm.mitigated, pm.resolved) == (
        T(2026, 2, 25, 18, 7), T(2026, 2, 25, 18, 12), T(2026, 2, 25, 18, 30),
        T(2026, 2, 25, 18, 42),
    )  # fmt: skip
    assert (pm.severity, pm.services, pm.detection) == ("Sev 2", ("payments", "checkout"), "alert")
    assert [(a.owner, a.due) for a in pm.action_items] == [("li", dt.date(2026, 3, 31))]


@pytest.mark.parametrize(
    ("written", "level"),
    [
        ("Kritisch", 1),
        ("crítico", 1),
        ("Hoch", 2),
        ("élevé", 2),
        ("mittel", 3),
        ("Bajo", 4),
        # agreeing with "gravité" and "gravedad", both feminine: Élevée named no level
        ("Élevée", 2),
        ("majeure", 2),
        ("Moyenne", 3),
        ("Crítica", 1),
        ("media", 3),
    ],
)
def test_severity_words_of_other_languages(written: str, level: int) -> None:
    assert severity_level(written) == level


def test_timeline_lines_that_start_with_a_date_in_words_or_dotted_keep_their_time() -> None:
    """`- 17 Feb 2026 13:58 UTC — …` lost its time (only ISO dates were read at a line's
    start), so the start was the detection and time to detect 0 s."""
    english = (
        "# Certificate expiry on search\n\n## Timeline\n"
        "- 17 Feb 2026 13:58 UTC — certificate expired\n"
        "- 14:03 — customer reports 500s\n"
        "- 15:10 — resolved\n"
    )
    worded = parse(english, "en.md", "UTC")
    american = parse(english.replace("17 Feb 2026 13:58", "Feb 17, 2026, at 13:58"), "us.md", "UTC")
    german = parse(
        "# Zertifikat abgelaufen\n\n## Zeitlinie (alle Zeiten UTC)\n"
        "- 05.03.2026 08:10 Zertifikat abgelaufen\n"
        "- 08:25 Kunden melden Fehler\n"
        "- 09:00 Störung behoben\n",
        "de.md",
        "UTC",
    )

    T = dt.datetime
    for pm in (worded, american):
        assert (pm.started, pm.detected, pm.resolved) == (
            T(2026, 2, 17, 13, 58), T(2026, 2, 17, 14, 3), T(2026, 2, 17, 15, 10)
        )  # fmt: skip
    assert (german.started, german.detected, german.resolved) == (
        T(2026, 3, 5, 8, 10), T(2026, 3, 5, 8, 25), T(2026, 3, 5, 9, 0)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("line", "detection"),
    [
        ("- 08:25 Kunden melden Fehler", "customer"),
        ("- 08:25 clientes reportan errores", "customer"),
        ("- 08:25 des utilisateurs signalent des erreurs", "customer"),
        ("- 08:25 klanten melden fouten", "customer"),
        ("- 08:25 Alerta de latencia disparada", "alert"),
        ("- 08:25 Ein Mitarbeiter bemerkt Fehler im Dashboard", "employee"),
    ],
)
def test_how_it_was_found_is_read_in_other_languages(line: str, detection: str) -> None:
    text = (
        f"# Ausfall\n\n## Timeline\n- 2026-03-05 08:10 Fehler beginnen\n{line}\n- 09:00 behoben\n"
    )
    assert parse(text, "x.md", "UTC").detection == detection


def test_action_item_owners_are_read_in_other_languages() -> None:
    text = (
        "# Ausfall\n\n## Maßnahmen\n"
        "- [ ] Ablauf-Alarm für Zertifikate (Verantwortlich: carol, fällig 2026-03-31)\n"
        "- [ ] Renovar el certificado (responsable: alice, fecha límite 2026-04-01)\n"
        "- [ ] Surveiller l'expiration (propriétaire : dana, échéance 2026-04-02)\n"
    )
    items = parse(text, "x.md", "UTC").action_items
    assert [(a.owner, a.due) for a in items] == [
        ("carol", dt.date(2026, 3, 31)),
        ("alice", dt.date(2026, 4, 1)),
        ("dana", dt.date(2026, 4, 2)),
    ]
    assert [a.title for a in items] == [
        "Ablauf-Alarm für Zertifikate",
        "Renovar el certificado",
        "Surveiller l'expiration",
    ]


def test_owner_words_of_prose_name_no_owner() -> None:
    """Words such as `responsable` and `zuständig` are prose too: an owner follows them only
    after a colon ("el servicio responsable de pagos" gave the owner "de pagos")."""
    text = (
        "# X\n\n## Acciones\n"
        "- [ ] Documentar el servicio responsable de pagos\n"
        "- [ ] Contactar al encargado del turno\n"
        "- [ ] Prüfen, wer zuständig ist für Backups\n"
        "- [ ] Identifier l'équipe responsable du DNS (propriétaire : dana)\n"
    )
    items = parse(text, "x.md", "UTC").action_items
    assert [a.owner for a in items] == [None, None, None, "dana"]
