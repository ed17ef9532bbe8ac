"""A minimal WFS 1.1.0 for the read tests: serves one feature type from a GML file GDAL wrote.

Run as `python wfs_server.py FOLDER TYPENAME`: FOLDER holds TYPENAME.gml and TYPENAME.xsd (written
by GDAL's GML driver, prefix `almaty`); prints the port it listens on, then serves until killed.
It runs in its own process because pyogrio keeps the GIL while GDAL waits for an answer.
"""

from __future__ import annotations

import http.server
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

CAPABILITIES = """<?xml version="1.0" encoding="UTF-8"?>
<wfs:WFS_Capabilities version="1.1.0" xmlns:wfs="http://www.opengis.net/wfs"
  xmlns:ows="http://www.opengis.net/ows" xmlns:almaty="http://geohub.almaty.kz/almaty">
  <ows:ServiceIdentification><ows:Title>Test WFS</ows:Title><ows:ServiceType>WFS</ows:ServiceType>
    <ows:ServiceTypeVersion>1.1.0</ows:ServiceTypeVersion></ows:ServiceIdentification>
  <FeatureTypeList>
    <FeatureType><Name>almaty:{name}</Name><Title>{name}</Title>
      <DefaultSRS>urn:ogc:def:crs:EPSG::32643</DefaultSRS>
      <ows:WGS84BoundingBox><ows:LowerCorner>76.7 43.1</ows:LowerCorner>
        <ows:UpperCorner>77.2 43.4</ows:UpperCorner></ows:WGS84BoundingBox>
    </FeatureType>
  </FeatureTypeList>
</wfs:WFS_Capabilities>
"""


class Handler(http.server.BaseHTTPRequestHandler):
    folder: Path
    name: str

    def do_GET(self) -> None:
        query = {k.upper(): v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        request = query.get("REQUEST", "").lower()
        if request == "getcapabilities":
            body = CAPABILITIES.format(name=self.name).encode()
        elif request == "describefeaturetype":
            body = (self.folder / f"{self.name}.xsd").read_bytes()
        elif request == "getfeature":
            body = (self.folder / f"{self.name}.gml").read_bytes()
        else:
            self.send_error(400)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    Handler.folder, Handler.name = Path(sys.argv[1]), sys.argv[2]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
