"""`python -m beredskab` runs the command line."""

from beredskab.cli import main

main()
