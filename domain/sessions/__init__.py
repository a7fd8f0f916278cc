"""Live conference sessions (guide §2.3, §3.5, §14.3): who joins, who waits, who
moderates and speaks, and how each participant leaves."""
