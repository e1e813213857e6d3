"""The Settings tab's layout: the platform API key, for the server's operator only.

The tab is made hidden; the page's load event shows it to the operator (ui/operator.py)
and to no one else, and its status text is sent to no one else. ui/settings_events.py has
its events.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from studio.i18n import DEFAULT_LANGUAGE, Strings


@dataclass(frozen=True)
class SettingsTab:
    """The key's status, the field to paste one and its two buttons."""

    tab: gr.Tab
    status: gr.Markdown  # where the key comes from and how it ends; empty for non-operators
    key: gr.Textbox
    save: gr.Button
    remove: gr.Button
    note: gr.Markdown  # what the last press did, or why it was refused


def settings_tab(labels, strings: Strings) -> SettingsTab:
    """Lay out the hidden Settings tab inside the page's gr.Tabs (`labels`: ui.page.Labels)."""
    t = lambda key: strings.text(DEFAULT_LANGUAGE, key)  # noqa: E731
    with labels.add(gr.Tab(t("tab_settings"), id="settings", elem_id="tab-settings",
                           visible=False), "tab_settings") as tab:
        labels.add(gr.Markdown(t("key_heading")), "key_heading", "value")
        status = gr.Markdown(elem_id="cw-key-status")
        key = labels.add(labels.add(
            gr.Textbox(label=t("label_key"), placeholder=t("key_placeholder"), type="password",
                       max_lines=1, max_length=512, elem_id="cw-key"),
            "label_key"), "key_placeholder", "placeholder")
        with gr.Row():
            save = labels.add(gr.Button(t("btn_save_key"), variant="primary",
                                        elem_id="btn-save-key"), "btn_save_key", "value")
            remove = labels.add(gr.Button(t("btn_remove_key"), elem_id="btn-remove-key"),
                                "btn_remove_key", "value")
        note = gr.Markdown(elem_id="cw-key-note")
        labels.add(gr.Markdown(t("key_who"), elem_classes=["cw-hint"]), "key_who", "value")
    return SettingsTab(tab=tab, status=status, key=key, save=save, remove=remove, note=note)
