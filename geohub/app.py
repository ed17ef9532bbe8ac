"""create_app: builds the GeoHub Flask app from Settings; nothing happens at import time."""

from __future__ import annotations

import uuid
from pathlib import Path

import pygeoapi
from flask import Flask
from pygeoapi.api import API
from pygeoapi.openapi import get_oas
from werkzeug.middleware.proxy_fix import ProxyFix

from geohub.admin.routes import admin
from geohub.auth.http import register_authentication
from geohub.auth.layer_visibility import register_layer_visibility
from geohub.auth.routes import auth
from geohub.catalogue.routes import register_live_catalogue
from geohub.compression import register_compression
from geohub.cors import register_cors
from geohub.developers.routes import register_developers
from geohub.features.config import in_default_language, pygeoapi_config
from geohub.features.html import render_pages_in_their_language, translate_each_config_afresh
from geohub.features.openapi import complete_openapi
from geohub.features.provider import register_services
from geohub.features.routes import features
from geohub.geocoding.routes import register_geocoding
from geohub.health import health
from geohub.open311.routes import register_open311
from geohub.pages.routes import pages
from geohub.problems import register_problem_handlers
from geohub.proposals.routes import register_proposals
from geohub.publishing.routes import etl
from geohub.report_desk.routes import register_report_desk
from geohub.report_layer.publisher import publish_on_change
from geohub.reports.routes import register_reports, report_service_of
from geohub.request_language import register_language_vary
from geohub.request_log import configure_logging, register_request_logging
from geohub.request_writer import register_request_writer
from geohub.routing.routes import register_routing
from geohub.security_headers import register_security_headers
from geohub.services import Services
from geohub.settings import Settings, load_settings
from geohub.styles.routes import styles
from geohub.tiles.routes import tiles
from geohub.tiles.service import TileService
from geohub.webmap.routes import register_webmap
from geohub.workspace.routes import workspace


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    """A GeoHub app; stateless apart from its store connections, so many can run side by side."""
    settings = settings or (services.settings if services else load_settings())
    configure_logging(settings.log_level)
    services = services or Services.from_settings(settings)
    app = Flask("geohub", static_folder=PYGEOAPI_STATIC, static_url_path="/static")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    if settings.trusted_proxies:  # client addresses (audit log, rate limits); links' host (base_url)
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    app.extensions["geohub"] = services
    translate_each_config_afresh()  # pygeoapi's per-process page config cache mixes audiences
    render_pages_in_their_language()  # pygeoapi's pages with GeoHub's `pages` catalogue
    app.extensions["geohub.pygeoapi"] = embedded_pygeoapi(services)
    register_compression(app)  # first: its after-request hook runs after every other one
    register_request_logging(app)
    register_problem_handlers(app)
    register_cors(app)
    register_security_headers(app)
    register_language_vary(app)  # an answer in the Accept-Language's language says so to caches
    register_authentication(app)
    register_request_writer(app)  # after sign-in: reads see the account's (or address's) own writes
    register_live_catalogue(app)  # approved layers swapped in before anything reads the registry
    register_layer_visibility(app)  # after sign-in: a layer the caller may not see is a missing one
    app.register_blueprint(auth)
    app.register_blueprint(admin)
    app.register_blueprint(health)
    app.register_blueprint(features)
    app.register_blueprint(pages)
    app.extensions["geohub.tiles"] = TileService(services)
    app.register_blueprint(tiles)
    app.register_blueprint(styles)
    app.register_blueprint(etl)
    register_reports(app)
    register_open311(app)  # Open311 GeoReport v2, filing through the reports service
    register_report_desk(app)  # the staff side, over the reports service
    register_routing(app)  # accessible routing; open barrier reports close edges
    register_geocoding(app)  # addresses and named places, from an in-memory index
    register_webmap(app)  # the citizens' map at `/` for browsers (API clients keep the landing page)
    register_developers(app)  # /developers/: the data's URLs for apps, keys and their use
    register_proposals(app)  # /layer-proposals: new layers proposed by departments, approved by admins
    app.register_blueprint(workspace)  # /workspace/: the departments' page (views: web/src/workspace/views)
    app.extensions["geohub.report_layer"] = publish_on_change(
        report_service_of(app), services, app.extensions["geohub.tiles"].drop_changed_tiles
    )
    return app


PYGEOAPI_STATIC = str(Path(pygeoapi.__file__).parent / "static")  # its HTML pages' CSS and images


def embedded_pygeoapi(services: Services) -> API:
    """One pygeoapi API over this app's layers, its collections read through GeohubProvider."""
    token = uuid.uuid4().hex
    register_services(token, services)
    config = pygeoapi_config(services.settings, services.registry, token)
    return API(config, complete_openapi(get_oas(in_default_language(config))))
