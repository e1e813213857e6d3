"""The Gradio app: the page laid out by ui/page.py, its events connected to the handlers.

Renders are followed by polling the shared job queue, so those events run without a
Gradio concurrency limit: the job queue, not Gradio's, decides who renders next, and
browser and API users share one fair line.
"""

from __future__ import annotations

import asyncio
from typing import Callable

import gradio as gr

from ui.events import Handlers
from ui.page import CSS_FILE, Catalog, build_page
from studio.session import Studio
from ui.views import EngineState

HOLD_BEAT_S = 15  # how soon a closed tab's held event ends (see _hold_the_stream)
HEAD = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def theme() -> gr.themes.Base:
    """A warm, quiet theme with system fonts (nothing is fetched from the internet)."""
    fonts = ["Inter", "ui-sans-serif", "system-ui", "-apple-system", "Segoe UI",
             "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "sans-serif"]
    return gr.themes.Soft(primary_hue="orange", secondary_hue="rose", neutral_hue="stone",
                          radius_size="lg", font=fonts,
                          font_mono=["ui-monospace", "SFMono-Regular", "monospace"])


def build_blocks(studio: Studio, catalog: Catalog, browser_secret: str,
                 engine_state: Callable[[], EngineState]) -> gr.Blocks:
    """The whole browser app as one gr.Blocks, events connected."""
    page = build_page(studio.strings, catalog, browser_secret)
    h = Handlers(page, studio, catalog, engine_state)
    c = page.c
    labels = page.labels.components
    with page.blocks:
        shot_out = [c["camera"], c["scene"], c["details"], c["chips"], c["music"],
                    c["music_player"], c["generate"]]
        videos_out = [c["videos"], c["video_ids"], c["videos_note"]]
        actions_out = [c["creation"], c["actions"], c["mp4"], c["gif"],
                       c["result_music_row"], c["result_music"]]
        reword_out = _unique(labels + [c["chips"], c["music"], c["model"], c["duration"],
                                       c["header"], c["style_gallery"], c["result_music"]])
        poll_out = _unique([c["progress"], c["chat"], c["job"], c["generate"], c["again"],
                            c["stop"], c["music"], c["music_player"], *actions_out,
                            *videos_out])
        start_out = [c["job"], c["progress"], c["generate"], c["again"], c["stop"],
                     c["share_box"]]
        advanced = [c["engine"], c["model"], c["steps"], c["guidance"], c["duration"],
                    c["aspect"]]

        # Load: who is this browser, in which language; their chat, shot and videos. A
        # render still under way (the page was reloaded mid-render) is followed again.
        page.blocks.load(
            h.on_load, inputs=[c["browser"]],
            outputs=_unique([c["browser"], c["session"], c["language"], c["chat"], c["job"],
                             *shot_out, *videos_out, *actions_out, *reword_out]),
            show_progress="hidden", api_name=False,
        ).then(h.on_poll, inputs=[c["session"], c["job"]], outputs=poll_out,
               concurrency_limit=None, show_progress="hidden", api_name=False)
        page.blocks.load(_hold_the_stream, outputs=[], concurrency_limit=None,
                         show_progress="hidden", api_name=False)

        c["language"].input(h.on_language, inputs=[c["session"], c["language"]],
                            outputs=_unique([c["session"], c["browser"], *reword_out,
                                             *videos_out, c["picked_style"],
                                             c["style_preview"], c["use_style"]]),
                            show_progress="hidden", api_name=False)

        # A chat message gets the agent's reply; what it asks for (generate, draw again,
        # share, change the music) follows as the next step, then a render is followed.
        c["box"].submit(
            h.on_message, inputs=[c["session"], c["box"], c["chips"]],
            outputs=[c["session"], c["chat"], c["box"], c["chat_action"], *shot_out],
            api_name="chat",
            show_progress="minimal", show_progress_on=[c["chat"]],
        ).success(
            h.on_chat_action,
            inputs=[c["session"], c["chat_action"], c["job"], c["creation"], c["camera"],
                    c["scene"], c["details"], c["chips"], c["music"], c["engine"],
                    c["model"], c["seed"], c["steps"], c["guidance"], c["duration"]],
            outputs=_unique([*start_out, c["chat"], c["chat_action"], *actions_out]),
            api_name=False, show_progress="hidden",
        ).success(h.on_poll, inputs=[c["session"], c["chat_action"]], outputs=poll_out,
                  concurrency_limit=None, show_progress="hidden", api_name=False)
        c["chat"].example_select(_example_text, outputs=[c["box"]], api_name=False)
        c["chips"].input(h.on_chip, inputs=[c["session"], c["chips"]], outputs=[],
                         show_progress="hidden", api_name=False)

        c["generate"].click(
            h.on_generate,
            inputs=[c["session"], c["job"], c["camera"], c["scene"], c["details"], c["chips"],
                    c["music"], c["engine"], c["model"], c["seed"], c["steps"],
                    c["guidance"], c["duration"], c["aspect"]],
            outputs=start_out, api_name="generate", show_progress="hidden",
        ).success(h.on_poll, inputs=[c["session"], c["job"]], outputs=poll_out,
                  concurrency_limit=None, show_progress="hidden", api_name="follow")
        c["again"].click(
            h.on_again, inputs=[c["session"], c["job"], c["creation"], *advanced],
            outputs=start_out, api_name="draw_again", show_progress="hidden",
        ).success(h.on_poll, inputs=[c["session"], c["job"]], outputs=poll_out,
                  concurrency_limit=None, show_progress="hidden", api_name=False)
        c["stop"].click(h.on_stop, inputs=[c["session"], c["job"]], outputs=[],
                        api_name=False)
        c["music"].input(h.on_music_pick, inputs=[c["music"]], outputs=[c["music_player"]],
                         show_progress="hidden", api_name=False)
        c["change_music"].click(
            h.on_change_music, inputs=[c["session"], c["creation"], c["result_music"]],
            outputs=_unique([c["chat"], *actions_out]), api_name="change_music")
        c["remove_music"].click(
            h.on_remove_music, inputs=[c["session"], c["creation"]],
            outputs=_unique([c["chat"], *actions_out]), api_name="remove_music")
        c["share"].click(h.on_share, inputs=[c["session"], c["creation"]],
                         outputs=[c["share_box"]], api_name="share")

        c["style_gallery"].select(
            h.on_style_pick, inputs=[c["session"]],
            outputs=[c["picked_style"], c["style_preview"], c["style_info"], c["use_style"]],
            api_name=False)
        c["use_style"].click(h.on_use_style, inputs=[c["session"], c["picked_style"]],
                             outputs=_unique([c["tabs"], c["chat"], *shot_out]),
                             api_name=False)

        detail_out = [c["picked_video"], c["video_detail"], c["video_player"],
                      c["video_info"], c["v_mp4"], c["v_gif"], c["v_share_box"],
                      c["v_revoke"]]
        c["videos"].select(h.on_video_pick, inputs=[c["session"], c["video_ids"]],
                           outputs=detail_out, api_name=False)
        c["v_share"].click(h.on_video_share, inputs=[c["session"], c["picked_video"]],
                           outputs=[c["v_share_box"], c["v_revoke"]], api_name=False)
        c["v_revoke"].click(h.on_video_revoke, inputs=[c["session"], c["picked_video"]],
                            outputs=[c["v_share_box"], c["v_revoke"]], api_name=False)
        c["v_delete"].click(
            h.on_video_delete, inputs=[c["session"], c["picked_video"], c["creation"]],
            outputs=_unique([*videos_out, c["video_detail"], c["picked_video"], c["chat"],
                             *actions_out]), api_name=False)
    return page.blocks


async def _hold_the_stream():
    """An event that lasts as long as the page, so the page's event stream stays open.

    Gradio's server closes a page's stream when the last pending event completes; if the
    page sends its next event in that instant (the step chained after a chat message, a
    click just as a render ends), the page can take the close for the new event's and never
    show its result: the message or render then seems to vanish. It happened in 4 of 7
    runs of the UI tests on two workers on a 2-core machine. With this event pending
    the stream closes only with the tab. It holds no thread; it wakes every HOLD_BEAT_S
    and yields nothing, which is when Gradio ends it once the tab has gone.
    """
    while True:
        await asyncio.sleep(HOLD_BEAT_S)
        yield


def _example_text(evt: gr.SelectData) -> dict:
    """Clicking an example idea puts it in the box (it is not sent until the user sends)."""
    value = evt.value if isinstance(evt.value, dict) else {}
    return {"text": value.get("text", ""), "files": []}


def _unique(components: list) -> list:
    seen, result = set(), []
    for component in components:
        if id(component) not in seen:
            seen.add(id(component))
            result.append(component)
    return result


def css() -> str:
    return CSS_FILE.read_text(encoding="utf-8")
