"""Parametric typhoon wind and rain fields from a best track, for any storm.

Wind (per point, one time):
    1. Symmetric gradient wind, Holland (1980, Mon. Wea. Rev. 108:1212-1218), eq. for V_g(r):
           V_g = sqrt((B/rho) (Rmax/r)^B dp e^{-(Rmax/r)^B} + (r f / 2)^2) - r f / 2
       dp = ambient - central pressure (Pa), f = 2 Omega sin(lat) at the storm centre.
    2. Size and shape (Rmax, B) at each track time, in this order:
       a. from the track's gale radii (JMA 30-kt / 50-kt radii, the R7 / R10 analogues:
          ``radii_file`` or ``r30kt_km``/``r50kt_km`` columns of the track CSV): the Holland
          profile is fitted so that its surface wind over sea, in the radii's averaging
          period, equals 30 kt at R30 and 50 kt at R50 (:func:`fit_holland_to_radii`; both
          Rmax and B when both radii exist, Rmax alone with the B relation below otherwise).
          The fitted values are interpolated in time; track times more than
          ``RADII_REACH_H`` from any radii time take b.;
       b. Rmax from Vickery & Wadhera (2008, J. Appl. Meteor. Climatol. 47, 2497), eq. 11,
              ln Rmax[km] = 3.015 - 6.291e-5 dp[hPa]^2 + 0.0337 lat
          (checked against three independent public implementations), and
          B = 1.881 - 0.00557 Rmax[km] - 0.01295 lat, the Vickery et al. (2000) relation as
          transcribed in public code (not checked against the paper text), clipped to
          [0.8, 2.5] (numerical limits, assumption).
       ``rmax_scale`` (default 1) multiplies either; a storm's calibration lives in its file.
    3. Forward-motion asymmetry: the symmetric wind vector (counter-clockwise, tangential,
       no inflow angle) plus ``translation_fraction`` x the storm translation vector, default
       0.5 (:meth:`TyphoonHazard.gradient_wind_ms`; the 0.5 Vt convention of parametric wind
       models, e.g. Phadke et al. 2003, J. Waterway Port Coastal Ocean Eng. 129:167, as
       quoted by the R package stormwindmodel; assumption).
    4. Gradient -> 10 m, 1-min mean over the sea: 0.8 (US Army Corps of Engineers Shore
       Protection Manual tradition, the ScientiMate default; Franklin, Black & Valde 2003 use
       0.9 for flight level -> surface). Over land the sea value is reduced by the exposure
       (roughness) correction of the WMO CIMO guide (WMO-No. 8, Part I ch. 5, blending height
       60 m; Wieringa's method):
           U(z0) / U(z0_sea) = [ln(10/z0) / ln(60/z0)] / [ln(10/z0_sea) / ln(60/z0_sea)]
       with Davenport et al. (2000) roughness classes (WMO-No. 8 table 5.2): sea 0.0002 m,
       land outside the urban core ("rough", class 5) 0.25 m, urban core ("skimming",
       class 7) 1.0 m: 0.784 on land (near the 0.8 over-land reduction of stormwindmodel),
       0.656 in the urban core. Which class a point is in comes from the city's district
       polygons (outside every polygon: sea) and the zones' ``urban_core`` flag (city.yaml).
    5. 1-min mean -> 3-s gust: Harper, Kepert & Ginger (2010), WMO/TD-No. 1555, gust factor
       G_{3,60} by exposure: at-sea 1.11, off-sea 1.23, off-land 1.36, in-land 1.49 (table as
       quoted in stormwindmodel's documentation). At-sea for sea points, in-land for land and
       for the urban core (WMO/TD-1555 gives no urban value; assumption). The same
       guideline gives 0.93 for 1-min -> 10-min at sea (used to read 10-min JMA winds).
    Over land the defaults give gust = 0.8 x 0.784 x 1.49 = 0.93 V_g; over the sea
    0.8 x 1.11 = 0.89 V_g; in the urban core 0.78 V_g.
    6. Bounded by the track's intensity (``cap_at_track_vmax``, default on): a best track's
       maximum wind is the highest sustained surface wind anywhere in the storm, its
       asymmetry included, so no point's 1-min wind exceeds it (read as a 1-min wind: 10-min
       winds / 0.93), times ``wind_scale``; gusts are the capped wind times the gust factor.
       The profile from dp and the radii, plus half the translation speed, can exceed it
       (Rumbia 2018, CMA 23 m/s at landfall, reached 25.5 m/s over the sea); the cap takes
       the excess off where it occurs and changes nothing where the field stays below, e.g.
       over land, where roughness keeps the winds under a land-observed maximum wind.
       Where the track gives no wind, no cap.

Decay over land (:func:`kaplan_demaria_vmax_ms`, :func:`decay_after_landfall`): Kaplan &
DeMaria (1995, J. Appl. Meteor. 34:2499-2512), V(t) = Vb + (R V0 - Vb) e^{-alpha t}, alpha =
0.095 /h, R = 0.9, Vb = 26.7 kt, t hours since landfall; central pressure follows
dp ~ V^2 (Holland 1980: Vmax^2 = B dp / (rho e) at fixed B). For forecast tracks and for best
tracks whose intensities stop at landfall.

Rain: R-CLIPER symmetric rain-rate profile (Lonfat et al. 2004, Mon. Wea. Rev. 132:1645) with
the NHC bias-adjusted coefficients of Tuleya et al. (2007, Wea. Forecasting 22:56), as
implemented in CLIMADA (``climada_RCLIPER.m``; the coefficients were read there):
    U = 1 + (Vmax[kt] - 35) / 33          (Vmax: 1-min wind; 10-min winds / 0.93)
    T0 = -1.10 + 3.96 U, Tm = -1.60 + 4.80 U   [inch/day]
    rm = 64 - 13 U, re = 150 - 16 U            [km]
    R(r) = T0 + (Tm - T0) r / rm for r <= rm; Tm exp(-(r - rm)/re) for r > rm
PHRaM (Lonfat et al. 2007, Wea. Forecasting 22:1094) adds shear and topography terms to
R-CLIPER; best tracks carry no environmental shear and the cities modelled are flat deltas,
so R-CLIPER is used as published. ``rain_radius_scale``, ``rain_scale`` (default 1) and an
optional spatial multiplier remain for a storm's calibration in its scenario file. The
deterministic field is the expected rain rate; convective cells
(:mod:`sim.hazards.rain_cells`) redistribute it in space and time at the sample points.

Geometry: internal coordinates are metres in the city's projected CRS (``crs``, from the city
profile, e.g. a UTM zone); the storm centre is projected with pyproj and distances are planar
(< 0.1% error within ~300 km of the centre of a UTM zone).
Outside the track's time span the storm is absent: wind and rain are zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, least_squares

from sim.city.geo import lonlat_to_xy
from sim.hazards.track import (
    KT_TO_MS,
    R30_MS,
    R50_MS,
    Track,
    WindRadii,
    read_wind_radii_csv,
    to_datetime64,
)

OMEGA_EARTH = 7.2921e-5  # rad/s
RHO_AIR = 1.15  # kg/m3, Holland (1980) typical near-surface TC air density
SURFACE_FACTOR_SEA = 0.8  # gradient -> 10 m 1-min mean over sea (see module docstring)
GUST_FACTOR_LAND = 1.49  # G_{3,60} in-land, Harper et al. (2010)
GUST_FACTOR_SEA = 1.11  # G_{3,60} at sea, Harper et al. (2010)
TEN_MIN_PER_ONE_MIN_SEA = 0.93  # 10-min / 1-min mean at sea, Harper et al. (2010)
INCH_PER_DAY_TO_MM_PER_H = 25.4 / 24.0

SEA, OPEN_LAND, URBAN = 0, 1, 2  # OPEN_LAND: any land outside the urban core
"""Terrain classes of a point (codes of the ``terrain`` arrays)."""
Z0_M = (0.0002, 0.25, 1.0)
"""Roughness length by terrain class, m: Davenport et al. (2000) classes as tabulated in
WMO-No. 8 (CIMO guide) Part I table 5.2: 1 "sea" (0.0002 m); 5 "rough" (0.25 m: farmland with
scattered buildings and small towns, the mix of a city's non-core districts; assumption of
class) and 7 "skimming" (1.0 m: closely spaced buildings of a city core; assumption of
class)."""
BLENDING_HEIGHT_M = 60.0  # WMO-No. 8 exposure correction
GUST_FACTORS = (GUST_FACTOR_SEA, GUST_FACTOR_LAND, GUST_FACTOR_LAND)

KD_DECAY_PER_H = 0.095  # Kaplan & DeMaria (1995) alpha, 1/h
KD_REDUCTION = 0.9  # Kaplan & DeMaria (1995) R
KD_BACKGROUND_MS = 26.7 * KT_TO_MS  # Kaplan & DeMaria (1995) Vb = 26.7 kt

RADII_REACH_H = 6.0
"""Track times farther than this from every radii time use the Vickery & Wadhera Rmax
(assumption: the 6-h best-track interval)."""
RADII_FIT_TOL_MS = 0.5
"""A two-radii fit is kept when both radii are reproduced within this (m/s, assumption)."""
B_FIT_BOUNDS = (0.5, 2.5)
"""Range of B in the two-radii fit: Holland (1980) gives 1-2.5 for the core; B < 1 is the
flat outer profile that large storms' gale radii call for (0.5 = the scenario schema's lower
limit; assumption)."""


def coriolis_parameter(lat_deg) -> np.ndarray:
    """f = 2 Omega sin(lat), 1/s."""
    return 2.0 * OMEGA_EARTH * np.sin(np.radians(lat_deg))


def holland_gradient_wind_ms(r_km, dp_hpa, rmax_km, b, lat_deg, rho_kg_m3=RHO_AIR) -> np.ndarray:
    """Holland (1980) symmetric gradient wind speed.

    Args:
        r_km: distance(s) from the storm centre, km (any shape).
        dp_hpa: central pressure deficit (ambient - central), hPa (> 0).
        rmax_km: radius of maximum winds, km.
        b: Holland B shape parameter.
        lat_deg: latitude for the Coriolis parameter (absolute value used), degrees.
        rho_kg_m3: air density.

    Returns:
        Gradient wind speed, m/s, shape of ``r_km``; 0 at r = 0.
    """
    r = np.asarray(r_km, dtype=float) * 1e3
    rmax = float(rmax_km) * 1e3
    f = abs(float(coriolis_parameter(lat_deg)))
    safe_r = np.where(r > 0, r, 1.0)
    x = np.exp(b * np.log(rmax / safe_r))  # (Rmax/r)^B
    rf2 = 0.5 * safe_r * f
    v = np.sqrt(b / rho_kg_m3 * x * (dp_hpa * 100.0) * np.exp(-x) + rf2 * rf2) - rf2
    return np.where(r > 0, v, 0.0)


def rmax_vickery_wadhera_2008_km(dp_hpa, lat_deg) -> np.ndarray:
    """Radius of maximum winds, km (Vickery & Wadhera 2008, eq. 11).

    ln Rmax = 3.015 - 6.291e-5 dp^2 + 0.0337 lat, dp in hPa, lat in degrees.
    """
    dp = np.asarray(dp_hpa, dtype=float)
    return np.exp(3.015 - 6.291e-5 * dp * dp + 0.0337 * np.abs(np.asarray(lat_deg, float)))


def holland_b_vickery_2000(rmax_km, lat_deg) -> np.ndarray:
    """Holland B = 1.881 - 0.00557 Rmax - 0.01295 lat, clipped to [0.8, 2.5].

    Vickery et al. (2000) relation as transcribed in public code (not checked in the paper).
    """
    b = 1.881 - 0.00557 * np.asarray(rmax_km, float) - 0.01295 * np.abs(np.asarray(lat_deg, float))
    return np.clip(b, 0.8, 2.5)


def one_min_ratio_at_sea(averaging_min: float) -> float:
    """V(averaging period) / V(1 min) over the sea: 1 for 1 min, 0.93 for 10 min (Harper et
    al. 2010, WMO/TD-1555); 1 for CMA's 2-min wind (assumption: a few percent)."""
    return {1.0: 1.0, 2.0: 1.0, 10.0: TEN_MIN_PER_ONE_MIN_SEA}[float(averaging_min)]


