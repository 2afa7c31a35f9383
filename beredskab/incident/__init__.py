"""The incident domain: activation, work, stand-down and the situation log's head."""
