"""The coach's live dashboard (Textual). Imported only by the commands that open it, so the rest of
the CLI never pays for Textual; the pipeline and the core never import it."""
