"""runtime: running the service — supervision of long-running components, health, shutdown,
leadership. ``health.Board`` holds each component's state (ok, degraded, down) with its
reason and since when; ``supervisor.Supervisor`` runs the components of `beredskab serve`,
restarts one that fails with capped backoff and logs once per change of state; ``startup``
waits for a database that does not answer yet; ``shutdown`` bounds how long SIGTERM/SIGINT
may take, however stuck a component is; ``backoff`` is the one capped exponential backoff;
``channels`` builds the delivery channels and their pacing from the settings."""

from beredskab.runtime.backoff import Backoff
from beredskab.runtime.health import Board, Status
from beredskab.runtime.supervisor import Component, FatalError, Job, Supervisor

__all__ = ["Backoff", "Board", "Component", "FatalError", "Job", "Status", "Supervisor"]
