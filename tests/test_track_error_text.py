"""A best-track error about the whole file names the file, not a line 0."""

from __future__ import annotations

from sim.hazards.errors import TrackFormatError


def test_a_whole_file_track_error_names_no_line_zero():
    assert str(TrackFormatError("t.csv", 0, "no rows for agency 'XYZ'")) == (
        "t.csv: no rows for agency 'XYZ'"
    )
    assert str(TrackFormatError("t.csv", 7, "bad wind")) == "t.csv:7: bad wind"
