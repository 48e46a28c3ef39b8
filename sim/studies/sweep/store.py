"""A sweep's output folder: results stream to disk as runs end, and nothing is lost on a kill,
a full disk or a damaged file.

Layout of ``OUT/``::

    spec.resolved.yaml   the validated spec (absolute scenario paths, defaults filled in)
    scenarios.resolved.json   each scenario as its first run loads it (seed aside), field by
                         field: a resume refuses a scenario edited since the sweep started
    inputs.json          the data files the runs read (city folder, track, imports ...):
                         path, sha256, size; a resume refuses any changed, added or removed
                         (:mod:`sim.studies.sweep.inputs`)
    plan.parquet         every run of the sweep: run_id, scenario, point, replication, seed,
                         parameters, scenario path and overrides
    runs/<run_id>.parquet   one row per finished run
    manifest.jsonl       one line per finished run: run_id, scenario_hash, seed, ...; the
                         key of a result is (scenario_hash, seed)
    failures.jsonl       one line per failed attempt, with the error text and traceback
    damaged/             files set aside as damaged (kept for inspection, never read again)
    run_folders/<run_id>/   only with ``keep_run_folders: true``
    .citysafe-run.json   citysafe's marker (kind ``sweep``), written first: a sweep writes only
                         into an empty folder or its own (:mod:`sim.results.staging`)
    .lock                held by the running sweep (:mod:`sim.core.folder_lock`): its pid and
                         worker count; a second process is refused

Every file is written by :mod:`sim.studies.sweep.files`: whole files atomically (a full disk
or Ctrl-C leaves the old file or none, never half of one), JSONL lines whole. Each Parquet
file carries a digest of its rows (:data:`DIGEST_KEY`), so a garbled byte that still parses
is caught too.

The run files are the truth: a run is done exactly when its file is valid — readable, one
row, and that row is the run its name says (run id, scenario, point, replication, seed and
parameters as in the plan). On start the running sweep sets damaged run files aside in
``damaged/`` (they are rerun), drops temporaries a kill left, and rebuilds the manifest
from the run files (its garbled lines dropped, missing lines of finished runs added; a kill
can fall between the two writes). So a resumed sweep runs each missing or damaged run once
and never duplicates a finished one. A missing or unreadable plan is rebuilt from the spec
given to ``sweep run --resume`` when ``spec.resolved.yaml`` expands to the same plan (the
plan is a pure function of the spec, :func:`~sim.studies.sweep.design.expand`), and the
spec file is rewritten when the plan matches; with both gone nothing says which spec the
runs belong to and the sweep refuses. The plan records the digest of the spec file written
with it (:data:`SPEC_DIGEST_KEY`): a plan of another sweep put in the folder is refused by the
readers and, when the spec file is the spec given, rebuilt by resume like a lost one; a spec
file of another sweep beside a plan of this one is rewritten. ``failures.jsonl`` is never
rewritten (it is the only record of the errors): its unreadable lines are reported, not
dropped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from sim.core.file_digests import changes
from sim.core.folder_lock import LOCK_FILE, holder
from sim.core.yaml_input import YamlInputError, read_yaml_file
from sim.results.staging import MARKER_FILE, RunFolderError, take_folder
from sim.scenario.loader import Problem, ScenarioError, load_scenario
from sim.studies.sweep.design import RunRecord, expand, plan_frame
from sim.studies.sweep.files import (
    append_jsonl,
    atomic_write_bytes,
    scan_jsonl,
    stale_temporaries,
)
from sim.studies.sweep.inputs import (
    INPUTS_FILE,
    changed_message,
    input_digests,
    read_inputs,
    write_inputs,
)
from sim.studies.sweep.spec import META_COLUMNS, ExperimentSpec, dump_spec

SPEC_FILE = "spec.resolved.yaml"
SCENARIOS_FILE = "scenarios.resolved.json"
PLAN_FILE = "plan.parquet"
RUNS_DIR = "runs"
MANIFEST_FILE = "manifest.jsonl"
FAILURES_FILE = "failures.jsonl"
DAMAGED_DIR = "damaged"
KIND = "sweep"
"""The kind in a sweep folder's marker (``sweep`` and ``compare`` folders, an ensemble's
``replications/``, a calibration's batches)."""