def exposure_correction(z0_m: float, z0_ref_m: float = Z0_M[SEA]) -> float:
    """10-m mean wind over roughness ``z0_m`` relative to ``z0_ref_m`` under the same wind at
    the blending height (WMO-No. 8, Part I ch. 5: 60 m), logarithmic profiles."""

    def ratio(z0: float) -> float:
        return np.log(10.0 / z0) / np.log(BLENDING_HEIGHT_M / z0)

    return float(ratio(z0_m) / ratio(z0_ref_m))


def rmax_from_wind_radius_km(
    radius_km: float,
    wind_ms: float,
    dp_hpa: float,
    lat_deg: float,
    b: float | None = None,
    gradient_to_observed: float = SURFACE_FACTOR_SEA * TEN_MIN_PER_ONE_MIN_SEA,
) -> float:
    """Rmax such that the Holland profile gives ``wind_ms`` at ``radius_km`` (e.g. JMA R30).

    The observed wind (e.g. JMA 30 kt = 15.4 m/s, 10-min mean, over sea) is converted to the
    gradient level by dividing by ``gradient_to_observed`` (default 0.8 x 0.93). The outer
    root (Rmax < radius) is returned; B follows :func:`holland_b_vickery_2000` unless given.

    Returns:
        Rmax in km, or NaN if no Rmax in [5 km, radius] reaches the wind.
    """
    target = wind_ms / gradient_to_observed

    def excess(rmax: float) -> float:
        bb = holland_b_vickery_2000(rmax, lat_deg) if b is None else b
        return float(holland_gradient_wind_ms(radius_km, dp_hpa, rmax, bb, lat_deg)) - target

    grid = np.geomspace(5.0, radius_km * 0.999, 60)
    vals = np.array([excess(g) for g in grid])
    sign_change = np.nonzero(np.diff(np.sign(vals)) > 0)[0]
    if sign_change.size == 0:
        return float("nan")
    k = sign_change[0]
    return float(brentq(excess, grid[k], grid[k + 1]))


