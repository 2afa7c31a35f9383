"""The one ``MetaData`` every table of the package is defined on."""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData()
