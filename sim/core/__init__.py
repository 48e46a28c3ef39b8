"""Core services every model shares: the event log, the clock and the random streams."""
