"""The real dashboard app with a memory, for tests that check every banner a session showed."""

from __future__ import annotations

from monitor.tui.app import DashboardApp


class Recording(DashboardApp):
    """The real app, keeping every banner it showed (the banner changes with every rep)."""

    def on_mount(self) -> None:
        self.banners = []
        super().on_mount()

    def _show_banner(self) -> None:
        super()._show_banner()
        self.banners.append(self.verdict.banner)
