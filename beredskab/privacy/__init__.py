"""Privacy by default (docs/privacy.md): retention of closed incidents, the audit log and raw
inbound messages; a person's data as JSON (GDPR art. 15) and its pseudonymisation (erase).
Who may see an incident's journal number and names is ``beredskab.incident.need_to_know``."""
