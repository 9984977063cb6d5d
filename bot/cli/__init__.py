"""The ``studybot`` command (typer), ``doctor`` and the JSON-lines tools; ``main`` is the console script."""

from bot.cli.commands import main

__all__ = ["main"]
