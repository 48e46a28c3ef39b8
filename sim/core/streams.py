"""Named random streams: one independent generator per model component.

A component asks for its stream by name (``streams["capacity.power.wind"]``). The stream is
a PCG64 generator seeded by ``SeedSequence(entropy=seed, spawn_key=(k₁, k₂))`` where
(k₁, k₂) are two 32-bit words of the BLAKE2b hash of the name. Its draws therefore depend
only on the scenario seed and the name: adding, removing or resizing another component
(a network imported in place of a generated one, a different dispatcher, a policy) leaves
every other component's draws identical. This is what makes paired comparisons between
variants use common random numbers (Law 2015, *Simulation Modeling and Analysis*, §11.2).

Two names share a stream only if their 64-bit digests collide (about 2⁻⁶⁴ per pair); a
two-word key never equals the one-word keys of ``SeedSequence.spawn`` children.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_key(name: str) -> tuple[int, int]:
    """Spawn key of a stream name: two 32-bit words of its BLAKE2b digest (stable across
    Python versions and processes, unlike ``hash``)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")


class RandomStreams:
    """Independent generators by component name, all derived from one seed.

    Args:
        seed: the scenario seed (a non-negative int), or a ``numpy.random.Generator`` from
            which one 63-bit seed is drawn (a model built with a generator instead of a seed).

    ``streams[name]`` returns the component's generator, the same object on every call, so
    a component that asks twice continues its stream. ``names`` lists the streams used so far
    (the run's stream inventory).

    Raises:
        TypeError: ``seed`` is neither an int nor a generator.
        ValueError: ``seed`` is negative.
    """

    def __init__(self, seed: int | np.random.Generator):
        if isinstance(seed, np.random.Generator):
            seed = int(seed.integers(0, 2**63))
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise TypeError(f"seed must be an int or a numpy Generator, got {type(seed).__name__}")
        if seed < 0:
            raise ValueError(f"seed must be non-negative, got {seed}")
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        rng = self._streams.get(name)
        if rng is None:
            seq = np.random.SeedSequence(entropy=self.seed, spawn_key=stream_key(name))
            rng = self._streams[name] = np.random.Generator(np.random.PCG64(seq))
        return rng

    @property
    def names(self) -> list[str]:
        """Stream names handed out so far, in first-use order."""
        return list(self._streams)
