"""inbound: what comes in from providers before it reaches the inbox — the local durable spool
for events that arrive while the database is unreachable, and its replayer."""
