"""Build the per-storm track CSVs and JMA wind-radii CSVs from the extracts in ``sources/``.

Run from this folder:  /work/main/.venv/bin/python convert_tracks.py

Inputs (see README.md for provenance):
  sources/wingwr_CH2018BST_extract.csv   rows of CMA CH2018BST.txt as converted to CSV by
                                          github WingWR/Typhone (full columns)
  sources/wingwr_part_*.txt               further rows of the same CSV conversions (2018-2025),
                                          compact: "#<storm_id> <NAME>" then
                                          "YYYYMMDDHH,lon,lat,wind_ms,pressure_hpa"
  sources/jma_bst_extract_2015_2021.txt   JMA RSMC Tokyo best track (bst_all.txt format), the
                                          storms' blocks verbatim (copy in PIVASIA/Storm_detection)
  sources/jma_bst_extract_2005_2013.txt   the same format, blocks of Matsa 0509, Wipha 0712,
                                          Haikui 1211 and Fitow 1323 verbatim (copy in
                                          diem-john/Quantum-Kernel-Network-for-Power-System-
                                          Resiliency data/bst_all.txt, covers 1951-2023)

Outputs:
  <storm>-<year>_track.csv                     calibration storms (before 2021)
  heldout/<storm>-<year>_track.csv             held-out storms (2021 on)
  <storm>-<year>_jma_wind_radii.csv            JMA 30-kt/50-kt radii (same folders)

The track CSV is the project format (time_utc, lat, lon, pressure_hpa, wind_ms, agency,
source): CMA rows carry the 2-min mean wind (m/s) as given; JMA rows the 10-min mean wind
converted from knots (x 0.514444). Both agencies may be present in one file; read one with
``read_track_csv(path, agency="CMA")`` or ``agency="JMA"``.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "sources"
KT = 0.514444
NM_KM = 1.852

WINGWR = (
    "CMA best track (STI/CMA CH{year}BST.txt) as converted to CSV in github WingWR/Typhone "
    "train/dataset/CH{year}BST_pinn_dataset.csv (commit {commit}), storm_id {sid} {name}; "
    "wind = 2-min mean MSW m/s"
)
WINGWR_COMMIT = {
    "2018": "6dd111d4",
    "2019": "154b0a3d",
    "2020": "6dd111d4",
    "2021": "837a834c",
    "2022": "154b0a3d",
    "2023": "837a834c",
    "2024": "6dd111d4",
    "2025": "27825fac",
}
WINGWR_2025 = (
    "CMA best track (STI/CMA CH2025BST.txt) as converted to CSV in github WingWR/Typhone "
    "train/CH2025BST_pinn_dataset.csv (commit 27825fac), storm_id {sid}, no name in the file: "
    "identified as CO-MAY (2508, 竹节草) by its track (Luzon 24-25 Jul, over Zhoushan and "
    "Shanghai 30 Jul 2025); wind = 2-min mean MSW m/s"
)
JMA = (
    "JMA RSMC Tokyo best track (bst_all.txt format) as stored in github PIVASIA/Storm_detection "
    "bst_all.txt (commit 2a1af68e), typhoon {num} {name}; wind converted from kt (10-min mean) "
    "x0.514444"
)
JMA_2005_2013 = (
    "JMA RSMC Tokyo best track (bst_all.txt format) as stored in github "
    "diem-john/Quantum-Kernel-Network-for-Power-System-Resiliency data/bst_all.txt "
    "(commit 1dc32dcc), typhoon {num} {name}; wind converted from kt (10-min mean) x0.514444"
)
# JMA extract file -> source template of its rows
JMA_FILES = {
    "jma_bst_extract_2015_2021.txt": JMA,
    "jma_bst_extract_2005_2013.txt": JMA_2005_2013,
}

# storm key -> (international number or None: no JMA rows, CMA/WingWR name or None, held out?)
STORMS = {
    # before 2015: JMA rows only (no CMA rows found, see README.md "Gaps and caveats");
    # Wipha 2007 is JMA 0712 (CMA numbers it 0713)
    "matsa-2005": ("0509", None, False),
    "wipha-2007": ("0712", None, False),
    "haikui-2012": ("1211", None, False),
    "fitow-2013": ("1323", None, False),
    "chan-hom-2015": ("1509", None, False),
    "ampil-2018": ("1810", "AMPIL", False),
    "jongdari-2018": ("1812", "JONGDARI", False),
    "yagi-2018": ("1814", "YAGI", False),
    "rumbia-2018": ("1818", "RUMBIA", False),
    "mitag-2019": ("1918", None, False),
    "bavi-2020": ("2008", "BAVI", False),
    "maysak-2020": ("2009", "MAYSAK", False),
    "haishen-2020": ("2010", "HAISHEN", False),
    "in-fa-2021": ("2106", "IN-FA", True),
    "muifa-2022": (None, "MUIFA", True),
    "bebinca-2024": (None, "BEBINCA", True),
    "co-may-2025": (None, "CO-MAY", True),
}


def read_wingwr() -> dict[tuple[str, str], list[dict]]:
    """CMA rows by (year, NAME)."""
    rows: dict[tuple[str, str], list[dict]] = defaultdict(list)
    full = SRC / "wingwr_CH2018BST_extract.csv"
    with full.open() as fh:
        for r in csv.DictReader(fh):
            t = r["timestamp"]
            rows[(t[:4], r["storm_name"])].append(
                dict(
                    sid=r["storm_id"],
                    t=t,
                    lon=r["lng"],
                    lat=r["lat"],
                    wind=r["wind_speed"],
                    pres=r["pressure"],
                )
            )
    for part in sorted(SRC.glob("wingwr_part_*.txt")):
        sid = name = None
        for line in part.read_text().splitlines():
            if not line.strip():
                continue
            if line.startswith("#"):
                sid, name = line[1:].split()
                continue
            ymdh, lon, lat, wind, pres = line.split(",")
            t = f"{ymdh[:4]}-{ymdh[4:6]}-{ymdh[6:8]}T{ymdh[8:10]}:00:00Z"
            rows[(sid[:4], name)].append(dict(sid=sid, t=t, lon=lon, lat=lat, wind=wind, pres=pres))
    return rows


def read_jma() -> dict[str, tuple[str, list[dict], str]]:
    """JMA storms by international number: (name, records, source template)."""
    storms: dict[str, tuple[str, list[dict], str]] = {}
    cur = None
    lines = [
        (line, template)
        for fname, template in JMA_FILES.items()
        for line in (SRC / fname).read_text().splitlines()
    ]
    for line, template in lines:
        tok = line.split()
        if not tok:
            continue
        if tok[0] == "66666":
            cur = tok[1]
            name = line[30:50].strip()
            storms[cur] = (name, [], template)
            continue
        yy = int(tok[0][:2])
        year = 1900 + yy if yy > 50 else 2000 + yy
        t = f"{year}-{tok[0][2:4]}-{tok[0][4:6]}T{tok[0][6:8]}:00:00Z"
        rec = dict(
            t=t,
            grade=tok[2],
            lat=int(tok[3]) / 10,
            lon=int(tok[4]) / 10,
            pres=int(tok[5]),
            wind_kt=int(tok[6]) if len(tok) > 6 else 0,
        )
        r50 = r30 = None
        if len(tok) >= 11:
            r50 = (int(tok[7][0]), int(tok[7][1:]), int(tok[8]))
            r30 = (int(tok[9][0]), int(tok[9][1:]), int(tok[10]))
        rec["r50"], rec["r30"] = r50, r30
        storms[cur][1].append(rec)
    return storms


def main() -> None:
    cma = read_wingwr()
    jma = read_jma()
    (HERE / "heldout").mkdir(exist_ok=True)
    for key, (num, cma_name, held) in STORMS.items():
        year = key.rsplit("-", 1)[1]
        folder = HERE / "heldout" if held else HERE
        out_rows = []
        if cma_name:
            recs = cma.get((year, cma_name)) or []
            if not recs:
                raise SystemExit(f"no CMA rows for {key}")
            template = WINGWR_2025 if year == "2025" else WINGWR
            for r in recs:
                out_rows.append(
                    [
                        r["t"],
                        r["lat"],
                        r["lon"],
                        r["pres"],
                        r["wind"],
                        "CMA",
                        template.format(
                            year=year, commit=WINGWR_COMMIT[year], sid=r["sid"], name=cma_name
                        ),
                    ]
                )
        name, jrecs, jtemplate = jma[num] if num else ("", [], JMA)
        src = jtemplate.format(num=num, name=name)
        radii = []
        for r in jrecs:
            w = round(r["wind_kt"] * KT, 1) if r["wind_kt"] else ""
            out_rows.append([r["t"], r["lat"], r["lon"], r["pres"], w, "JMA", src])
            if r["r30"] is not None:
                d50, l50, s50 = r["r50"]
                d30, l30, s30 = r["r30"]
                radii.append(
                    [
                        r["t"],
                        r["lat"],
                        r["lon"],
                        r["pres"],
                        r["wind_kt"],
                        w,
                        r["grade"],
                        d50,
                        l50,
                        s50,
                        d30,
                        l30,
                        s30,
                        round((l50 + s50) / 2 * NM_KM),
                        round((l30 + s30) / 2 * NM_KM),
                        src,
                    ]
                )
        with (folder / f"{key}_track.csv").open("w", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(["time_utc", "lat", "lon", "pressure_hpa", "wind_ms", "agency", "source"])
            wr.writerows(out_rows)
        if not num:  # CMA rows only: no JMA radii file
            print(f"{key}: {len(out_rows)} CMA rows, no JMA rows")
            continue
        with (folder / f"{key}_jma_wind_radii.csv").open("w", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(
                [
                    "time_utc",
                    "lat",
                    "lon",
                    "pressure_hpa",
                    "wind_kt_10min",
                    "wind_ms_10min",
                    "jma_grade",
                    "r50kt_longdir_code",
                    "r50kt_long_nm",
                    "r50kt_short_nm",
                    "r30kt_longdir_code",
                    "r30kt_long_nm",
                    "r30kt_short_nm",
                    "r50kt_mean_km",
                    "r30kt_mean_km",
                    "source",
                ]
            )
            wr.writerows(radii)
        print(
            f"{key}: {sum(1 for r in out_rows if r[5] == 'CMA')} CMA rows, "
            f"{sum(1 for r in out_rows if r[5] == 'JMA')} JMA rows, {len(radii)} radii rows"
        )


if __name__ == "__main__":
    main()
