"""boundary: primitives at the edge, with no policy. Bounds on every inbound string and
number (``bounds``), key material and keyrings (``keys``, ``keyring``) and the signed
action tokens in links and buttons (``action_tokens``). Who may do what is
``beredskab.security``."""
