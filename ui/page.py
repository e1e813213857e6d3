"""The page's layout: header, Create (chat + shot panel), Styles and My videos tabs, and
the operator's Settings tab (laid out in ui/settings_tab.py).

Only components are made here; `ui/web.py` connects them to `ui/events.py`. They are
reached by name and type through `Page` (`page.create.camera` is a gr.Textbox): a
misspelt name is a type checker's error and an AttributeError, never a KeyError. Every piece of
text that changes with the language is registered in `Page.labels`, so one function
re-words the whole page when the language changes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import gradio as gr

from studio.i18n import DEFAULT_LANGUAGE, Strings
from ui.choices import (Catalog, aspect_choices, duration_choices, model_choices,
                        music_choices, style_choices, style_gallery)
from ui.named_download import NamedDownload
from ui.settings_tab import SettingsTab, settings_tab
from video.shape import AUTO

CSS_FILE = Path(__file__).with_name("theme.css")
# (label, value) pairs the language radio offers; labels are each language's own name.
LANGUAGE_CHOICES = [("English", "en"), ("中文", "zh")]
EXAMPLES = ["a cheetah lying in the grass", "猎豹卧在草地上，身体微微起伏",
            "a paper boat drifting down a rainy street", "水墨山水间一只白鹤飞过"]
BlockT = TypeVar("BlockT", bound=gr.blocks.Block)  # a component or layout block


class Labels:
    """Components whose text follows the language: (component, property, strings key)."""

    def __init__(self) -> None:
        self._items: dict[int, tuple[object, list[tuple[str, object]]]] = {}

    def add(self, component: BlockT, key, prop: str = "label") -> BlockT:
        """Register `component.prop` to show `key`'s text; `key` may instead be a function
        (strings, language) → text for text made of several keys. Gives back the component
        (its own type kept), so a layout registers it as it makes it."""
        entry = self._items.setdefault(id(component), (component, []))
        entry[1].append((prop, key))
        return component

    @property
    def components(self) -> list:
        return [component for component, _ in self._items.values()]

    def updates(self, strings: Strings, language: str) -> list[dict]:
        """One gr.update per component, in `components` order."""
        result = []
        for _, props in self._items.values():
            values = defaultdict(str)
            for prop, key in props:
                values[prop] = key(strings, language) if callable(key) else \
                    strings.text(language, key)
            result.append(gr.update(**values))
        return result


def _empty() -> None:
    """An empty number field. Gradio shows 0 for a Number made with None (and then sends 0:
    seed 0 every time, steps below their minimum); a value made by a function stays empty.
    https://github.com/gradio-app/gradio/issues/6728"""
    return None


def shot_heading(strings: Strings, language: str) -> str:
    return (f"### {strings.text(language, 'shot_heading')}\n"
            f"<span class='cw-hint'>{strings.text(language, 'shot_hint')}</span>")


@dataclass(frozen=True)
class PageState:
    """The tab's hidden values (gr.State stays on the server). Who the browser is comes
    from its signed session cookie (ui/session_cookie.py), never from the page."""

    session: gr.State  # studio.session.SessionInfo | None
    job: gr.State  # the id of the render this tab is following, or None
    creation: gr.State  # the id of the video the chat's action row acts on, or None
    picked_style: gr.State  # the Styles tab's picked style id, or None
    chat_action: gr.State  # what the last chat message asked for: ui.actions.ChatAction | None
    chat_job: gr.State  # the id of the render that message's step started, or None
    video_ids: gr.State  # My videos gallery order → creation ids
    picked_video: gr.State  # the creation id My videos shows, or None
    armed_delete: gr.State  # the creation id whose Delete was pressed once, or None


@dataclass(frozen=True)
class CreateTab:
    """The chat with its result actions, and the shot panel with its Advanced settings."""

    chat: gr.Chatbot
    progress: gr.HTML
    actions: gr.Row  # again, share, mp4, gif: shown once there is a video
    again: gr.Button
    share: gr.Button
    mp4: NamedDownload
    gif: NamedDownload
    result_music_row: gr.Row
    result_music: gr.Dropdown
    change_music: gr.Button
    remove_music: gr.Button
    share_box: gr.HTML
    chips: gr.Radio  # the style chips
    box: gr.MultimodalTextbox  # the message box
    shot_heading: gr.Markdown
    camera: gr.Textbox
    scene: gr.Textbox
    details: gr.Textbox
    music: gr.Dropdown
    music_player: gr.Audio
    generate: gr.Button
    stop: gr.Button
    engine: gr.Dropdown
    model: gr.Dropdown
    seed: gr.Number
    duration: gr.Dropdown
    aspect: gr.Dropdown
    steps: gr.Number
    guidance: gr.Number


