"""incident: what happens during an incident, as use cases. Activation and upgrades
(``activation``, ``upgrade``), the fan-out that asks participants in chunks (``fanout``,
``participants``), acknowledgements from every channel (``acknowledgements``, ``link_answers``),
the ordered steps and the outreach and chief's tasks (``steps``, ``tasks``, ``chief_tasks``),
escalation and reminders (``escalation``, ``sweep``, ``reminders``), the situation log and
picture (``situation_log``, ``picture``), facts and the police case, who may see names and
the journal number (``need_to_know``), the stand-down and its messages (``standdown``,
``all_clear``), lookups (``lookup``) and statistics. Each use case writes its change, its
log entry and its messages in one transaction; the interfaces only call these."""
