"""Real protocol peers (servers) the integration tests talk to."""
