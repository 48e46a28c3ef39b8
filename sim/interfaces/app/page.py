"""The solara page of ``citysafe app``: one exercise (one model) per browser session.

Solara runs :func:`Page` once per browser connection (a virtual kernel per tab), so every
``use_memo`` / ``use_reactive`` below is per session: five trainees get five models. The
launcher (sim.interfaces.app.server) passes the scenario and token through the environment
(sim.interfaces.app.settings).

Rendering is decoupled from stepping: the play loop advances ``hours per frame`` model hours,
then the map and charts are redrawn once (mesa's SolaraViz ``render_interval`` idea); figures
are memoised on the frame counter. Mesa's own SolaraViz controller is not used because its
Reset/Step buttons act without a role check and its Step calls ``Model.step`` (the hourly
decision step), not the exercise clock.

Every action goes through :class:`~sim.interfaces.app.adapter.SessionController`, which checks the
role
in the server process; buttons are only disabled for convenience. Any error in a handler is
shown in the page, never raised into the session.
"""

from __future__ import annotations

import html
import threading
import traceback

import pandas as pd
import solara

from sim.interfaces.app.adapter import AppInputError, SessionController
from sim.interfaces.app.auth import TRAINER, ReadOnlyError, role_for, token_from_query
from sim.interfaces.app.charts import chart_options
from sim.interfaces.app.forms import build_event, field_specs
from sim.interfaces.app.mapview import COLOUR_LABELS
from sim.interfaces.app.readout import OUTCOME_KEYS, format_value, label
from sim.interfaces.app.settings import AppSettings, load_app_city_state, load_app_scenario
from sim.interfaces.app.timeline import timeline_html
from sim.response.resources import RESOURCE_NAMES
from sim.scenario.events import INJECT_TYPES

NEXT_EVENT = "to next event"
STEP_CHOICES = [NEXT_EVENT, "1 h", "2 h", "3 h", "6 h", "12 h", "24 h"]
"""What a Step click (and a play frame) advances: to the next moment on the timeline
(:func:`sim.interfaces.app.timeline.next_event_h`) or a number of hours."""
DEFAULT_STEP = "6 h"
"""Default step: a storm window of 2-5 days in 8-20 clicks (1 h took 42 to Lekima's landfall)."""
CSS = """
.map-svg svg {width: 100%; height: auto; display: block}
#outcomes {font-size: 16px; border-spacing: 0 2px}
#outcomes th {text-align: left; padding-right: 0.8em; font-weight: 500}
#outcomes td {text-align: right; white-space: nowrap; font-weight: 600}
#clock {font-size: 18px; line-height: 1.5}
#networks {font-size: 16px; border-spacing: 1em 2px}
#networks th {text-align: left; font-weight: 500}
#networks td {text-align: right; white-space: nowrap}
#networks td.state {text-align: left; white-space: normal}
"""
"""Page styles: the map scales to its card, tables and clock at 16-18 px (12-14 pt)."""
PAUSE_S = 0.2
"""Pause between play frames (s), so the browser keeps up."""
POLL_S = 1.0
"""How often a page of a shared exercise checks for others' changes (s)."""


def advance(ctrl: SessionController, choice: str) -> None:
    """One Step click or play frame: ``choice`` is one of :data:`STEP_CHOICES`.

    Raises:
        ReadOnlyError: a viewer of a shared exercise.
    """
    if choice == NEXT_EVENT:
        ctrl.step_to_next_event()
    else:
        ctrl.step(float(choice.removesuffix(" h")))


_SHARED: dict[str, SessionController] = {}
_SHARED_LOCK = threading.Lock()


def _city_state(settings: AppSettings):
    """The shock's city state the exercise starts from (``citysafe app RUN/shocks/NAME``)."""
    path = settings.city_state_path
    return load_app_city_state(None if path is None else str(path))


def _shared_exercise(settings: AppSettings) -> SessionController:
    """The one exercise of a ``--share`` server, built by the first browser to connect."""
    with _SHARED_LOCK:
        if "exercise" not in _SHARED:
            scen = load_app_scenario(str(settings.scenario_path), settings.overrides)
            _SHARED["exercise"] = SessionController(
                scen, TRAINER, settings.scenario_path, settings.overrides, _city_state(settings)
            )
        return _SHARED["exercise"]


def _make_controller() -> tuple[SessionController | None, AppSettings | None, str]:
    """This browser session's controller, or (None, None, message) if the server is
    misconfigured. Local mode: a model of its own. ``--share``: a view of the one shared
    exercise, so viewers watch what the trainer runs."""
    try:
        settings = AppSettings.from_env()
        if settings.token is not None:
            ctrl = _shared_exercise(settings).view(role_for(None, settings.token))
        else:
            scen = load_app_scenario(str(settings.scenario_path), settings.overrides)
            ctrl = SessionController(
                scen, TRAINER, settings.scenario_path, settings.overrides, _city_state(settings)
            )
    except Exception as exc:  # shown in the page: the server runs on for other sessions
        return None, None, f"cannot start the exercise: {exc}"
    return ctrl, settings, ""


