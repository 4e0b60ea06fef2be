"""The coach-facing layer: analysis, the session store, the live pipeline, the Textual apps and the CLI."""