def fit_holland_to_radii(
    r30_km: float,
    r50_km: float,
    dp_hpa: float,
    lat_deg: float,
    gradient_to_observed: float = SURFACE_FACTOR_SEA * TEN_MIN_PER_ONE_MIN_SEA,
) -> tuple[float, float]:
    """Holland Rmax (km) and B whose profile reproduces the 30-kt and 50-kt radii.

    With both radii (R50 < R30), Rmax and B are fitted together (least squares on the two
    wind residuals, B in :data:`B_FIT_BOUNDS`); the fit is kept if both winds are met within
    :data:`RADII_FIT_TOL_MS`. Otherwise (one radius, or no two-parameter profile through
    both) Rmax is fitted at R50 (closer to the core) or else R30, with B from
    :func:`holland_b_vickery_2000`.

    Args:
        r30_km, r50_km: mean radii of 30-kt / 50-kt winds, km (NaN: not available).
        dp_hpa: central pressure deficit, hPa.
        lat_deg: latitude, degrees.
        gradient_to_observed: the radii's wind (10 m, over sea, its averaging period) over
            the gradient wind (default 0.8 x 0.93: a 10-min JMA wind).

    Returns:
        (rmax_km, b); (NaN, NaN) when no radius can be met (e.g. 50 kt with too small dp).
    """
    v30, v50 = R30_MS / gradient_to_observed, R50_MS / gradient_to_observed
    single = float("nan")
    if np.isfinite(r50_km):
        single = rmax_from_wind_radius_km(
            r50_km, R50_MS, dp_hpa, lat_deg, None, gradient_to_observed
        )
    if not np.isfinite(single) and np.isfinite(r30_km):
        single = rmax_from_wind_radius_km(
            r30_km, R30_MS, dp_hpa, lat_deg, None, gradient_to_observed
        )
    if np.isfinite(r30_km) and np.isfinite(r50_km) and r50_km < r30_km:

        def residual(p: np.ndarray) -> np.ndarray:
            rmax, b = np.exp(p[0]), p[1]
            v = holland_gradient_wind_ms(np.array([r30_km, r50_km]), dp_hpa, rmax, b, lat_deg)
            return v - np.array([v30, v50])

        r0 = single if np.isfinite(single) else 0.5 * r50_km
        lo_b, hi_b = B_FIT_BOUNDS
        b0 = float(np.clip(holland_b_vickery_2000(r0, lat_deg), lo_b + 0.01, hi_b - 0.01))
        hi = np.log(0.999 * r50_km)
        x0 = [min(np.log(r0), hi - 1e-3), b0]
        fit = least_squares(residual, x0, bounds=([np.log(5.0), lo_b], [hi, hi_b]))
        if np.max(np.abs(fit.fun)) <= RADII_FIT_TOL_MS:
            return float(np.exp(fit.x[0])), float(fit.x[1])
    if not np.isfinite(single):
        return float("nan"), float("nan")
    return single, float(holland_b_vickery_2000(single, lat_deg))


