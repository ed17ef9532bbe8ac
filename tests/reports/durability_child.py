"""Run by tests/reports/test_durability.py: serve GeoHub on a free port (settings from GEOHUB_*
variables) until the test kills this process with SIGKILL. Prints READY and the port to stderr."""

from __future__ import annotations

import sys

from werkzeug.serving import make_server

from geohub.app import create_app
from geohub.settings import load_settings

READY = "serving"


def main() -> None:
    server = make_server("127.0.0.1", 0, create_app(load_settings()), threaded=True)
    print(READY, server.server_port, file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