@dataclass(frozen=True)
class StylesTab:
    """The style gallery and the picked style's preview."""

    heading: gr.Markdown
    gallery: gr.Gallery
    preview: gr.Video
    info: gr.Markdown
    use_style: gr.Button


@dataclass(frozen=True)
class VideosTab:
    """My videos: the gallery and the picked video's detail with its actions."""

    note: gr.Markdown
    gallery: gr.Gallery
    detail: gr.Column
    player: gr.Video
    info: gr.Markdown
    share: gr.Button
    revoke: gr.Button
    delete: gr.Button
    mp4: NamedDownload
    gif: NamedDownload
    share_box: gr.HTML


@dataclass(frozen=True)
class Page:
    """Every component the events need, by tab, plus the language-following labels."""

    blocks: gr.Blocks
    labels: Labels
    state: PageState
    header: gr.HTML
    language: gr.Radio
    tabs: gr.Tabs
    create: CreateTab
    styles: StylesTab
    videos: VideosTab
    settings: SettingsTab  # the operator's only (ui/operator.py)


def build_page(strings: Strings, catalog: Catalog) -> Page:
    """Lay out the page (English until the browser's language is known on load)."""
    t = lambda key: strings.text(DEFAULT_LANGUAGE, key)  # noqa: E731
    labels = Labels()
    with gr.Blocks(title="Clipwright 影匠", fill_width=True,
                   delete_cache=(3600, 86400)) as blocks:
        # The tab's state, kept on the server (the session comes from the cookie on load).
        state = PageState(
            session=gr.State(None), job=gr.State(None), creation=gr.State(None),
            picked_style=gr.State(None), chat_action=gr.State(None),
            chat_job=gr.State(None), video_ids=gr.State([]), picked_video=gr.State(None),
            armed_delete=gr.State(None))

        with gr.Row(elem_id="cw-top", equal_height=True):
            header = gr.HTML(elem_id="cw-header-box", scale=10, min_width=320)
            language = labels.add(gr.Radio(
                LANGUAGE_CHOICES, value=DEFAULT_LANGUAGE, label=t("language"),
                show_label=False, elem_id="cw-language", container=False, scale=0,
                min_width=170), "language")

        # "wrap": on a phone every tab stays in sight (Gradio's default hides those that do
        # not fit behind a "…" menu: My videos and Settings at 390 px).
        with gr.Tabs(selected="create", elem_id="cw-tabs", overflow_behavior="wrap") as tabs:
            with labels.add(gr.Tab(t("tab_create"), id="create", elem_id="tab-create"),
                            "tab_create"):
                create = _create_tab(labels, strings, catalog)
            with labels.add(gr.Tab(t("tab_styles"), id="styles", elem_id="tab-styles"),
                            "tab_styles"):
                styles = _styles_tab(labels, strings, catalog)
            with labels.add(gr.Tab(t("tab_videos"), id="videos", elem_id="tab-videos"),
                            "tab_videos"):
                videos = _videos_tab(labels, strings)
            settings = settings_tab(labels, strings)
    return Page(blocks=blocks, labels=labels, state=state, header=header, language=language,
                tabs=tabs, create=create, styles=styles, videos=videos, settings=settings)


