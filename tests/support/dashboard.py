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


def typed(app: DashboardApp, *keys: str) -> None:
    """Keys as the terminal sends them, in order, without Pilot's `press` waiting after each one for the
    process to go idle: with a live session streaming in it never is, and each key waited out most of
    Textual's 1 s limit (11 s to type a 21-key order). The test then waits for what the keys did."""
    for key in keys:
        app.simulate_key(key)
