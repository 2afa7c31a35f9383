"""runtime: running the service — supervision of long-running components, health, shutdown,
leadership. ``health.Board`` holds each component's state (ok, degraded, down) with its
reason and since when; ``supervisor.Supervisor`` runs the components of `beredskab serve`,
restarts one that fails with capped backoff and logs once per change of state; ``startup``
waits for a database that does not answer yet; ``shutdown`` bounds how long SIGTERM/SIGINT
may take, however stuck a component is; ``backoff`` is the one capped exponential backoff;
``channels`` builds the delivery channels and their pacing from the settings.

The package itself imports none of them: a command that only opens the database
(``database``, `beredskab status`) does not load the supervision of `serve`."""
