"""Events of the Settings tab: the operator shows, sets and removes the platform API key.

`SettingsEvents` is mixed into ui.events.Handlers, which gives it `page`, `studio`,
`strings`, `engine_state` and `operator` (ui/operator.py's rule). Every handler asks the
rule itself: a hidden tab is no lock, and anyone can send an event by its number.
"""

from __future__ import annotations

import logging

import gradio as gr

from errors import InputError
from studio.messages import escape_markdown
from studio.platform_key import FROM_ENVIRONMENT, KeyState
from ui.gallery_events import Updates
from ui.views import header_html

log = logging.getLogger(__name__)


class SettingsEvents:
    """The Settings tab's handlers."""

    def settings_view(self, updates: Updates, language: str, request) -> None:
        """Show the tab and the key's status to the operator; to anyone else, no tab and
        nothing about the key."""
        tab = self.page.settings
        if not self.operator.admits(request):
            updates.set(tab.tab, visible=False)
            updates.set(tab.status, value="")
            return
        state = self.studio.platform_key.state()
        updates.set(tab.tab, visible=True)
        updates.set(tab.status, value=key_status(self.strings, language, state))
        for button in (tab.save, tab.remove):
            updates.set(button, interactive=state.editable)

    def on_save_key(self, session, text: str, request: gr.Request):
        return self._change_key(session, request, lambda language: (
            self.studio.platform_key.save(text, language), "key_saved"))

    def on_remove_key(self, session, request: gr.Request):
        return self._change_key(session, request, lambda language: (
            self.studio.platform_key.remove(language), "key_removed"))

    def _change_key(self, session, request, change):
        """Run `change(language)` for the operator: the field is emptied either way (a key
        stays on the page no longer than it must); the status, the header (the engine now
        in use) and a note on what happened follow."""
        tab, language = self.page.settings, session.language if session else "en"
        updates = Updates()
        updates.set(tab.key, value="")
        if not self.operator.admits(request):
            log.warning("a settings change was refused: not the operator")
            updates.set(tab.note, value=f"⚠️ {self.strings.text(language, 'key_not_operator')}")
            return updates.result()
        try:
            state, done = change(language)
        except InputError as exc:
            updates.set(tab.note, value=f"⚠️ {exc}")
            return updates.result()
        log.info("the operator %s the platform API key", "set" if state.source else "removed")
        updates.set(tab.note, value=self.strings.text(language, done))
        updates.set(tab.status, value=key_status(self.strings, language, state))
        updates.set(self.page.header, value=header_html(self.strings, language,
                                                        self.engine_state()))
        return updates.result()


def key_status(strings, language: str, state: KeyState) -> str:
    """The status line: no key, a key kept here, or one from the environment or cluster."""
    if state.on_cluster:
        return strings.text(language, "key_cluster")
    if state.source is None:
        return strings.text(language, "key_none")
    key = "key_in_env" if state.source == FROM_ENVIRONMENT else "key_in_use"
    return strings.text(language, key, ending=escape_markdown(state.ending))
