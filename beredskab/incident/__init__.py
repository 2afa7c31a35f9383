"""The incident domain: activation rules, drills, the police case."""
