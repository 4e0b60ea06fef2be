"""The real dashboard app with a memory, for tests that check every banner a session showed."""

from __future__ import annotations

from monitor.tui.app import DashboardApp


class Recording(DashboardApp):
    """The real app, keeping every banner it showed (the banner changes with every rep)."""

    def on_mount(self) -> None:
        self.banners = []
        super().on_mount()

    def on_update(self, message) -> None:
        super().on_update(message)
        message.prevent_default()  # the base handler has run: Textual must not call it again
        self.banners.append(self.verdict.banner)
