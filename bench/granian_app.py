"""confplane's app for granian (``python -m bench --configs sqlite-granian``): the same
Starlette app that ``confplane serve`` runs, built from CONFPLANE_WORKER_SETTINGS."""

from confplane.server import worker_app

app = worker_app()
