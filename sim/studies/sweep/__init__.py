"""Parameter sweeps: experiment specs, run plans, execution on a process pool, storage.

- :mod:`~sim.studies.sweep.spec`: ``experiments/*.yaml`` schema and :func:`load_spec`;
- :mod:`~sim.studies.sweep.design`: :func:`expand` a spec into :class:`RunRecord` s (grid,
  Latin hypercube, Sobol', Morris; per-replication seeds by ``SeedSequence`` spawning);
- :mod:`~sim.studies.sweep.runone`: :func:`run_one`, one run → one result row (what any
  executor maps);
- :mod:`~sim.studies.sweep.executor`: :func:`run_sweep`, serial or process pool (forkserver
  preloading the model), retries;
- :mod:`~sim.studies.sweep.dask_backend`: the same on a Dask distributed cluster (``--scheduler``);
- :mod:`~sim.studies.sweep.store`: the sweep folder (one Parquet file per run, manifest;
  damaged files found, reported and rerun);
- :mod:`~sim.studies.sweep.files`: the one atomic writer, whole-line JSONL appends and
  reads that name every unreadable line;
- :mod:`~sim.studies.sweep.status`: progress of a sweep folder;
- :mod:`~sim.interfaces.cli.sweep`: the ``citysafe sweep`` commands;
- :mod:`~sim.studies.compare.arms` and :mod:`~sim.studies.compare.stats`: policy
  comparisons (``citysafe compare``): arms on common random numbers, paired differences,
  cost-effectiveness.

Results: :func:`sim.studies.sweep.table.load`.
"""
