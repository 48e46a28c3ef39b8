"""Core services every model shares: the clock, the event log, the ledger of casualties and
losses, the run context that hands them to collaborators, and the random streams."""
