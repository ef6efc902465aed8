"""The services one server process runs, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass

from confplane.devices.fanout import Fanout
from confplane.devices.hub import Hub
from confplane.domain.auth import AuthService
from confplane.domain.conferences import ConferenceService
from confplane.domain.directory import DirectoryService
from confplane.domain.presence import PresenceService
from confplane.domain.tickets import TicketService
from confplane.store.database import Database


@dataclass(slots=True)
class Services:
    db: Database
    auth: AuthService
    directory: DirectoryService
    conferences: ConferenceService
    presence: PresenceService
    admin_token: str
    tickets: TicketService
    hub: Hub
    fanout: Fanout
