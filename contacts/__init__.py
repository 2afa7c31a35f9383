"""The contact directory as data: people, roles, outreach targets and standing assignments."""
