"""`gates review`: a stored session browsed after training, per athlete and rep (Textual). Reads the
store only (read-only, beside a live writer) and derives reps and verdicts exactly as live."""
