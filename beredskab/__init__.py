"""beredskab: the preparedness plan as a running notification and incident service."""
