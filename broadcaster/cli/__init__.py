"""The ``broadcaster`` command line (typer + rich)."""
