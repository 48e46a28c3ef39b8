"""The synthetic population on disk: built once per inputs and seed, then read back.

A population is stored as one uncompressed NPZ file named by the key of what it is built from
(:func:`cache_key`: the content of the city's data files and ``population.yaml``, the seed, the
scale and :data:`GENERATOR_VERSION`), so a changed input or seed never reads an old file. The
file holds the arrays and a JSON record with the key and the BLAKE2b digest of the arrays'
bytes; a file that cannot be read, belongs to another key or whose arrays do not match their
digest is reported (a warning), rebuilt and replaced, never used. Files are written to a
temporary name and renamed into place, so an interrupted write leaves no half file under the
key's name.

Cache folder: ``cache_dir`` if given, else ``$CITYSAFE_CACHE/population``, else
``~/.cache/citysafe/population`` (XDG's default cache location).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

from sim.city.districts import city_files, load_city
from sim.city.population.generate import BUILDING_DTYPE, Population, build_population
from sim.city.population.inputs import POPULATION_FILE, load_population_inputs
from sim.core.errors import CacheWarning
from sim.core.streams import RandomStreams

GENERATOR_VERSION = 1
"""Bumped whenever the generator's draws change, so older cache files are not read."""
CACHE_ENV = "CITYSAFE_CACHE"
STREAM = "population"
"""The named random stream the population is drawn from (:mod:`sim.core.streams`)."""


def default_cache_dir() -> Path:
    """``$CITYSAFE_CACHE/population`` when the variable is set, else
    ``~/.cache/citysafe/population``."""
    root = os.environ.get(CACHE_ENV)
    return (Path(root) if root else Path.home() / ".cache" / "citysafe") / "population"


def cache_key(data_dir: str | Path, seed: int, scale: float) -> str:
    """Hex BLAKE2b key of the inputs' bytes (the city's files and ``population.yaml``), the
    seed, the scale and the generator version."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"v{GENERATOR_VERSION}|seed={int(seed)}|scale={float(scale)!r}".encode())
    for path in [*city_files(data_dir), Path(data_dir) / POPULATION_FILE]:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _digest(households: np.ndarray, buildings: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in (households, buildings):
        h.update(str(a.dtype.descr).encode())
        h.update(np.ascontiguousarray(a).view(np.uint8).reshape(-1).data)
    return h.hexdigest()


def save_population(pop: Population, path: Path, key: str) -> None:
    """Write ``pop`` to ``path`` (NPZ) atomically, with its key and digest."""
    meta = {
        "key": key,
        "digest": _digest(pop.households, pop.buildings),
        "age_bands": pop.age_bands,
        "district_names": pop.district_names,
        "scale": pop.scale,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                households=pop.households,
                buildings=pop.buildings,
                meta=np.frombuffer(json.dumps(meta).encode(), np.uint8),
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_population(path: Path, key: str) -> Population:
    """Read a population written by :func:`save_population`.

    Raises:
        ValueError: the file is damaged (unreadable, truncated, CRC error), of another key or
            its arrays do not match their digest.
    """
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            households, buildings = z["households"], z["buildings"]
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: unreadable ({type(exc).__name__}: {exc})") from None
    if meta.get("key") != key:
        raise ValueError(f"{path}: built from other inputs (key {meta.get('key')})")
    if buildings.dtype != BUILDING_DTYPE or _digest(households, buildings) != meta["digest"]:
        raise ValueError(f"{path}: arrays do not match their digest (damaged)")
    return Population(
        households=households,
        buildings=buildings,
        age_bands=tuple(tuple(b) for b in meta["age_bands"]),
        district_names=tuple(meta["district_names"]),
        scale=float(meta["scale"]),
    )


def population_for(
    data_dir: str | Path,
    seed: int,
    scale: float = 1.0,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    city=None,
) -> Population:
    """The city's synthetic population for ``seed``: from the cache, else built and cached.

    Args:
        data_dir: the city's data folder (``city.yaml``, ``districts.csv`` …,
            ``population.yaml``).
        seed: the scenario seed; draws come from ``RandomStreams(seed)["population"]``.
        scale: share of the city, (0, 1].
        cache_dir: the cache folder (default :func:`default_cache_dir`).
        use_cache: False builds without reading or writing the cache.
        city: the loaded city of ``data_dir`` (loaded here when None).

    Returns:
        The :class:`~sim.city.population.generate.Population`.

    Raises:
        CityDataError: a data file is missing or invalid. ValueError: inconsistent counts.
    """
    data_dir = Path(data_dir)
    inputs = load_population_inputs(data_dir)
    key = cache_key(data_dir, seed, scale) if use_cache else ""
    path = Path(cache_dir or default_cache_dir()) / f"population-{key}.npz"
    if use_cache and path.is_file():
        try:
            return load_population(path, key)
        except ValueError as exc:
            warnings.warn(f"{exc}: rebuilding the population", CacheWarning, stacklevel=2)
    city = city if city is not None else load_city(data_dir)
    pop = build_population(city, inputs, RandomStreams(seed)[STREAM], scale)
    if use_cache:
        save_population(pop, path, key)
    return pop
