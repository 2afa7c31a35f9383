"""The plan as data: playbook schema, loader, validation and the bundled plan files."""
