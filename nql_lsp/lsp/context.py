"""What every handler is given: the session (state), the scheduler (where work runs) and the client."""

from __future__ import annotations

from dataclasses import dataclass

from nql_lsp.lsp.client import Client
from nql_lsp.lsp.scheduler import Scheduler
from nql_lsp.lsp.session import Session


@dataclass(frozen=True, slots=True)
class Context:
    session: Session
    scheduler: Scheduler
    client: Client
