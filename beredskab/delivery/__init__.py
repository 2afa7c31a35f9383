"""delivery: getting messages out. The durable outbox (``outbox``: workers lease due
rows per channel, pace them, record outcomes), composing and queueing messages
(``notifications``), the next channel after a failure (``fallback``), provider receipts
(``receipts``), pacing, what may still go out after a stand-down (``after_close``), signed
email links (``links``) and replies to people who wrote in (``replies``). It knows messages,
not incidents: use cases above decide what to send."""
