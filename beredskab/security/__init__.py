"""security: who may do what. Roles and refusals, including who may read sensitive log
entries (``access``), PINs for SMS commands (``pins``), signing in to the web (``signin``),
API tokens for integrations (``api_tokens``) and the audit trail every refusal and sensitive
read leaves (``audit``). The primitives they stand on (bounds, keys, action tokens) are in
``beredskab.boundary``."""
