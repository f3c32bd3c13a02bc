"""``python -m stateside.cli …`` runs the command line."""

from stateside.cli.app import app

app()
