"""The contact directory kept by the secretariat in the database.

Playbooks stay TOML files (the signed plan); the directory (people, roles, outreach targets,
who contacts whom) is stored as revisions in the database once it has been imported or edited
(``store``), each change validated exactly as `plan check` validates the file and recorded
per person with before and after (``changes``). ``edit`` holds the web's person edits,
``tabular`` the CSV/XLSX import and export, ``document`` the JSON and TOML forms.
While the database holds no directory, the configured TOML file is used.
"""
