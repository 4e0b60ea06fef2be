"""The engine's version, apart from the engine: what reads derived rows checks it without loading the
engine (`gates sessions` on years of history reads rows, and derives nothing when they are fresh)."""

# Bumped whenever the same facts would derive to different reps, verdicts or summaries (any change in
# monitor/session/ that does so): what the store keeps derived from an older engine is then derived
# again (monitor/store/summaries.py).
ENGINE_VERSION = 4