def _create_tab(labels: Labels, strings: Strings, catalog: Catalog) -> CreateTab:
    t = lambda key: strings.text(DEFAULT_LANGUAGE, key)  # noqa: E731
    with gr.Row(elem_id="cw-create", equal_height=False):
        with gr.Column(scale=7, min_width=360, elem_id="cw-chat-col"):
            chat = labels.add(gr.Chatbot(
                label=t("chat_label"), show_label=False, elem_id="cw-chat", height=520,
                placeholder=t("chat_welcome"), layout="bubble", buttons=["copy"],
                examples=[{"text": e} for e in EXAMPLES], feedback_options=None,
                group_consecutive_messages=False,
                avatar_images=(None, str(Path(__file__).with_name("assets") / "avatar.svg"))),
                "chat_welcome", "placeholder")
            progress = gr.HTML(elem_id="cw-progress-box", visible=False)
            with gr.Row(elem_id="cw-actions", visible=False) as actions:
                again = labels.add(gr.Button(t("btn_again"), elem_id="btn-again", size="sm",
                                             variant="primary"), "btn_again", "value")
                share = labels.add(gr.Button(t("btn_share"), elem_id="btn-share", size="sm"),
                                   "btn_share", "value")
                mp4 = labels.add(NamedDownload(t("btn_mp4"), elem_id="btn-mp4",
                                                   size="sm"), "btn_mp4", "label")
                gif = labels.add(NamedDownload(t("btn_gif"), elem_id="btn-gif",
                                                   size="sm"), "btn_gif", "label")
            with gr.Row(elem_id="cw-result-music", visible=False) as result_music_row:
                result_music = labels.add(gr.Dropdown(
                    [(track.name(DEFAULT_LANGUAGE), track.id) for track in catalog.tracks],
                    label=t("label_result_music"), elem_id="result-music", scale=3,
                    container=False), "label_result_music")
                change_music = labels.add(gr.Button(
                    t("btn_change_music"), size="sm", elem_id="btn-change-music", scale=1),
                    "btn_change_music", "value")
                remove_music = labels.add(gr.Button(
                    t("btn_remove_music"), size="sm", elem_id="btn-remove-music", scale=1),
                    "btn_remove_music", "value")
            share_box = gr.HTML(elem_id="cw-share-box", visible=False)
            chips = labels.add(gr.Radio(
                style_choices(strings, DEFAULT_LANGUAGE, catalog.styles), value="",
                label=t("style_chips"), show_label=False, elem_id="cw-style-chips",
                container=False), "style_chips")
            box = labels.add(gr.MultimodalTextbox(
                placeholder=t("box_placeholder"), show_label=False, elem_id="cw-box",
                file_types=["image"], file_count="single", sources=["upload"], lines=1,
                max_lines=6, autofocus=True), "box_placeholder", "placeholder")
        with gr.Column(scale=5, min_width=300, elem_id="cw-shot"):
            heading = labels.add(gr.Markdown(
                shot_heading(strings, DEFAULT_LANGUAGE), elem_id="cw-shot-heading"),
                shot_heading, "value")
            camera = labels.add(gr.Textbox(label=t("field_camera"), lines=2, max_lines=4,
                                           elem_id="shot-camera"), "field_camera")
            scene = labels.add(gr.Textbox(label=t("field_scene"), lines=2, max_lines=4,
                                          elem_id="shot-scene"), "field_scene")
            details = labels.add(gr.Textbox(label=t("field_details"), lines=3, max_lines=6,
                                            elem_id="shot-details"), "field_details")
            music = labels.add(gr.Dropdown(
                music_choices(strings, DEFAULT_LANGUAGE, catalog.tracks), value="auto",
                label=t("field_music"), elem_id="shot-music"), "field_music")
            music_player = labels.add(gr.Audio(
                label=t("music_preview"), interactive=False, visible=False,
                elem_id="shot-music-player", buttons=[], show_label=False),
                "music_preview")
            with gr.Row(elem_id="cw-go"):
                generate = labels.add(gr.Button(
                    t("btn_generate"), variant="primary", size="lg", interactive=False,
                    elem_id="btn-generate", scale=3), "btn_generate", "value")
                stop = labels.add(gr.Button(t("btn_stop"), variant="stop", size="lg",
                                            visible=False, elem_id="btn-stop", scale=1),
                                  "btn_stop", "value")
            with labels.add(gr.Accordion(t("advanced"), open=False, elem_id="cw-advanced"),
                            "advanced"):
                with gr.Row():
                    engine = labels.add(gr.Dropdown(
                        list(catalog.engines), value=catalog.default_engine,
                        label=t("label_engine"), elem_id="adv-engine"), "label_engine")
                    model = labels.add(gr.Dropdown(
                        model_choices(strings, DEFAULT_LANGUAGE, catalog.models), value="",
                        label=t("label_model"), elem_id="adv-model"), "label_model")
                with gr.Row():
                    seed = labels.add(gr.Number(_empty, label=t("label_seed"), precision=0,
                                                minimum=0, elem_id="adv-seed"), "label_seed")
                    duration = labels.add(gr.Dropdown(
                        duration_choices(strings, DEFAULT_LANGUAGE), value=0,
                        label=t("label_duration"), elem_id="adv-duration"), "label_duration")
                    aspect = labels.add(gr.Dropdown(
                        aspect_choices(strings, DEFAULT_LANGUAGE), value=AUTO,
                        label=t("label_aspect"), elem_id="adv-aspect"), "label_aspect")
                with gr.Row():
                    steps = labels.add(gr.Number(_empty, label=t("label_steps"), precision=0,
                                                 minimum=1, maximum=200, elem_id="adv-steps"),
                                       "label_steps")
                    guidance = labels.add(gr.Number(_empty, label=t("label_guidance"),
                                                    minimum=1, maximum=20, step=0.5,
                                                    elem_id="adv-guidance"), "label_guidance")
    return CreateTab(
        chat=chat, progress=progress, actions=actions, again=again, share=share, mp4=mp4,
        gif=gif, result_music_row=result_music_row, result_music=result_music,
        change_music=change_music, remove_music=remove_music, share_box=share_box,
        chips=chips, box=box, shot_heading=heading, camera=camera, scene=scene,
        details=details, music=music, music_player=music_player, generate=generate,
        stop=stop, engine=engine, model=model, seed=seed, duration=duration, aspect=aspect,
        steps=steps, guidance=guidance)


