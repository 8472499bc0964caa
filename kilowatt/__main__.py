"""``python -m kilowatt`` runs the command line."""

from kilowatt.cli import app

app()
