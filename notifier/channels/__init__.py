"""Channel implementations, one module each."""
