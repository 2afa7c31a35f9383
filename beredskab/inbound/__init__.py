"""inbound: what comes in from providers and people. The inbox (``inbox``) stores every
webhook, SMS and Telegram update first, deduplicated by the provider's id, and applies them
in order per sender (``batch``, ``turns``, ``together``); events that arrive while the database
is unreachable wait in a local durable spool (``spool``, ``replay``). The SMS interface lives
here too: the grammar (``sms``), the commands (``sms_commands``), the one-transaction answers
such as "OK" (``sms_answers``), residents' TILMELD and STOP (``subscribe``) and the SMS
texts (``sms_texts``)."""
