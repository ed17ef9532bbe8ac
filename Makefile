# GeoHub Almaty — `make run` serves the demo, `make test` runs the whole suite.
# Both install what they need: a .venv from PyPI, and (for tests) Debian packages.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

PG_EXTENSIONS := /usr/share/postgresql/15/extension

.PHONY: run test install system-deps lint typecheck bench-data bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# Browser assets (map library, styles) from npm, served by GeoHub itself: nothing from a CDN.
WEB_STAMP := web/node_modules/.installed
$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP) $(WEB_STAMP)

# Glyphs and sprites of the map styles (styles/), built here so GeoHub fetches nothing at run time:
# SDF glyph ranges from Debian's DejaVu fonts with npm fontnik, the icon sheets from
# styles/icons/*.svg with npm @resvg/resvg-js. Output in web/build/ (each output folder holds a
# .gitignore written by its tool, so the generated files are never committed).
DEJAVU := /usr/share/fonts/truetype/dejavu
GLYPHS := web/build/fonts/.gitignore
SPRITES := web/build/sprites/.gitignore

$(DEJAVU)/DejaVuSans.ttf $(DEJAVU)/DejaVuSans-Bold.ttf &:
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	$$SUDO apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends fonts-dejavu-core >/dev/null

$(GLYPHS): styles/tools/build-glyphs.cjs $(DEJAVU)/DejaVuSans.ttf $(DEJAVU)/DejaVuSans-Bold.ttf $(WEB_STAMP)
	node styles/tools/build-glyphs.cjs $(DEJAVU) web/build/fonts

