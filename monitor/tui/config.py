"""The dashboards' look, and the choice remembered between runs: `--theme light|dark`.

Two themes of our own, both high-contrast: dark is black (the default navy washes out outdoors),
light is black on white for a track in sunlight. The choice (from `--theme` or the command palette)
is kept in `config.toml` in the user's config directory (platformdirs), so the next `gates demo`,
`monitor` or `review` opens the same way. A config file that cannot be read or written never stops a
session: the dashboard opens dark, and the choice is simply not remembered.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.reactive import Initialize, Reactive
from textual.theme import Theme

THEME_NAMES = ("dark", "light")
DEFAULT_THEME = "dark"
CONFIG_NAME = "config.toml"

THEMES = {
    "dark": Theme(name="gates-dark", dark=True, primary="#4aa3ff", secondary="#7fd1ff", accent="#ffb000",
                  foreground="#ffffff", background="#000000", surface="#0d0d0d", panel="#262626",
                  success="#3ddc6a", warning="#ffb000", error="#ff4040", text_alpha=1.0,
                  variables={"foreground-muted": "#c8c8c8", "footer-key-foreground": "#7fd1ff"}),
    "light": Theme(name="gates-light", dark=False, primary="#0033aa", secondary="#004f9e", accent="#8a4b00",
                   foreground="#000000", background="#ffffff", surface="#f4f4f4", panel="#dcdcdc",
                   success="#006b1f", warning="#8a5a00", error="#b00000", text_alpha=1.0,
                   variables={"foreground-muted": "#303030", "footer-key-foreground": "#0033aa",
                              "footer-background": "#dcdcdc", "footer-foreground": "#000000"}),
}


def textual_name(theme: str) -> str:
    """The Textual theme a `--theme` name stands for."""
    return THEMES[theme].name


def ours(textual_theme: str) -> str | None:
    """The `--theme` name of a Textual theme, if it is one of ours."""
    return next((name for name, t in THEMES.items() if t.name == textual_theme), None)


def register(app) -> None:
    for theme in THEMES.values():
        app.register_theme(theme)


class OpensInOurTheme:
    """For an App: it opens in `opening_theme` (set before App's init), styled in it from the
    first rule on. Setting `App.theme` once the app exists makes Textual parse every stylesheet
    again before the first frame (~15 ms); our themes are known before they are registered."""

    opening_theme = THEMES[DEFAULT_THEME].name
    theme: Reactive[str] = Reactive(Initialize(lambda app: app.opening_theme))

    def get_theme(self, theme_name: str) -> Theme | None:
        ours_now = next((t for t in THEMES.values() if t.name == theme_name), None)
        return ours_now or super().get_theme(theme_name)  # type: ignore[misc]


def config_path() -> Path:
    import platformdirs  # here: only the config file needs it

    return Path(platformdirs.user_config_dir("gates", appauthor=False)) / CONFIG_NAME


def remembered_theme(path: Path | None = None) -> str:
    """The theme chosen last time, or the default when none was (or the file cannot be read)."""
    try:
        data = tomllib.loads((path or config_path()).read_text(encoding="utf-8"))
    except (OSError, UnicodeError, tomllib.TOMLDecodeError):
        return DEFAULT_THEME
    theme = data.get("theme")
    return theme if theme in THEME_NAMES else DEFAULT_THEME


def remember_theme(theme: str, path: Path | None = None) -> bool:
    """Keep `theme` for the next run; False (and nothing else) when the file cannot be written."""
    path = path or config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'theme = "{theme}"\n', encoding="utf-8")
    except OSError:
        return False
    return True


def chosen_theme(option: str | None, path: Path | None = None) -> str:
    """The theme to open with: `--theme` if given (and remembered from now on), else the remembered one."""
    if option is None:
        return remembered_theme(path)
    remember_theme(option, path)
    return option


def apply(app, theme: str) -> None:
    """Our themes on any of the apps (the review has no palette hook: the choice comes from `--theme`)."""
    register(app)
    app.theme = textual_name(theme)
