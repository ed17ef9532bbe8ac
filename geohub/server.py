"""Run the app under gunicorn: several worker processes, each with its own create_app."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from geohub.settings import Settings


class GeohubServer(BaseApplication):
    """A gunicorn application whose workers each build the app from the same Settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"{self.settings.host}:{self.settings.port}")
        self.cfg.set("workers", self.settings.workers)
        self.cfg.set("worker_class", "geohub.worker.GeohubWorker")  # gthread, answering problem+json
        self.cfg.set("threads", 4)
        self.cfg.set("timeout", 60)
        self.cfg.set("limit_request_line", 8190)  # long filters and ids reach Flask: problem+json
        self.cfg.set("accesslog", None)
        self.cfg.set("proc_name", "geohub")
        self.cfg.set("control_socket_disable", True)  # its fixed path would be shared by every instance

    def load(self) -> Any:
        from geohub.app import create_app

        return create_app(self.settings)


def run_server(settings: Settings) -> None:
    """Serve until interrupted."""
    GeohubServer(settings).run()
