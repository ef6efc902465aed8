"""The ``confplane`` command line (Typer, with rich output)."""

from confplane.cli.app import app, main

__all__ = ["app", "main"]
