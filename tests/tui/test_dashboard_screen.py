"""The dashboard's screen (monitor/tui/screens/dashboard.py) is styled once before its first frame:
its widgets as they mount, not all of them again when the screen first resumes. The snapshots
(test_tui_snapshots.py) show the frame is the same."""

from __future__ import annotations

from textual.css.stylesheet import Stylesheet

from monitor.tui.app import DashboardApp
from monitor.tui.sample import FrozenClock, sample
from monitor.tui.screens.dashboard import DashboardScreen


async def test_the_first_resume_keeps_the_styles_the_widgets_mounted_with(monkeypatch):
    restyled: list[list] = []
    update = Stylesheet.update_nodes

    def counted(sheet, nodes, animate=False):
        nodes = list(nodes)
        restyled.append(nodes)
        return update(sheet, nodes, animate)

    monkeypatch.setattr(Stylesheet, "update_nodes", counted)
    data = sample()
    app = DashboardApp(None, course=data.course, roster=data.roster, clock=FrozenClock())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen) and app.table.row_count == len(data.roster)
        assert not any(app.screen in nodes for nodes in restyled)