def kaplan_demaria_vmax_ms(v_landfall_ms, hours_over_land) -> np.ndarray:
    """Maximum wind ``hours_over_land`` after landfall, Kaplan & DeMaria (1995):

        V(t) = Vb + (R V0 - Vb) exp(-alpha t),  alpha = 0.095 /h, R = 0.9, Vb = 26.7 kt,

    with Vb capped at V0 (a storm weaker than the background does not grow) and V(t) <= V0.

    Args:
        v_landfall_ms: V0, maximum sustained wind at landfall, m/s (1-min in the paper).
        hours_over_land: t >= 0, hours (any shape; t = 0 gives V0).

    Returns:
        m/s, broadcast shape of the inputs.
    """
    v0 = np.asarray(v_landfall_ms, dtype=float)
    t = np.asarray(hours_over_land, dtype=float)
    vb = np.minimum(KD_BACKGROUND_MS, v0)
    v = vb + (KD_REDUCTION * v0 - vb) * np.exp(-KD_DECAY_PER_H * t)
    return np.where(t > 0, np.minimum(v, v0), v0)


def decay_after_landfall(
    track: Track, landfall_utc, ambient_pressure_hpa: float = 1010.0, only_missing: bool = True
) -> Track:
    """The track with Kaplan & DeMaria (1995) intensities after ``landfall_utc``.

    Records after landfall get V = :func:`kaplan_demaria_vmax_ms` (V0 = the track's wind at
    landfall, interpolated) and p = ambient - dp0 (V / V0)^2 (dp ~ V^2 at fixed Holland B).
    ``only_missing`` (best tracks): only records whose wind or pressure is NaN are filled;
    otherwise (forecast tracks) every record after landfall is replaced.

    Raises:
        TrackTimeError: landfall outside the track span.
        ValueError: no finite wind or pressure at landfall.
    """
    at = track.interpolate(landfall_utc)
    v0, p0 = float(at.vmax_ms[0]), float(at.pressure_hpa[0])
    if not (np.isfinite(v0) and np.isfinite(p0)):
        raise ValueError(f"track {track.name!r}: no wind/pressure at landfall {landfall_utc}")
    hours = (track.time_utc - to_datetime64(landfall_utc)).astype("timedelta64[s]").astype(float)
    hours /= 3600.0
    after = hours > 0
    todo = (
        after
        if not only_missing
        else after & ~(np.isfinite(track.vmax_ms) & np.isfinite(track.pressure_hpa))
    )
    v = kaplan_demaria_vmax_ms(v0, np.clip(hours, 0.0, None))
    dp0 = max(ambient_pressure_hpa - p0, 0.0)
    p = ambient_pressure_hpa - dp0 * (v / v0) ** 2 if v0 > 0 else np.full_like(v, p0)
    return Track(
        track.time_utc,
        track.lat_deg,
        track.lon_deg,
        np.where(todo, p, track.pressure_hpa),
        np.where(todo, v, track.vmax_ms),
        name=track.name,
        wind_averaging_min=track.wind_averaging_min,
        r30_km=track.r30_km,
        r50_km=track.r50_km,
    )


