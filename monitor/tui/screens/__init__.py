"""Screens over the dashboard: help, and the small prompts behind the coach's key bindings."""
