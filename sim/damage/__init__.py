"""Damage: fragility curves by intensity measure, counted exposure, losses."""
