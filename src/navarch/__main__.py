"""`python -m navarch` runs the CLI (the demo starts its manager this way)."""

from navarch.cli.main import main

main()
