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
    [("Kritisch", 1), ("crítico", 1), ("Hoch", 2), ("élevé", 2), ("mittel", 3), ("Bajo", 4)],
)
def test_severity_words_of_other_languages(written: str, level: int) -> None:
    assert severity_level(written) == level