def rcliper_rain_mm_per_h(r_km, vmax_ms, radius_scale: float = 1.0) -> np.ndarray:
    """R-CLIPER symmetric rain rate (Tuleya et al. 2007 coefficients), mm/h.

    Args:
        r_km: distance(s) from the centre, km.
        vmax_ms: maximum sustained 1-min wind, m/s.
        radius_scale: multiplier of rm and re (1 = published; a storm's calibration).

    Returns:
        Rain rate, mm/h, shape of ``r_km``; never negative.
    """
    r = np.asarray(r_km, dtype=float)
    u = 1.0 + (float(vmax_ms) / KT_TO_MS - 35.0) / 33.0
    t0, tm = -1.10 + 3.96 * u, -1.60 + 4.80 * u
    rm, re = (64.0 - 13.0 * u) * radius_scale, (150.0 - 16.0 * u) * radius_scale
    inner = t0 + (tm - t0) * r / rm
    outer = tm * np.exp(-(r - rm) / re)
    rate = np.where(r <= rm, inner, outer) * INCH_PER_DAY_TO_MM_PER_H
    return np.maximum(rate, 0.0)


def radii_profile(
    track: Track, radii: WindRadii, ambient_pressure_hpa: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rmax and B over time: fitted at the radii times, Vickery & Wadhera elsewhere.

    Args:
        track: the track (its pressure and latitude at the radii times set the fit).
        radii: 30/50-kt radii (their averaging period sets the wind level).
        ambient_pressure_hpa: environmental pressure.

    Returns:
        (seconds since the track start, rmax_km, b), increasing in time; the fitted radii
        times within the track span, plus the track records farther than
        :data:`RADII_REACH_H` from every fitted time (Rmax from Vickery & Wadhera, B from
        Vickery et al. 2000).
    """
    level = SURFACE_FACTOR_SEA * one_min_ratio_at_sea(radii.wind_averaging_min)
    t0 = track.time_utc[0]
    fit_t, fit_r, fit_b = [], [], []
    inside = np.flatnonzero(track.covers(radii.time_utc))
    if inside.size:
        at = track.interpolate(radii.time_utc[inside])
        for k, i in enumerate(inside):
            dp = ambient_pressure_hpa - float(at.pressure_hpa[k])
            if not dp > 0:
                continue
            rmax, b = fit_holland_to_radii(
                radii.r30_km[i], radii.r50_km[i], dp, float(at.lat_deg[k]), level
            )
            if np.isfinite(rmax):
                fit_t.append(radii.time_utc[i])
                fit_r.append(rmax)
                fit_b.append(b)
    s_fit = (np.array(fit_t, dtype="datetime64[s]") - t0).astype(float)
    s_trk = (track.time_utc - t0).astype("timedelta64[s]").astype(float)
    far = np.ones(s_trk.size, bool)
    if s_fit.size:
        far = np.min(np.abs(s_trk[:, None] - s_fit[None, :]), axis=1) > RADII_REACH_H * 3600
    dp_trk = np.maximum(ambient_pressure_hpa - track.pressure_hpa[far], 0.0)
    r_vw = rmax_vickery_wadhera_2008_km(dp_trk, track.lat_deg[far])
    s = np.concatenate([s_fit, s_trk[far]])
    order = np.argsort(s, kind="stable")
    rmax = np.concatenate([fit_r, r_vw])[order]
    b = np.concatenate([fit_b, holland_b_vickery_2000(r_vw, track.lat_deg[far])])[order]
    return s[order], rmax, b


@dataclass(frozen=True)
class StormState:
    """Interpolated storm parameters at one time."""

    time_utc: np.datetime64
    lat_deg: float
    lon_deg: float
    x_m: float
    y_m: float
    dp_hpa: float
    vmax_ms: float
    rmax_km: float
    holland_b: float
    u_trans_ms: float
    v_trans_ms: float


class TyphoonHazard:
    """Wind (sustained, 3-s gust) and rain fields of a tropical cyclone along a track.

    Args:
        track: the best track (or a forecast or synthetic one).
        crs: projected CRS of the points the fields are asked at (the city's ``crs``).
        rmax_km: None (from ``radii``, else Vickery & Wadhera 2008 at each time), a constant,
            or an (n,) array per track record (interpolated in time).
        rmax_scale: multiplier of Rmax (a storm's calibration; 1 = as fitted / published).
        holland_b: None (fitted with Rmax, else Vickery et al. 2000) or a constant.
        radii: 30/50-kt wind radii (:class:`~sim.hazards.track.WindRadii`) that set Rmax and
            B (:func:`radii_profile`); None: the track's own radii columns, if any.
        ambient_pressure_hpa: environmental pressure for dp, hPa.
        surface_factor_sea: gradient -> 10 m 1-min mean over sea (0.8).
        z0_m: roughness length by terrain class (sea, open land, urban core), m.
        gust_factors: 1-min -> 3-s gust factor by terrain class (WMO/TD-1555).
        translation_fraction: fraction of the translation vector added to the wind (0.5).
        rho_kg_m3: air density.
        rain_scale: multiplier of the R-CLIPER rain rate (calibration; 1 = published).
        rain_radius_scale: multiplier of the R-CLIPER radii rm, re (calibration; 1 = published).
        rain_multiplier: optional callable (x_m, y_m) -> (n,) spatial multiplier of rain.
        cap_at_track_vmax: cap every point's sustained wind at the track's maximum wind
            (module docstring, step 6); False: no cap.

    Raises:
        ValueError: if ``rmax_km`` as an array does not match the track length.
    """

    def __init__(
        self,
        track: Track,
        *,
        crs: str,
        rmax_km: float | np.ndarray | None = None,
        rmax_scale: float = 1.0,
        holland_b: float | None = None,
        radii: WindRadii | None = None,
        ambient_pressure_hpa: float = 1010.0,
        surface_factor_sea: float = SURFACE_FACTOR_SEA,
        z0_m: tuple[float, float, float] = Z0_M,
        gust_factors: tuple[float, float, float] = GUST_FACTORS,
        translation_fraction: float = 0.5,
        rho_kg_m3: float = RHO_AIR,
        rain_scale: float = 1.0,
        rain_radius_scale: float = 1.0,
        rain_multiplier: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
        cap_at_track_vmax: bool = True,
    ) -> None:
        self.cap_at_track_vmax = bool(cap_at_track_vmax)
        self.track = track
        self.crs = crs
        if rmax_km is not None and np.ndim(rmax_km) == 1 and len(rmax_km) != len(track):
            raise ValueError(f"rmax_km has {len(rmax_km)} values, track has {len(track)} records")
        self.rmax_km = rmax_km
        self.rmax_scale = float(rmax_scale)
        self.holland_b = holland_b
        self.ambient_pressure_hpa = float(ambient_pressure_hpa)
        self.radii = radii if radii is not None else track.radii()
        self._profile = None
        if rmax_km is None and self.radii is not None:
            self._profile = radii_profile(track, self.radii, self.ambient_pressure_hpa)
        sustained = [surface_factor_sea * exposure_correction(z0) for z0 in z0_m]
        self._wind_scale = surface_factor_sea / SURFACE_FACTOR_SEA  # the cap scales with it
        self.surface_factors = np.array(sustained)  # 10 m 1-min / gradient, by terrain class
        self.gust_factors = np.array(gust_factors, dtype=float)
        self.translation_fraction = float(translation_fraction)
        self.rho_kg_m3 = float(rho_kg_m3)
        self.rain_scale = float(rain_scale)
        self.rain_radius_scale = float(rain_radius_scale)
        self.rain_multiplier = rain_multiplier
        self._to_one_min = 1.0 / one_min_ratio_at_sea(track.wind_averaging_min)
        self._u_t, self._v_t = track.translation_velocity_ms()
        self._t0 = track.time_utc[0]
        self._s = (track.time_utc - self._t0).astype("timedelta64[s]").astype(float)
        self._cache: tuple[np.datetime64, StormState | None] | None = None

    # ------------------------------------------------------------------ storm state
    def _size(self, s: float, dp: float, lat: float) -> tuple[float, float]:
        """(Rmax km, B) at ``s`` seconds since the track start."""
        if self._profile is not None:
            ps, pr, pb = self._profile
            rmax = float(np.interp(s, ps, pr)) * self.rmax_scale
            b = float(np.interp(s, ps, pb))
        else:
            if self.rmax_km is None:
                rmax = float(rmax_vickery_wadhera_2008_km(max(dp, 0.0), lat))
            elif np.ndim(self.rmax_km) == 0:
                rmax = float(self.rmax_km)
            else:
                rmax = float(np.interp(s, self._s, np.asarray(self.rmax_km, float)))
            rmax *= self.rmax_scale
            b = float(holland_b_vickery_2000(rmax, lat))
        return rmax, (b if self.holland_b is None else float(self.holland_b))

    def storm_state(self, time_utc) -> StormState | None:
        """Storm parameters at one time ``time_utc``, or None outside the track span.

        Raises:
            ValueError: if more than one time is given.
        """
        t = to_datetime64(time_utc)
        if np.ndim(t) != 0:
            raise ValueError("the wind and rain fields take one time per call")
        t = t[()]
        if self._cache is not None and self._cache[0] == t:
            return self._cache[1]
        state = None
        if bool(self.track.covers(t)):
            s = float((t - self._t0).astype("timedelta64[s]").astype(float))
            tr = self.track.interpolate(t)
            lat, lon = float(tr.lat_deg[0]), float(tr.lon_deg[0])
            dp = self.ambient_pressure_hpa - float(tr.pressure_hpa[0])
            rmax, b = self._size(s, dp, lat)
            x, y = lonlat_to_xy(lon, lat, self.crs)
            state = StormState(
                time_utc=t,
                lat_deg=lat,
                lon_deg=lon,
                x_m=float(x),
                y_m=float(y),
                dp_hpa=dp,
                vmax_ms=float(tr.vmax_ms[0]),
                rmax_km=rmax,
                holland_b=b,
                u_trans_ms=float(np.interp(s, self._s, self._u_t)),
                v_trans_ms=float(np.interp(s, self._s, self._v_t)),
            )
        self._cache = (t, state)
        return state

    # ------------------------------------------------------------------ wind
    def gradient_wind_ms(self, time_utc, x_m, y_m, translation: bool = True) -> np.ndarray:
        """Gradient-level wind speed, m/s, per point; with the forward-motion asymmetry
        (``translation_fraction`` x the translation vector) unless ``translation`` is False."""
        x = np.asarray(x_m, dtype=float)
        y = np.asarray(y_m, dtype=float)
        st = self.storm_state(time_utc)
        if st is None or st.dp_hpa <= 0:
            return np.zeros(np.broadcast(x, y).shape)
        dx, dy = x - st.x_m, y - st.y_m
        r = np.hypot(dx, dy)
        v = holland_gradient_wind_ms(
            r * 1e-3, st.dp_hpa, st.rmax_km, st.holland_b, st.lat_deg, self.rho_kg_m3
        )
        if not translation:
            return v
        inv_r = np.divide(1.0, r, out=np.zeros_like(r), where=r > 0)
        # counter-clockwise (northern hemisphere) tangential unit vector: (-dy, dx)/r
        u = -dy * inv_r * v + self.translation_fraction * st.u_trans_ms
        w = dx * inv_r * v + self.translation_fraction * st.v_trans_ms
        return np.hypot(u, w)

    @staticmethod
    def _classes(shape, over_water=None, terrain=None) -> np.ndarray | int:
        """Terrain class per point: ``terrain`` codes, else sea where ``over_water``, else
        open land (the default)."""
        if terrain is not None:
            return np.asarray(terrain, dtype=np.intp)
        if over_water is not None:
            return np.where(np.asarray(over_water, bool), SEA, OPEN_LAND)
        return OPEN_LAND

    def sustained_ms(self, time_utc, x_m, y_m, over_water=None, terrain=None) -> np.ndarray:
        """10 m, 1-min mean wind speed, m/s, per point.

        Args:
            time_utc: one time.
            x_m, y_m: (n,) coordinates, metres in ``crs``.
            over_water: optional (n,) bool, True where the sea applies (else open land).
            terrain: optional (n,) terrain classes (:data:`SEA`, :data:`OPEN_LAND`,
                :data:`URBAN`); wins over ``over_water``. Default: open land everywhere.
        """
        vg = self.gradient_wind_ms(time_utc, x_m, y_m)
        v = vg * self.surface_factors[self._classes(vg.shape, over_water, terrain)]
        return np.minimum(v, self.vmax_cap_ms(time_utc))

    def gust_ms(self, time_utc, x_m, y_m, over_water=None, terrain=None) -> np.ndarray:
        """Peak 3-s gust at 10 m, m/s, per point (arguments as :meth:`sustained_ms`): the
        sustained wind, capped (step 6), times the gust factor of the point's exposure."""
        vg = self.gradient_wind_ms(time_utc, x_m, y_m)
        c = self._classes(vg.shape, over_water, terrain)
        v = np.minimum(vg * self.surface_factors[c], self.vmax_cap_ms(time_utc))
        return v * self.gust_factors[c]

    def vmax_cap_ms(self, time_utc) -> float:
        """The cap on any point's 1-min sustained wind at ``time_utc``, m/s (module
        docstring, step 6): the track's maximum wind as a 1-min wind, times ``wind_scale``;
        +inf where the track gives no wind, outside the track, or with the cap off."""
        st = self.storm_state(time_utc)
        if not self.cap_at_track_vmax or st is None or not np.isfinite(st.vmax_ms):
            return float("inf")
        return st.vmax_ms * self._to_one_min * self._wind_scale

    # ------------------------------------------------------------------ rain
    def rain_mm_per_h(self, time_utc, x_m, y_m) -> np.ndarray:
        """Expected rain rate, mm/h, per point (R-CLIPER on the 1-min Vmax, x rain_scale x
        rain_multiplier)."""
        x = np.asarray(x_m, dtype=float)
        y = np.asarray(y_m, dtype=float)
        st = self.storm_state(time_utc)
        if st is None or not np.isfinite(st.vmax_ms):
            return np.zeros(np.broadcast(x, y).shape)
        r_km = np.hypot(x - st.x_m, y - st.y_m) * 1e-3
        v1 = st.vmax_ms * self._to_one_min
        rate = rcliper_rain_mm_per_h(r_km, v1, self.rain_radius_scale) * self.rain_scale
        if self.rain_multiplier is not None:
            rate = rate * np.asarray(self.rain_multiplier(x, y), dtype=float)
        return rate

    # ------------------------------------------------------------------ event summaries
    def sample_times(self, start_utc, end_utc, dt_h: float) -> np.ndarray:
        """Times start, start + dt_h, ... <= end (datetime64[s])."""
        t0, t1 = to_datetime64(start_utc), to_datetime64(end_utc)
        n = int(np.floor((t1 - t0).astype(float) / (dt_h * 3600.0) + 1e-9)) + 1
        return t0 + (np.arange(n) * dt_h * 3600.0).astype("timedelta64[s]")

    def peak_gust_ms(
        self, start_utc, end_utc, x_m, y_m, dt_h: float = 0.5, over_water=None, terrain=None
    ):
        """Maximum 3-s gust over [start, end] sampled every ``dt_h`` hours, per point."""
        peak = np.zeros(np.broadcast(np.asarray(x_m), np.asarray(y_m)).shape)
        for t in self.sample_times(start_utc, end_utc, dt_h):
            peak = np.maximum(peak, self.gust_ms(t, x_m, y_m, over_water, terrain))
        return peak

    def rain_total_mm(self, start_utc, end_utc, x_m, y_m, dt_h: float = 0.25) -> np.ndarray:
        """Expected rain over [start, end] (trapezoidal rule, step ``dt_h`` hours), mm."""
        times = self.sample_times(start_utc, end_utc, dt_h)
        rates = np.array([self.rain_mm_per_h(t, x_m, y_m) for t in times])
        return np.trapezoid(rates, dx=dt_h, axis=0)


def radii_for(cfg, track: Track) -> WindRadii | None:
    """The wind radii of a ``hazard.typhoon`` block: its ``radii_file`` (read with
    :func:`~sim.hazards.track.read_wind_radii_csv`), else the track's own radii columns."""
    path = getattr(cfg, "radii_file", None)
    return read_wind_radii_csv(path) if path is not None else track.radii()


def typhoon_from_config(
    track: Track, cfg, crs: str, rain_multiplier=None, radii: WindRadii | None = None
) -> TyphoonHazard:
    """The typhoon hazard of a scenario's ``hazard.typhoon`` block on any ``track``.

    The one builder for best, forecast (perturbed) and synthetic tracks: the same wind and
    rain physics, the same radii (refitted on the given track's pressures).

    Args:
        track: the track.
        cfg: an object with the fields of :class:`sim.scenario.schema.TyphoonConfig`.
        crs: the city's projected CRS (``city.crs``).
        rain_multiplier: optional spatial rain multiplier (see :func:`linear_rain_gradient`).
        radii: wind radii; None: :func:`radii_for` (the block's ``radii_file`` or the
            track's columns).

    Returns:
        The :class:`TyphoonHazard`; surface factors times ``cfg.wind_scale``.

    Raises:
        TrackFormatError: an unreadable radii file.
    """
    return TyphoonHazard(
        track,
        crs=crs,
        rmax_km=cfg.rmax_km,
        rmax_scale=cfg.rmax_scale,
        holland_b=cfg.holland_b,
        radii=radii if radii is not None else radii_for(cfg, track),
        ambient_pressure_hpa=cfg.ambient_pressure_hpa,
        surface_factor_sea=SURFACE_FACTOR_SEA * cfg.wind_scale,
        translation_fraction=cfg.translation_fraction,
        rain_scale=cfg.rain_scale,
        rain_radius_scale=cfg.rain_radius_scale,
        rain_multiplier=rain_multiplier,
        cap_at_track_vmax=getattr(cfg, "cap_at_track_vmax", True),
    )


def linear_rain_gradient(
    y0_m: float, increase_per_100km_south: float, lo: float = 0.5, hi: float = 1.5
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Spatial rain multiplier 1 + k (y0 - y)/100 km, clipped to [lo, hi] (k > 0: wetter south).

    A calibration device for observed north-south rain contrasts, not a physical model.
    """

    def multiplier(x_m: np.ndarray, y_m: np.ndarray) -> np.ndarray:
        m = 1.0 + increase_per_100km_south * (y0_m - np.asarray(y_m, float)) / 1e5
        return np.clip(m, lo, hi) * np.ones_like(np.asarray(x_m, float))

    return multiplier
