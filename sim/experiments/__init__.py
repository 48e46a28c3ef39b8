"""Parameter sweeps: experiment specs, run plans, execution on a process pool, storage.

- :mod:`~sim.experiments.spec`: ``experiments/*.yaml`` schema and :func:`load_spec`;
- :mod:`~sim.experiments.design`: :func:`expand` a spec into :class:`RunRecord` s (grid,
  Latin hypercube, Sobol', Morris; per-replication seeds by ``SeedSequence`` spawning);
- :mod:`~sim.experiments.runone`: :func:`run_one`, one run → one result row (what any
  executor maps);
- :mod:`~sim.experiments.executor`: :func:`run_sweep`, serial or process pool (forkserver
  preloading the model), retries;
- :mod:`~sim.experiments.dask_backend`: the same on a Dask distributed cluster (``--scheduler``);
- :mod:`~sim.experiments.store`: the sweep folder (one Parquet file per run, manifest);
- :mod:`~sim.experiments.status`: progress of a sweep folder;
- :mod:`~sim.experiments.commands`: the ``citysafe sweep`` commands;
- :mod:`~sim.experiments.compare` and :mod:`~sim.experiments.compare_stats`: policy
  comparisons (``citysafe compare``): arms on common random numbers, paired differences,
  cost-effectiveness.

Results: :func:`sim.results.sweep_table.load`.
"""
