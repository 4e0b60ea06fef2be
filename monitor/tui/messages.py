"""The pipeline's messages, as Textual sees them.

The pipeline (monitor/pipeline.py) publishes small dataclasses and knows nothing of Textual; the
dashboard's bridge wraps each one in `Update` and posts it to the app, which dispatches on the
dataclass. Widgets are told what changed; nothing polls.
"""

from __future__ import annotations

from textual.message import Message

from monitor import pipeline


class Update(Message):
    """One message from the pipeline (a `monitor.pipeline.Message`)."""

    def __init__(self, item: pipeline.Message) -> None:
        super().__init__()
        self.item = item