PLAN_COLUMNS = ("run_id", "scenario", "point", "replication", "seed", "scenario_path", "overrides")
"""Columns every plan holds (:func:`~sim.studies.sweep.design.plan_frame`), parameters aside."""
CHECKED_COLUMNS = ("scenario", "point", "replication", "seed")
"""Plan columns a run file's row must repeat (with the parameters) to count as that run."""
_PLAN_KEY = ["run_id", "seed", "overrides"]
"""What makes two plans the same sweep: every run's id, seed and overrides (fixed values,
parameters, seed), in order."""


class SweepError(RuntimeError):
    """The sweep folder cannot be used as asked (not empty, another spec, locked)."""


class SweepFolderError(FileNotFoundError):
    """The path is not a usable sweep folder: no ``plan.parquet``, or one that cannot be
    read (the message names the file, what is wrong and what to do)."""


def _now_utc() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a JSONL file; unreadable lines are skipped (:func:`scan_jsonl` names
    them)."""
    return scan_jsonl(path)[0]


def _one_line(exc: BaseException) -> str:
    """The first line of an error, without Arrow's repetition of the file name."""
    lines = str(exc).strip().splitlines()
    text = re.sub(r"^Could not open Parquet input source '.*?': ", "", lines[0] if lines else "")
    return text or type(exc).__name__


DIGEST_KEY = b"citysafe.sha256"
"""Schema-metadata key of the digest of a Parquet file the store writes: sha256 of its rows
as canonical JSON (sorted keys). Parquet checks no checksum by default, and a flipped byte
in a footer can rename a column or change a type and still read; the digest catches any
change to the rows."""

READ_ERRORS = (OSError, ValueError, KeyError, IndexError, TypeError, pa.ArrowException)
"""What reading a damaged Parquet file raises: Arrow's errors, OSError for a bad footer,
UnicodeDecodeError (a ValueError) for a garbled string; the others for garbled metadata."""


class DigestError(ValueError):
    """A Parquet file's rows differ from the digest written with them (garbled)."""


def _unreadable(exc: BaseException) -> str:
    if isinstance(exc, DigestError):
        return f"garbled: {exc}"
    return f"not a readable Parquet file (truncated or garbled: {_one_line(exc)})"


