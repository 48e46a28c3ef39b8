"""A pyabc sampler whose simulations run in batches on an external executor (the sweep's).

pyabc's ``simulate_one()`` draws a proposal from numpy's global generator, calls the model,
computes the distance and accepts or rejects, all in one call, so a sampler cannot hand the
simulations to another executor directly. :class:`BatchSampler` splits every batch into two
passes over the same random state:

1. **dry pass**: save the global state, call ``simulate_one()`` k times with a model that
   answers from a cache and raises :class:`NotSimulated` (carrying the parameters) on a miss.
   Each call has drawn its proposal before the model is reached and nothing after the model
   draws (the uniform acceptor and the distances are deterministic), so the k proposals are
   exactly those a single-core sampler would simulate next;
2. the **executor** runs the missing parameter sets (a sweep: local pool, Dask, resumable),
   and fills the cache;
3. **replay pass**: restore the state and call ``simulate_one()`` again, now answered from
   the cache, stopping at the n-th acceptance exactly where pyabc's ``SingleCoreSampler``
   stops.

So the accepted population, the random state after it and hence the whole ABC-SMC run are
identical to a single-core run with the same seed, whatever the executor and its number of
workers; the price is the runs of a batch beyond the n-th acceptance (at most one batch).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from pyabc.sampler import Sampler

from sim.core.errors import Picklable

ParamKey = tuple[tuple[str, float], ...]


def param_key(params: dict[str, float]) -> ParamKey:
    """Hashable, order-free key of a parameter set (floats compared exactly)."""
    return tuple(sorted((str(k), float(v)) for k, v in params.items()))


class NotSimulated(Picklable, Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a cached model on a miss: the parameters still have to be simulated."""

    def __init__(self, params: dict[str, float]):
        super().__init__("not simulated yet")
        self.params = dict(params)


class CachedModel:
    """The pyabc model: parameters → summary from the cache, :class:`NotSimulated` on a miss."""

    def __init__(self) -> None:
        self.cache: dict[ParamKey, dict[str, float]] = {}

    def __call__(self, params) -> dict[str, float]:
        params = dict(params)
        try:
            return self.cache[param_key(params)]
        except KeyError:
            raise NotSimulated(params) from None

    def store(self, params: dict[str, float], summary: dict[str, float]) -> None:
        """Cache the summary simulated for ``params``."""
        self.cache[param_key(params)] = summary


class BatchSampler(Sampler):
    """Sample until n acceptances, simulating each batch of proposals on an executor.

    Args:
        model: the :class:`CachedModel` pyabc calls (it must be the model given to pyabc).
        simulate_batch: ``(params_list, generation, batch) -> summaries`` (same order), run on
            the executor; every summary must hold the targets' keys.
        min_batch: smallest batch (e.g. the executor's workers); batches grow to the expected
            number of proposals still needed at the last batch's acceptance rate.
        max_batch: largest batch.
    """

    def __init__(
        self,
        model: CachedModel,
        simulate_batch: Callable[[list[dict[str, float]], int, int], list[dict[str, float]]],
        min_batch: int = 2,
        max_batch: int = 1000,
    ):
        super().__init__()
        self.model = model
        self.simulate_batch = simulate_batch
        self.min_batch = max(1, int(min_batch))
        self.max_batch = max(self.min_batch, int(max_batch))
        self.batches = 0

    def _batch_size(self, missing: int, accepted: int, evaluated: int) -> int:
        rate = (accepted + 1) / (evaluated + 2)  # Laplace estimate: never zero
        return min(self.max_batch, max(self.min_batch, math.ceil(missing / rate)))

    def sample_until_n_accepted(
        self,
        n,
        simulate_one,
        t,
        *,
        max_eval=np.inf,
        all_accepted=False,  # noqa: ARG002 - the replay pass accepts as simulate_one says
        ana_vars=None,  # noqa: ARG002
    ):
        sample = self._create_empty_sample()
        evaluated = 0
        batch_in_generation = 0
        while sample.n_accepted < n and evaluated < max_eval:
            k = self._batch_size(n - sample.n_accepted, sample.n_accepted, evaluated)
            state = np.random.get_state()  # noqa: NPY002 - pyabc draws from the global state
            pending: list[dict[str, float]] = []
            for _ in range(k):
                try:
                    simulate_one()
                except NotSimulated as miss:
                    pending.append(miss.params)
            if pending:
                summaries = self.simulate_batch(pending, int(t), batch_in_generation)
                for params, summary in zip(pending, summaries, strict=True):
                    self.model.store(params, summary)
            batch_in_generation += 1
            self.batches += 1
            np.random.set_state(state)  # noqa: NPY002
            for _ in range(k):
                particle = simulate_one()
                sample.append(particle)
                evaluated += 1
                if sample.n_accepted >= n or evaluated >= max_eval:
                    break
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        return sample
