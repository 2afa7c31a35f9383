"""The incident domain: use cases on one incident (a package that grows as modules move in)."""
