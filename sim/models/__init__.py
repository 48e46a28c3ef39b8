"""The Mesa models: the emergency window (hours) and the long run (years), and the event engine."""
