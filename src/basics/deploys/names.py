"""Deploys named as basics.yaml names services, as pages and incidents are: a service's alias
or its name in another letter case ("Checkout API", "CHECKOUT") stands for the service
("checkout"), so `deploys list --service checkout`, DORA per service and the deploys before
a burn find its deploys. A name basics.yaml does not know is kept as told, and said.

`names` is `Config.service_names()`: each service name and alias in lower case, and the
service it names. Pure functions: no I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from basics.config.models import named_service, unknown_service_said
from basics.deploys.models import DeployRecord, IncidentRecord

named = named_service
"""The service of basics.yaml a name or alias stands for (`config.models.named_service`)."""


def renamed(deploy: DeployRecord, names: Mapping[str, str], keyed: bool) -> DeployRecord:
    """The deploy of the service its name stands for. `keyed`: its source keys deploys by
    service (a CSV's `service:id`, a tag's `service:tag`, a CI record's), so a key that
    begins with the name as told begins with the service's instead, and a deploy told as
    "Checkout" in one export and "checkout" in the next is one deploy."""
    service = named(deploy.service, names)
    if service == deploy.service:
        return deploy
    key, told = deploy.source_key, deploy.service
    if keyed and key.startswith((f"{told}:", f"{told}/")):
        key = service + key[len(told) :]
    return dataclasses.replace(deploy, service=service, source_key=key)


def renamed_incident(incident: IncidentRecord, names: Mapping[str, str]) -> IncidentRecord:
    """The incident of the service its service's name stands for (when it names one)."""
    if incident.service is None or named(incident.service, names) == incident.service:
        return incident
    return dataclasses.replace(incident, service=named(incident.service, names))


def warning(service: str, deploys: int, names: Mapping[str, str]) -> str:
    """What to say of `deploys` deploys of a service basics.yaml does not know."""
    told = "1 deploy names" if deploys == 1 else f"{deploys:,} deploys name"
    return unknown_service_said(service, told, names)
