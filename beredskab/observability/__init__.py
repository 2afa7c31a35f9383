"""Metrics and logs: what ``/metrics`` shows and how the service writes its log lines."""