def outcome_table(values: dict) -> str:
    """HTML table of the outcomes now (:func:`sim.interfaces.app.readout.outcomes`): one row
    per value of :data:`~sim.interfaces.app.readout.OUTCOME_KEYS`, then one per layer's
    service in the values, each labelled with its unit (:func:`~sim.interfaces.app.readout.label`);
    each value cell has id ``v-<key>``."""
    rows = [*OUTCOME_KEYS, *(k for k in values if k.startswith("functionality_"))]
    warned = values.get("warned", True)
    cells = "".join(
        f"<tr><th>{html.escape(label(k))}</th>"
        f'<td id="v-{k}">{html.escape(format_value(k, values[k], warned))}</td></tr>'
        for k in rows
    )
    return f'<table id="outcomes">{cells}</table>'


NETWORK_HEAD = ("Network", "Service (% of normal)", "Nodes out of service (count)", "State now")
"""Column heads of :func:`network_table`, with their units."""


def network_table(rows: list[dict]) -> str:
    """HTML table of each layer's state now (:func:`sim.interfaces.app.readout.network_rows`):
    its label, service, nodes out of service of all and its own words (gas leaks, base
    stations down and on backup, road segments closed); row ids ``net-<layer>``."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in NETWORK_HEAD)
    body = "".join(
        f'<tr id="net-{html.escape(r["layer"], quote=True)}"><th>{html.escape(r["label"])}</th>'
        f"<td>{100.0 * r['service']:.1f} %</td>"
        f"<td>{r['nodes_out']:,} of {r['nodes']:,}</td>"
        f'<td class="state">{html.escape(r["state"])}</td></tr>'
        for r in rows
    )
    return f'<table id="networks"><tr>{head}</tr>{body}</table>'


@solara.component
def Page():
    ctrl, settings, fatal = solara.use_memo(_make_controller, [])
    if ctrl is None:
        solara.Error(fatal, classes=["app-message"])
    else:
        _ExercisePage(ctrl, settings)


# long: a solara component: its hooks run in one function in a fixed order; the rest is layout
@solara.component
def _ExercisePage(ctrl: SessionController, settings: AppSettings):
    router = solara.use_router()
    presented = solara.use_reactive(token_from_query(router.search))
    typed = solara.use_reactive("")
    role = role_for(presented.value, settings.token)
    ctrl.role = role  # the controller checks it on every change
    trainer = role == TRAINER

    frame = solara.use_reactive(0)  # bumped after each change: redraw map and charts
    message = solara.use_reactive(("", "info"))
    playing = solara.use_reactive(False)
    step_h = solara.use_reactive(DEFAULT_STEP)
    colour_by = solara.use_reactive(COLOUR_LABELS["alert level"])
    layers = solara.use_reactive(["roads"])
    kind = solara.use_reactive(INJECT_TYPES[0])
    form_values = solara.use_reactive({})
    raw_inject = solara.use_reactive("")
    journal_text = solara.use_reactive("")
    after_action = solara.use_reactive("")

    def act(fn, ok: str | None = None):
        """Run a handler; show its outcome or error in the page (never crash the session)."""

        def handler(*args):
            try:
                result = fn(*args)
            except (ReadOnlyError, AppInputError) as exc:
                message.set((str(exc), "error"))
            except Exception as exc:  # an engine bug must not end the trainer's session
                traceback.print_exc()
                message.set((f"internal error ({type(exc).__name__}): {exc}", "error"))
            else:
                text = ok if ok is not None else (result if isinstance(result, str) else "")
                message.set((text, "success") if text else ("", "info"))
            frame.set(frame.value + 1)

        return handler

    def play_frame(cancel: threading.Event):
        """One play frame: step ``hours per frame``, then hand back to the page.

        Each frame is its own short worker thread (keyed on the frame counter), so solara
        renders the new state and handles a Pause click between frames; a single long loop
        thread would have its updates shown only when it ends.
        """
        if not playing.value or cancel.is_set():
            return
        if ctrl.done:
            playing.set(False)
            return
        try:
            advance(ctrl, step_h.value)
        except Exception as exc:  # shown in the page; the session goes on
            message.set((f"stopped: {exc}", "error"))
            playing.set(False)
            return
        if ctrl.done:
            playing.set(False)
        cancel.wait(PAUSE_S)
        frame.set(frame.value + 1)  # re-render; a new frame thread starts if still playing

    solara.use_thread(play_frame, dependencies=[playing.value, frame.value], intrusive_cancel=False)
    seen = ctrl.version()
    poll_tick = solara.use_reactive(0)

    def poll(cancel: threading.Event):
        """Shared exercise: redraw when another browser changed it (one short thread per
        check, like the play frames)."""
        if settings.token is None or playing.value:
            return
        cancel.wait(POLL_S)
        if cancel.is_set():
            return
        if ctrl.version() != seen:
            frame.set(frame.value + 1)
        else:
            poll_tick.set(poll_tick.value + 1)

    solara.use_thread(poll, dependencies=[frame.value, poll_tick.value], intrusive_cancel=False)

    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(f"citysafe exercise — {ctrl.scenario_name}")
        solara.Text(f"{role}", classes=["role-chip"], style={"margin-left": "1em"})

    with solara.Sidebar():
        _ClockCard(ctrl, frame.value, playing, step_h, trainer, act)
        with solara.Card("Outcomes now"):
            solara.HTML(unsafe_innerHTML=outcome_table(ctrl.outcomes()))
        with solara.Card("Trainer"):
            if settings.token is None:
                solara.Text("Local session: you are the trainer.")
            elif trainer:
                solara.Success("Trainer token accepted.", dense=True)
            else:
                solara.Text("Read-only. Enter the trainer token to make changes.")
                solara.InputText("trainer token", value=typed, password=True)
                solara.Button("Use token", on_click=lambda: presented.set(typed.value))

    if message.value[0]:
        text, level = message.value
        alert = solara.Error if level == "error" else solara.Success
        alert(text, classes=["app-message"], dense=True)

    with solara.Card("Timeline: warnings, storm, injects"):
        strip = solara.use_memo(lambda: timeline_html(ctrl.timeline()), [frame.value])
        solara.HTML(unsafe_innerHTML=strip)
    _MapCard(ctrl, frame.value, colour_by, layers)
    with solara.Card("Networks now"):
        solara.HTML(unsafe_innerHTML=network_table(ctrl.network_rows()))
    with solara.Card("Charts (hover for the values)"):
        options = solara.use_memo(lambda: chart_options(ctrl.history()), [frame.value])
        with solara.GridFixed(columns=3):
            for k, option in enumerate(options):
                solara.FigureEcharts(
                    option, responsive=True,
                    attributes={"style": "height: 340px; width: 100%", "class": f"chart-{k}"},
                )  # fmt: skip

    with solara.Columns([1, 1]):
        with solara.Card("Inject"):
            _InjectForm(ctrl, kind, form_values, raw_inject, trainer, act)
        with solara.Card("Journal"):
            _JournalCard(ctrl, frame.value, settings, journal_text, trainer, act)
    with solara.Card("After-action review"):
        solara.Button(
            "Compare with baseline", on_click=act(lambda: after_action.set(_after_action(ctrl)))
        )
        if after_action.value:
            solara.HTML(unsafe_innerHTML=after_action.value)
    with solara.Card("Log"):
        lines = "".join(f"<div>{html.escape(line)}</div>" for line in reversed(ctrl.notes[-12:]))
        solara.HTML(unsafe_innerHTML=f'<div id="log">{lines}</div>')


@solara.component
def _MapCard(ctrl, frame: int, colour_by, layers):
    """The district map (SVG scaled to the card's width), its colouring and network layers."""
    key = {label: k for k, label in COLOUR_LABELS.items()}[colour_by.value]
    with solara.Card("Map"):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Select(
                "colour districts by", values=list(COLOUR_LABELS.values()), value=colour_by,
                style={"min-width": "24em"},
            )  # fmt: skip
            solara.Text("networks shown:", style={"font-size": "16px"})
            solara.ToggleButtonsMultiple(layers, list(ctrl.layers()))
        svg = solara.use_memo(
            lambda: ctrl.map_svg(key, tuple(layers.value)), [frame, key, tuple(layers.value)]
        )
        solara.HTML(unsafe_innerHTML=svg, classes=["map-svg"])


@solara.component
def _ClockCard(ctrl, frame: int, playing, step_h, trainer: bool, act):
    values = ctrl.outcomes()
    with solara.Card("Clock"):
        profile = ctrl.model.city.profile
        local = _local_time(values["utc"], profile.utc_offset_h)
        solara.HTML(
            unsafe_innerHTML=(
                f'<div id="clock">t = <b id="clock-t">{values["t_h"]:g}</b> h of '
                f"{ctrl.duration_h:g} h<br>{profile.name} {local} "
                f"(UTC{profile.utc_offset_h:+g})<br>"
                f'alert level: <b id="clock-alert">{values["alert_level"]}</b></div>'
            )
        )
        solara.Select("step by (each click, each play frame)", values=STEP_CHOICES, value=step_h)
        with solara.Row():
            clock_ok = trainer or not ctrl.shared  # a shared exercise's clock is a change
            solara.Button(
                "Step",
                on_click=act(lambda: advance(ctrl, step_h.value)),
                disabled=playing.value or ctrl.done or not clock_ok,
            )
            solara.Button(
                "Pause" if playing.value else "Play",
                on_click=lambda: playing.set(not playing.value),
                disabled=(ctrl.done and not playing.value) or not clock_ok,
            )
            solara.Button(
                "Reset", on_click=act(ctrl.reset, ok="reset: fresh model"), disabled=not trainer
            )
        if ctrl.done:
            solara.Text("The exercise reached its horizon.")


def _local_time(utc: str, offset_h: float) -> str:
    """Local time of the city (UTC + its profile's offset), as text."""
    return (pd.Timestamp(utc) + pd.Timedelta(hours=offset_h)).strftime("%Y-%m-%d %H:%M")


@solara.component
def _InjectForm(ctrl, kind, form_values, raw_inject, trainer: bool, act):
    districts = list(ctrl.model.city.districts["name_en"])
    depots = [d.name for d in ctrl.model.service.depots]

    specs = field_specs(kind.value, districts, depots, list(RESOURCE_NAMES))
    values = {s.name: s.default for s in specs} | form_values.value.get(kind.value, {})

    def set_field(name):
        def setter(v):
            per_kind = dict(form_values.value.get(kind.value, {}))
            per_kind[name] = "" if v is None else (str(v).lower() if isinstance(v, bool) else v)
            form_values.set({**form_values.value, kind.value: per_kind})

        return setter

    solara.Select("inject", values=list(INJECT_TYPES), value=kind)
    for spec in specs:
        if spec.widget == "choice":
            solara.Select(
                spec.label, values=list(spec.choices), value=values[spec.name],
                on_value=set_field(spec.name),
            )  # fmt: skip
        elif spec.widget == "bool":
            solara.Checkbox(
                label=spec.label, value=values[spec.name] == "true", on_value=set_field(spec.name)
            )
        else:
            solara.InputText(
                spec.label, value=values[spec.name], on_value=set_field(spec.name),
                continuous_update=True, message=spec.help or None,
            )  # fmt: skip
    solara.Button(
        "Inject",
        on_click=act(lambda: ctrl.inject(build_event(kind.value, values))),
        disabled=not trainer,
        color="primary",
        classes=["inject-button"],
    )
    solara.InputTextArea(
        "or type an inject (YAML), e.g. {type: road_collapse, district: <name>, count: 2}",
        value=raw_inject,
        continuous_update=True,
        rows=2,
    )
    solara.Button(
        "Inject YAML",
        on_click=act(lambda: ctrl.inject_yaml(raw_inject.value)),
        disabled=not trainer,
    )


@solara.component
def _JournalCard(ctrl, frame: int, settings, journal_text, trainer: bool, act):
    """Download / save / load the journal (``frame`` re-renders it after each change)."""
    solara.Text(f"{len(ctrl.session.journal.entries)} inject(s) in the journal")
    with solara.Row():
        solara.FileDownload(
            ctrl.journal_yaml, filename=f"journal-{ctrl.scenario_name}.yaml",
            label="Download journal",
        )  # fmt: skip
        solara.Button(
            "Save on server",
            on_click=act(lambda: f"saved {ctrl.save_journal(settings.journal_dir)}"),
            disabled=not trainer,
        )
    solara.InputTextArea(
        "journal to load (paste YAML)", value=journal_text, continuous_update=True, rows=4
    )
    solara.Button(
        "Load journal",
        on_click=act(
            lambda: (
                f"loaded {ctrl.load_journal_text(journal_text.value, 'pasted journal')} "
                "inject(s): step or play to replay"
            )
        ),
        disabled=not trainer,
    )

    def on_file(info):
        data = info["file_obj"].read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise AppInputError(f"{info['name']}: not a UTF-8 text file") from None
        n = ctrl.load_journal_text(text, info["name"])
        return f"loaded {info['name']}: {n} inject(s); step or play to replay"

    if trainer:
        solara.FileDrop(label="…or drop a journal file here", on_file=act(on_file))


def _after_action(ctrl) -> str:
    """HTML tables of the after-action review (:meth:`SessionController.after_action`: the
    exercise's lock is held only for a snapshot, so a viewer asking does not stall it)."""
    result = ctrl.after_action()
    return "".join(
        f"<h4>{name}</h4>" + getattr(result, name).to_html(index=False, border=0)
        for name in ("outcomes", "timeline")
    )