$(SPRITES): styles/tools/build-sprites.cjs $(wildcard styles/icons/*.svg) $(WEB_STAMP)
	node styles/tools/build-sprites.cjs styles/icons web/build/sprites

install: $(GLYPHS) $(SPRITES)

run: install
	$(BIN)/geohub demo

# Debian packages the tests use: PostGIS and pgRouting for the PostgreSQL server, GDAL's tools
# and QGIS (python3-qgis, headless) as real clients, Chromium for the browser tests (driven by npm
# playwright-core, never a downloaded browser), nginx for config/nginx.conf (tests/tiles/test_nginx.py
# runs its own instance on a free port; where systemd runs, Debian also starts its default site on
# port 80). Installed only when missing.
system-deps:
	@missing=""; \
	test -f $(PG_EXTENSIONS)/postgis.control || missing="$$missing postgresql-15-postgis-3"; \
	test -f $(PG_EXTENSIONS)/pgrouting.control || missing="$$missing postgresql-15-pgrouting"; \
	command -v ogrinfo >/dev/null || missing="$$missing gdal-bin"; \
	test -d /usr/lib/python3/dist-packages/qgis || missing="$$missing python3-qgis"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

lint: install
	$(BIN)/ruff check geohub tests bench

typecheck: install
	$(BIN)/mypy

# Two pytest workers (pytest-xdist), each taking whole test files: a file's module-scoped servers,
# browsers and clusters are started once, and the many tests that wait on a server or a browser
# leave the other core to the other worker. Each worker makes its own throwaway databases.
test: install system-deps lint typecheck
	$(BIN)/pytest -q -n 2 --dist loadfile

bench-data: install
	$(BIN)/python bench/generate_city.py

# Benchmarks (figures, not tests): stock pygeoapi's PostgreSQL provider needs SQLAlchemy drivers,
# the load comes from Debian's wrk.
bench: install system-deps
	$(BIN)/pip install --quiet -e ".[test,bench]"
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/features_bench.py --json var/bench/features_bench.json

# Import benchmark (bench/etl_bench.py): 300k SYNTHETIC parcels GeoPackage -> PostGIS through
# GeoHub's whole pipeline, against GDAL's plain `ogr2ogr -f PostgreSQL` of the same file.
.PHONY: bench-etl
bench-etl: install system-deps
	$(BIN)/python bench/etl_bench.py --json var/bench/etl_bench.json

# Upload benchmark (bench/upload_bench.py): the sandboxed reader's cost, a 20,000-field file refused
# from its metadata, a read stopped at its time bound, and a whole upload at the row and value caps.
.PHONY: bench-upload
bench-upload: install
	$(BIN)/python bench/upload_bench.py --json var/bench/upload_bench.json

# Vector tile benchmark (bench/tiles_bench.py, see bench/README.md): PostGIS and embedded tile
# generation against their floors, cached tiles through GeoHub, nginx and plain static nginx.
.PHONY: bench-tiles
bench-tiles: install system-deps
	$(BIN)/pip install --quiet -e ".[test,bench]"
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/tiles_bench.py --json var/bench/tiles_bench.json

# Memory benchmark (bench/memory_bench.py): one worker per store publishing the cadastre 100 times
# (300-feature uploads) with reads in between; FAILED when VmRSS grows > 10 MB after the 10th publish.
.PHONY: bench-memory
bench-memory: install system-deps
	$(BIN)/python bench/memory_bench.py --json var/bench/memory_bench.json

# Filing benchmark (bench/reports_bench.py): 8 clients filing citizen reports for 60 s on both
# backends behind `geohub serve`; targets p95 <= 50 ms PostGIS, <= 100 ms embedded, 0 errors.
.PHONY: bench-reports
bench-reports: install system-deps
	$(BIN)/python bench/reports_bench.py --json var/bench/reports_bench.json

# Staff queue benchmark (bench/reports_queue.py): GET /reports pages of a department holding
# 100,000 SYNTHETIC reports, embedded and on a throwaway PostgreSQL database; target p95 <= 50 ms.
.PHONY: bench-reports-queue
bench-reports-queue: install
	$(BIN)/python bench/reports_queue.py --json var/bench/reports_queue.json

# Routing benchmark (bench/routing_bench.py): 200 random wheelchair routes on the real network and
# the SYNTHETIC city-scale one (make bench-data): embedded engine vs pgr_dijkstra vs bare scipy.
.PHONY: bench-routing
bench-routing: install system-deps
	test -f var/bench/city_scale.gpkg || $(BIN)/python bench/generate_city.py
	$(BIN)/python bench/routing_bench.py --json var/bench/routing_bench.json

# Geocoding benchmark (bench/geocode_bench.py): 500 GET /api/geocode mixing Kazakh, Russian and
# Latin spellings on the demo data, embedded and on a throwaway PostgreSQL database; target p95 <= 30 ms.
.PHONY: bench-geocode
bench-geocode: install system-deps
	$(BIN)/python bench/geocode_bench.py --json var/bench/geocode_bench.json
	$(BIN)/python bench/geocode_bench.py --admin-url postgresql://postgres@127.0.0.1:5432/postgres \
		--json var/bench/geocode_bench_postgis.json

# The README's screenshots of the web map and the workspace: the browser tests write them, this
# keeps a few as WebP.
.PHONY: readme-screenshots
readme-screenshots: install system-deps
	$(BIN)/pytest -q tests/webmap/test_browser.py
	$(BIN)/python -m tests.webmap.readme_screenshots
	WORKSPACE_SCENARIOS=publish $(BIN)/pytest -q tests/workspace/test_browser.py -k geopackage
	$(BIN)/python -m tests.workspace.readme_screenshots

# The `messages` catalogue after code changes: new msgids added (empty, to translate), gone ones
# dropped. tests/test_messages.py fails until every msgid has its kk and ru translation.
.PHONY: messages
messages: install
	$(BIN)/pybabel extract -F geohub/locale/messages.cfg -k tr -k N_ --no-default-keywords \
		--add-location=file --sort-by-file -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d geohub/locale -D messages --no-fuzzy-matching \
		--ignore-obsolete -w 100
	$(BIN)/python -m geohub.locale_english

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
	rm -rf web/build
