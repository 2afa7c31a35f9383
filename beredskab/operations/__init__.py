"""Operating the service: the startup line, `beredskab doctor` and test messages.

``startup_line`` says what `serve` runs with once it is ready; ``doctor`` checks a
deployment (config, database, plan, secrets, providers, the public URL) and ``providers``
holds its provider checks; ``test_message`` sends a marked test through the outbox and
follows it; ``identity`` names the service so the doctor can tell it answers at the public
URL. ``texts`` holds what they say, in Danish and English.
"""
