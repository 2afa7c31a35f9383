"""runtime: running the service — supervision of long-running components, health, shutdown,
leadership"""
