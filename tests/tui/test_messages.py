"""Every pipeline event reaches the dashboard as its own Textual message, with its own handler."""

from __future__ import annotations

from typing import get_args

from monitor.live import pipeline as pl
from monitor.tui import messages as msg
from monitor.tui.app import DashboardApp


def test_every_pipeline_event_has_a_message_class_and_a_handler_on_the_dashboard():
    events = {*get_args(pl.Message), msg.GateClock}
    assert set(msg.for_event()) == events
    for event, message in msg.for_event().items():
        assert issubclass(message, msg.PipelineEvent) and message is not msg.PipelineEvent
        assert callable(getattr(DashboardApp, message.handler_name, None)), f"{event.__name__}: no handler"
    assert len({m.handler_name for m in msg.for_event().values()}) == len(events)


def test_a_message_carries_the_pipeline_event_itself():
    event = pl.SessionEnded(3, "ended by the coach")
    message = msg.message_for(event)
    assert type(message) is msg.SessionEnded and message.event is event
    assert message.handler_name == "on_session_ended"