def _styles_tab(labels: Labels, strings: Strings, catalog: Catalog) -> StylesTab:
    t = lambda key: strings.text(DEFAULT_LANGUAGE, key)  # noqa: E731

    def heading_text(strings: Strings, language: str) -> str:
        if not catalog.styles:
            return strings.text(language, "styles_empty")
        note = catalog.style_note.get(language, "")
        return (f"### {strings.text(language, 'styles_heading')}\n"
                f"{strings.text(language, 'styles_hint')}" + (f"\n\n{note}" if note else ""))

    heading = labels.add(gr.Markdown(heading_text(strings, DEFAULT_LANGUAGE),
                                     elem_id="cw-styles-heading"), heading_text, "value")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            gallery = gr.Gallery(
                value=style_gallery(catalog, DEFAULT_LANGUAGE), columns=4,
                allow_preview=False, show_label=False,
                elem_id="cw-style-gallery", object_fit="cover", height="auto")
        with gr.Column(scale=2, elem_id="cw-style-detail"):
            # Until a style is picked: no empty player, a line that says what to do.
            preview = gr.Video(show_label=False, autoplay=True, loop=True, interactive=False,
                               visible=False, elem_id="cw-style-preview")
            info = labels.add(gr.Markdown(t("style_pick_hint"), elem_id="cw-style-info"),
                              "style_pick_hint", "value")
            use_style = labels.add(gr.Button(t("btn_use_style"), variant="primary",
                                             interactive=False, elem_id="btn-use-style"),
                                   "btn_use_style", "value")
    return StylesTab(heading=heading, gallery=gallery, preview=preview, info=info,
                     use_style=use_style)


def _videos_tab(labels: Labels, strings: Strings) -> VideosTab:
    t = lambda key: strings.text(DEFAULT_LANGUAGE, key)  # noqa: E731
    note = gr.Markdown(t("videos_empty"), elem_id="cw-videos-note")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            gallery = gr.Gallery(columns=4, allow_preview=False, show_label=False,
                                 elem_id="cw-videos", object_fit="cover", height="auto",
                                 fit_columns=False)
        with gr.Column(scale=2, visible=False, elem_id="cw-video-detail") as detail:
            player = gr.Video(show_label=False, interactive=False, elem_id="cw-video-player")
            info = gr.Markdown(elem_id="cw-video-info")
            with gr.Row():
                share = labels.add(gr.Button(t("btn_share"), size="sm", elem_id="v-share"),
                                   "btn_share", "value")
                revoke = labels.add(gr.Button(t("btn_revoke"), size="sm", elem_id="v-revoke"),
                                    "btn_revoke", "value")
                delete = labels.add(gr.Button(t("btn_delete"), size="sm", variant="stop",
                                              elem_id="v-delete"), "btn_delete", "value")
            with gr.Row():
                mp4 = labels.add(NamedDownload(t("btn_mp4"), size="sm", elem_id="v-mp4"),
                                 "btn_mp4", "label")
                gif = labels.add(NamedDownload(t("btn_gif"), size="sm", elem_id="v-gif"),
                                 "btn_gif", "label")
            share_box = gr.HTML(elem_id="v-share-box")
    return VideosTab(note=note, gallery=gallery, detail=detail, player=player, info=info,
                     share=share, revoke=revoke, delete=delete, mp4=mp4, gif=gif,
                     share_box=share_box)