def _digest(rows: list[dict[str, Any]]) -> bytes:
    text = json.dumps(rows, sort_keys=True, default=str, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii")


def parquet_bytes(table: pa.Table) -> bytes:
    """``table`` as a Parquet file carrying the digest of its rows (:data:`DIGEST_KEY`;
    taken of the rows as read back, so numpy scalars hash as the Python values they become)."""
    meta = {**(table.schema.metadata or {}), DIGEST_KEY: _digest(table.to_pylist())}
    buf = pa.BufferOutputStream()
    pq.write_table(table.replace_schema_metadata(meta), buf)
    return buf.getvalue().to_pybytes()


def _read_checked(path: Path) -> tuple[pa.Table, list[dict[str, Any]]]:
    """A Parquet file the store wrote and its rows.

    Raises:
        DigestError: the rows differ from their digest (files of older sweeps have none and
            pass); any of :data:`READ_ERRORS` for an unreadable file.
    """
    table = pq.read_table(path)
    rows = table.to_pylist()
    digest = (table.schema.metadata or {}).get(DIGEST_KEY)
    if digest is not None and digest != _digest(rows):
        raise DigestError("its rows differ from the digest written with them")
    return table, rows


def _plan_problem(path: Path) -> tuple[pd.DataFrame | None, str]:
    """The plan in ``path`` and ``''``, or None and what is wrong with it."""
    if not path.exists():
        return None, "missing"
    try:
        table, _ = _read_checked(path)
        missing = [c for c in PLAN_COLUMNS if c not in table.column_names]
        plan = table.to_pandas()
    except READ_ERRORS as exc:
        return None, _unreadable(exc)
    if missing:
        return None, f"lacks the plan columns {missing}"
    if plan.empty or plan["run_id"].isna().any() or not plan["run_id"].is_unique:
        return None, "run ids are missing or repeated"
    return plan, ""


def _plan_key(plan: pd.DataFrame) -> list:
    """What makes two plans the same sweep (:data:`_PLAN_KEY`), comparable with ``==``."""
    return plan[_PLAN_KEY].values.tolist()


SPEC_DIGEST_KEY = b"citysafe.spec_sha256"
"""Schema-metadata key of a plan: sha256 of the ``spec.resolved.yaml`` written with it, so a
plan of another sweep put in the folder is told from the folder's own (plans of older sweeps
have none and are not checked)."""


def _spec_digest(text: bytes) -> bytes:
    return hashlib.sha256(text).hexdigest().encode("ascii")


def _foreign_plan(sweep_dir: Path) -> str:
    """What is wrong when the plan was written with another ``spec.resolved.yaml`` than the
    folder's (one of the two is another sweep's), else ``''`` (also when either file has
    nothing to compare)."""
    try:
        recorded = (pq.read_schema(sweep_dir / PLAN_FILE).metadata or {}).get(SPEC_DIGEST_KEY)
        spec_text = (sweep_dir / SPEC_FILE).read_bytes()
    except READ_ERRORS:
        return ""
    if recorded is None or recorded == _spec_digest(spec_text):
        return ""
    return f"the plan of another sweep (it was written with another spec than {SPEC_FILE})"


def read_plan(sweep_dir: str | Path) -> pd.DataFrame:
    """The plan of the sweep in ``sweep_dir`` (one row per run, :data:`PLAN_COLUMNS` and one
    column per parameter).

    Raises:
        SweepFolderError: no plan (not a sweep folder), or an unreadable one: the message
            names the file, what is wrong and how to rebuild it.
    """
    sweep_dir = Path(sweep_dir)
    plan, why = _plan_problem(sweep_dir / PLAN_FILE)
    if why == "missing":
        raise SweepFolderError(f"{sweep_dir}: not a sweep folder (no {PLAN_FILE})")
    if plan is not None:
        why = _foreign_plan(sweep_dir)
        plan = None if why else plan
    if plan is None:
        raise SweepFolderError(
            str(
                Problem(
                    str(sweep_dir / PLAN_FILE),
                    "(file)",
                    f"{why}; the plan is derived from the spec: run the sweep again with its "
                    f"spec and --resume to rebuild it (checked against {SPEC_FILE}; finished "
                    "runs are kept)",
                )
            )
        )
    return plan


def _planned(plan: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Run id → the values its run file must repeat (:data:`CHECKED_COLUMNS`, parameters)."""
    params = [c for c in plan.columns if c not in (*META_COLUMNS, "scenario_path", "overrides")]
    cols = [*CHECKED_COLUMNS, *params]
    return {rec.pop("run_id"): rec for rec in plan[["run_id", *cols]].to_dict("records")}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def check_run_file(
    path: Path, planned: dict[str, dict[str, Any]]
) -> tuple[pa.Table | None, Problem | None]:
    """Read one run file and check that it is the run its name says.

    Args:
        path: ``runs/<run_id>.parquet``.
        planned: :func:`_planned` of the sweep's plan.

    Returns:
        The one-row table and None, or None and the :class:`Problem` (the file, the field
        that is wrong or ``(file)``, what was expected).
    """
    where = str(path)
    expected = planned.get(path.stem)
    if expected is None:
        return None, Problem(where, "(file)", f"{path.stem!r} is not a run of this sweep's plan")
    try:
        table, rows = _read_checked(path)
    except READ_ERRORS as exc:
        return None, Problem(where, "(file)", _unreadable(exc))
    if len(rows) != 1:
        return None, Problem(where, "(file)", f"holds {len(rows)} rows; a run file holds 1")
    row = rows[0]
    if row.get("run_id") != path.stem:
        what = f"is {row.get('run_id')!r}: this file should hold run {path.stem!r}"
        return None, Problem(where, "run_id", what)
    for col, value in expected.items():
        if col not in row and (value is None or _same(value, math.nan)):
            continue  # a parameter this run does not set (the plan's cell is empty)
        if col not in row:
            return None, Problem(where, col, f"missing; the plan has {value!r} for this run")
        if not _same(row[col], value):
            return None, Problem(
                where, col, f"is {row[col]!r}; the plan has {value!r} for this run"
            )
    return table, None


@dataclass
class RunScan:
    """The run files of a sweep folder, checked against its plan.

    Attributes:
        tables: run id → the valid one-row table of a finished run (file-name order).
        damaged: one :class:`Problem` per damaged file of a planned run (unreadable, wrong
            row count, another run's row, values other than the plan's): rerun on resume.
        strays: one per run file of a run the plan does not hold (ignored).
    """

    tables: dict[str, pa.Table] = field(default_factory=dict)
    damaged: list[Problem] = field(default_factory=list)
    strays: list[Problem] = field(default_factory=list)

    @property
    def rows(self) -> dict[str, dict[str, Any]]:
        """Run id → result row of every valid finished run."""
        return {run_id: t.to_pylist()[0] for run_id, t in self.tables.items()}


class SweepStore:
    """The output folder of one sweep.

    Args:
        out_dir: the folder (created by :meth:`open`).

    Attributes:
        repairs: what :meth:`open` and :meth:`scan` with ``repair`` found and mended, one
            :class:`Problem` each (file, where, what was done), for the caller to report.
        warnings: what :meth:`open` could not check (the data files of runs an earlier
            version finished), one :class:`Problem` each, for the caller to report.
    """

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.runs_dir = self.out_dir / RUNS_DIR
        self.manifest_path = self.out_dir / MANIFEST_FILE
        self.failures_path = self.out_dir / FAILURES_FILE
        self.damaged_dir = self.out_dir / DAMAGED_DIR
        self.repairs: list[Problem] = []
        self.warnings: list[Problem] = []
        self._hold: contextlib.ExitStack | None = None

    # --- opening -------------------------------------------------------------------------
    def open(
        self, spec: ExperimentSpec, runs: list[RunRecord], resume: bool, workers: int = 1
    ) -> None:
        """Take the folder for this sweep: check that it is empty or a sweep's, lock it, mark
        it, check or write the spec and plan.

        A missing or damaged plan or spec file is rebuilt when the other one shows that the
        folder holds this spec's sweep (see the module docstring); each rebuild is added to
        :attr:`repairs`.

        Raises:
            SweepError: the folder holds files that are not a sweep's (named), or another
                kind of citysafe folder; it holds a sweep but ``resume`` is False; it holds
                another spec's sweep; neither its plan nor its spec can be read; a scenario
                changed since the sweep started (:meth:`_check_scenarios`), or a data file
                its runs read (:meth:`_check_inputs`); another process is writing it; it
                cannot be created.
            OSError: a file could not be written (e.g. a full disk); nothing half-written
                is left and the lock is released.
        """
        self._hold = contextlib.ExitStack()
        try:
            try:
                take_folder(self.out_dir, KIND, self._hold, _older_sweep, workers=workers)
            except RunFolderError as exc:
                raise SweepError(str(exc)) from None
            has_files = any(p.name not in (LOCK_FILE, MARKER_FILE) for p in self.out_dir.iterdir())
            if has_files and not resume:
                raise SweepError(
                    f"{self.out_dir}: folder is not empty; pass --resume to continue the sweep "
                    "saved there, or choose another --out"
                )
            if has_files:
                self._check_saved(spec, runs)
                self._check_scenarios(runs)
                self._check_inputs(runs)
            else:
                self._write_spec(spec)
                self._write_plan(runs, spec)
                self._write_scenarios(scenario_snapshots(runs))
                write_inputs(self.out_dir, input_digests(runs))
            self.runs_dir.mkdir(exist_ok=True)
        except BaseException:
            self.close()
            raise

    def _write_spec(self, spec: ExperimentSpec) -> None:
        atomic_write_bytes(self.out_dir / SPEC_FILE, dump_spec(spec).encode("utf-8"))

    def _write_plan(self, runs: list[RunRecord], spec: ExperimentSpec) -> None:
        table = pa.Table.from_pandas(plan_frame(runs), preserve_index=False)
        digest = _spec_digest(dump_spec(spec).encode("utf-8"))  # the spec file's
        table = table.replace_schema_metadata(
            {**(table.schema.metadata or {}), SPEC_DIGEST_KEY: digest}
        )
        atomic_write_bytes(self.out_dir / PLAN_FILE, parquet_bytes(table))

    def _saved_spec_runs(self) -> tuple[list[RunRecord] | None, str]:
        """The runs ``spec.resolved.yaml`` expands to and ``''``, or None and what is wrong."""
        path = self.out_dir / SPEC_FILE
        try:
            saved = ExperimentSpec.model_validate(read_yaml_file(path))
            return expand(saved), ""
        except FileNotFoundError:
            return None, "missing"
        except (OSError, YamlInputError, ValidationError, ValueError) as exc:
            return None, f"unreadable ({_one_line(exc)})"

    def _check_saved(self, spec: ExperimentSpec, runs: list[RunRecord]) -> None:
        """Resume: check that the folder holds this plan; rebuild a lost plan or spec file."""
        plan = plan_frame(runs)
        key = _plan_key(plan)
        saved, plan_why = _plan_problem(self.out_dir / PLAN_FILE)
        spec_runs, spec_why = self._saved_spec_runs()
        spec_fits = self._spec_file_fits(spec, spec_runs, key)
        if saved is not None and _plan_key(saved) != key:
            if not spec_fits:
                n_saved, n_now = len(saved), len(plan)
                raise SweepError(
                    f"{self.out_dir}: holds runs of another plan ({n_saved} runs there, "
                    f"{n_now} now: a different spec, scenario overrides or number of "
                    f"replications; see {SPEC_FILE}); choose another --out"
                )
            # the spec file is the spec given: the plan file is another sweep's
            saved, plan_why = None, f"the plan of another sweep ({len(saved)} runs)"
        if saved is not None:
            foreign = _foreign_plan(self.out_dir)
            if spec_runs is None or foreign:
                why = spec_why if spec_runs is None else "the spec of another sweep"
                self._set_aside(self.out_dir / SPEC_FILE)
                self._write_spec(spec)
                self._repaired(SPEC_FILE, f"{why}: rewritten from the spec given (it "
                                          f"expands to the plan in {PLAN_FILE})")  # fmt: skip
                if foreign:  # the same rows, recorded with the spec file now beside them
                    self._write_plan(runs, spec)
            return
        if spec_runs is None:
            if plan_why == "missing" and spec_why == "missing":
                raise SweepError(
                    f"{self.out_dir}: not a sweep folder ({PLAN_FILE} missing); choose "
                    "another --out"
                )
            raise SweepError(
                f"{self.out_dir}: {PLAN_FILE} is {plan_why} and {SPEC_FILE} is {spec_why}: "
                "nothing tells which spec the runs there belong to, so they cannot be "
                "resumed safely; move the folder aside and start the sweep again, or "
                "choose another --out"
            )
        if not spec_fits:
            raise SweepError(
                f"{self.out_dir}: {PLAN_FILE} is {plan_why} and {SPEC_FILE} holds another "
                f"spec ({len(spec_runs)} runs there, {len(runs)} now): resume with the spec "
                f"in {SPEC_FILE}, or choose another --out"
            )
        self._set_aside(self.out_dir / PLAN_FILE)
        self._write_plan(runs, spec)
        self._repaired(PLAN_FILE, f"{plan_why}: rebuilt from the spec (it matches {SPEC_FILE})")

    def _spec_file_fits(self, spec: ExperimentSpec, spec_runs, key: list) -> bool:
        """Whether ``spec.resolved.yaml`` is the spec given: the same text, or a spec that
        expands to the same plan (``spec_runs``, :meth:`_saved_spec_runs`)."""
        if spec_runs is None:
            return False
        try:
            text = (self.out_dir / SPEC_FILE).read_bytes()
        except OSError:
            return False
        return text == dump_spec(spec).encode("utf-8") or _plan_key(plan_frame(spec_runs)) == key

    def _write_scenarios(self, snapshots: dict[str, dict[str, str]]) -> None:
        text = json.dumps(snapshots, sort_keys=True, indent=1) + "\n"
        atomic_write_bytes(self.out_dir / SCENARIOS_FILE, text.encode("utf-8"))

    def _check_scenarios(self, runs: list[RunRecord]) -> None:
        """Resume: refuse when a scenario differs from the one the sweep started with.

        The plan names scenario files, not their content: a base scenario edited between two
        invocations would give finished and new runs of one point different scenarios (two
        ``scenario_hash`` values in one table). A folder from before this check, or with an
        unreadable file, gets the file written from the scenarios as they are now (noted in
        :attr:`repairs`).

        Raises:
            SweepError: naming the scenario, its file and the fields that changed (old and
                new values).
        """
        now = scenario_snapshots(runs)
        path = self.out_dir / SCENARIOS_FILE
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(saved, dict):
                raise ValueError("not a JSON object")
        except FileNotFoundError:
            self._write_scenarios(now)
            self._repaired(SCENARIOS_FILE, "missing (a sweep of an earlier version): written "
                           "from the scenarios as they are now")  # fmt: skip
            return
        except (ValueError, UnicodeDecodeError) as exc:
            self._set_aside(path)
            self._write_scenarios(now)
            self._repaired(SCENARIOS_FILE, f"unreadable ({_one_line(exc)}): rewritten from the "
                           "scenarios as they are now")  # fmt: skip
            return
        first = {r.scenario: r.scenario_path for r in reversed(runs)}
        for label, fields in now.items():
            before = saved.get(label)
            if not isinstance(before, dict) or before == fields:
                continue
            changed = [
                k for k in sorted(set(before) | set(fields)) if before.get(k) != fields.get(k)
            ]
            shown = "; ".join(f"{k}: {before.get(k, '(none)')} -> {fields.get(k, '(none)')}"
                              for k in changed[:5])  # fmt: skip
            more = f" (and {len(changed) - 5} more fields)" if len(changed) > 5 else ""
            raise SweepError(
                f"{self.out_dir}: scenario {label!r} ({first[label]}) changed since the sweep "
                f"started: {shown}{more}; its finished and new runs would simulate different "
                "scenarios. Restore the file to resume, or start the sweep again in another "
                "--out"
            )

    def _check_inputs(self, runs: list[RunRecord]) -> None:
        """Resume: refuse when a data file the runs read differs from :data:`INPUTS_FILE`.

        A folder of an earlier version (no record) or with an unreadable record gets it
        written from the files as they are now; when runs had finished, a warning (in
        :attr:`warnings`) says that their data could not be checked.

        Raises:
            SweepError: naming the files changed, added or removed, and what to do.
        """
        now = input_digests(runs)
        try:
            before = read_inputs(self.out_dir)
        except FileNotFoundError:
            why = "missing (a sweep of an earlier version)"
        except ValueError as exc:
            self._set_aside(self.out_dir / INPUTS_FILE)
            why = f"unreadable ({_one_line(exc)}; moved to {DAMAGED_DIR}/)"
        else:
            if changed := changes(before, now):
                raise SweepError(changed_message(self.out_dir, changed))
            return
        write_inputs(self.out_dir, now)
        if done := len(self.run_files()):
            self.warnings.append(Problem(
                str(self.out_dir / INPUTS_FILE), "(file)",
                f"{why}: the data files {done} finished run(s) read could not be checked "
                "against the files as they are now; recorded now and checked from here on",
            ))  # fmt: skip

    def _repaired(self, name: str, what: str, where: str = "(file)") -> None:
        self.repairs.append(Problem(str(self.out_dir / name), where, what))

    def _set_aside(self, path: Path) -> Path | None:
        """Move a damaged file into ``damaged/`` (never over another); None if absent."""
        if not path.exists():
            return None
        self.damaged_dir.mkdir(exist_ok=True)
        target, k = self.damaged_dir / path.name, 0
        while target.exists():
            k += 1
            target = self.damaged_dir / f"{path.stem}.{k}{path.suffix}"
        os.replace(path, target)
        return target

    def close(self) -> None:
        """Release the folder's lock (and remove its lock file)."""
        if self._hold is not None:
            self._hold.close()
            self._hold = None

    # --- reading -------------------------------------------------------------------------
    def run_files(self) -> list[Path]:
        """Finished runs' files (hidden temporaries excluded), sorted by name."""
        if not self.runs_dir.is_dir():
            return []
        return sorted(p for p in self.runs_dir.glob("*.parquet") if not p.name.startswith("."))

    def scan(self, plan: pd.DataFrame | None = None, repair: bool = False) -> RunScan:
        """Check every run file against the plan (:func:`check_run_file`).

        Args:
            plan: the plan (default: read it, :func:`read_plan`).
            repair: the running sweep only (it holds the lock): set damaged and stray run
                files aside in ``damaged/``, delete temporaries a kill left, rewrite the
                manifest to list exactly the finished runs; each noted in :attr:`repairs`.

        Raises:
            SweepFolderError: no plan, or an unreadable one.
        """
        planned = _planned(read_plan(self.out_dir) if plan is None else plan)
        scan = RunScan()
        for path in self.run_files():
            table, problem = check_run_file(path, planned)
            if table is not None:
                scan.tables[path.stem] = table
                continue
            (scan.damaged if path.stem in planned else scan.strays).append(problem)
            if repair:
                moved = self._set_aside(path).relative_to(self.out_dir)
                then = ", to be rerun" if path.stem in planned else ""
                self.repairs.append(
                    Problem(
                        problem.file, problem.field, f"{problem.message}; moved to {moved}{then}"
                    )
                )
        if repair:
            for tmp in stale_temporaries(self.runs_dir) + stale_temporaries(self.out_dir):
                tmp.unlink()
            self._reconcile_manifest(scan.rows)
        return scan

    def completed(self, repair: bool = True) -> dict[str, dict[str, Any]]:
        """Run id → row of every valid finished run (:meth:`scan`; ``repair`` as there)."""
        return self.scan(repair=repair).rows

    def _reconcile_manifest(self, rows: dict[str, dict[str, Any]]) -> None:
        records, problems = scan_jsonl(self.manifest_path)
        for p in problems:
            what = p.message.removesuffix("; ignored")
            self.repairs.append(
                Problem(p.file, p.field, f"{what}; dropped (rebuilt from the run files)")
            )
        lines = {}
        for rec in records:
            if rec.get("run_id") in rows and rec["run_id"] not in lines:
                lines[rec["run_id"]] = rec
        for run_id, row in rows.items():
            if run_id not in lines:
                mtime = (self.runs_dir / f"{run_id}.parquet").stat().st_mtime
                rec = self._manifest_record(row, attempts=None)
                rec["finished_utc"] = dt.datetime.fromtimestamp(mtime, dt.UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
                lines[run_id] = rec
        text = "".join(json.dumps(r, default=str) + "\n" for r in lines.values())
        old = (
            self.manifest_path.read_text(encoding="utf-8", errors="replace")
            if self.manifest_path.exists()
            else ""
        )
        if text != old:
            atomic_write_bytes(self.manifest_path, text.encode("utf-8"))

    # --- writing -------------------------------------------------------------------------
    @staticmethod
    def _manifest_record(row: dict[str, Any], attempts: int | None) -> dict[str, Any]:
        return {
            "run_id": row["run_id"],
            "scenario_hash": row.get("scenario_hash"),
            "seed": row.get("seed"),
            "scenario": row.get("scenario"),
            "point": row.get("point"),
            "replication": row.get("replication"),
            "file": f"{RUNS_DIR}/{row['run_id']}.parquet",
            "attempts": attempts,
            "wall_time_s": row.get("wall_time_s"),
            "finished_utc": _now_utc(),
        }

    def write_row(self, row: dict[str, Any], attempts: int = 1) -> Path:
        """Save a finished run's row (atomically), then its manifest line.

        Raises:
            OSError: a write failed (full disk, ...): the run file is complete or absent,
                the manifest holds no half line.
        """
        path = self.runs_dir / f"{row['run_id']}.parquet"
        atomic_write_bytes(path, parquet_bytes(pa.Table.from_pylist([row])))
        append_jsonl(self.manifest_path, self._manifest_record(row, attempts))
        return path

    def record_failure(self, run: RunRecord, attempt: int, kind: str, error: str, tb: str) -> None:
        """Append one failed attempt to failures.jsonl.

        Raises:
            OSError: the line could not be written (the log is as before).
        """
        append_jsonl(
            self.failures_path,
            {
                "run_id": run.run_id,
                "attempt": attempt,
                "kind": kind,
                "error": error,
                "traceback": tb,
                "time_utc": _now_utc(),
            },
        )


def _flat(value: Any, prefix: str = "") -> dict[str, str]:
    """Field path -> JSON text of each leaf (``a.b``, ``events[2].at_h``)."""
    if isinstance(value, dict) and value:
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, item in enumerate(value):
            out.update(_flat(item, f"{prefix}[{i}]"))
        return out
    return {prefix: json.dumps(value, sort_keys=True, default=str)}


def scenario_snapshots(runs: list[RunRecord]) -> dict[str, dict[str, str]]:
    """Label -> the scenario as the label's first run loads it (its seed aside), field path
    -> JSON text, for :meth:`SweepStore._check_scenarios`. A scenario that does not load is
    left out (its runs fail and are recorded as such)."""
    out: dict[str, dict[str, str]] = {}
    for run in runs:
        if run.scenario in out:
            continue
        try:
            scenario = load_scenario(Path(run.scenario_path), list(run.overrides))
        except (ScenarioError, OSError):
            out[run.scenario] = {}
            continue
        out[run.scenario] = _flat(scenario.model_dump(mode="json", exclude={"seed"}))
    return {label: fields for label, fields in out.items() if fields}


def lock_info(out_dir: str | Path) -> dict[str, Any] | None:
    """The running sweep's lock record (pid, workers, start), or None when none runs."""
    return holder(out_dir)


def _older_sweep(folder: Path) -> bool:
    """A sweep folder an earlier version wrote (no marker): it kept its lock file and has a
    plan or a spec; the store's own checks then hold it to the spec given."""
    return (folder / LOCK_FILE).is_file() and (
        (folder / PLAN_FILE).exists() or (folder / SPEC_FILE).exists()
    )
