"""The Gradio app: the page laid out by ui/page.py, its events connected to the handlers.

Renders are followed by polling the shared job queue, so those events run without a
Gradio concurrency limit: the job queue, not Gradio's, decides who renders next, and
browser and API users share one fair line.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Callable

import gradio as gr

from ui.events import Handlers
from ui.operator import OperatorRule
from ui.choices import Catalog
from ui.page import CSS_FILE, build_page
from ui.session_cookie import SessionCookies
from studio.session import Studio
from ui.views import EngineState

HOLD_BEAT_S = 15  # how soon a closed tab's held event ends (see _hold_the_stream)
HEAD = '<meta name="viewport" content="width=device-width, initial-scale=1">'
JS_FILE = Path(__file__).with_name("page.js")


def js() -> str:
    """The page's own script (ui/page.js), run once it has loaded."""
    return JS_FILE.read_text(encoding="utf-8")


def theme() -> gr.themes.Base:
    """A warm, quiet theme with system fonts (nothing is fetched from the internet)."""
    fonts = ["Inter", "ui-sans-serif", "system-ui", "-apple-system", "Segoe UI",
             "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "sans-serif"]
    return gr.themes.Soft(primary_hue="orange", secondary_hue="rose", neutral_hue="stone",
                          radius_size="lg", font=fonts,
                          font_mono=["ui-monospace", "SFMono-Regular", "monospace"])


def build_blocks(studio: Studio, catalog: Catalog, cookies: SessionCookies,
                 engine_state: Callable[[], EngineState],
                 operator: OperatorRule = OperatorRule()) -> gr.Blocks:
    """The whole browser app as one gr.Blocks, events connected; `cookies` checks the
    session cookie the page's load event opens the browser's session from; `operator` says
    who sees the Settings tab."""
    page = build_page(studio.strings, catalog)
    h = Handlers(page, studio, catalog, engine_state, cookies, operator)
    state, create, styles, videos = page.state, page.create, page.styles, page.videos
    settings = page.settings
    labels = page.labels.components
    with page.blocks:
        shot_out = [create.camera, create.scene, create.details, create.chips, create.music,
                    create.music_player, create.generate]
        videos_out = [videos.gallery, state.video_ids, videos.note]
        actions_out = [state.creation, create.actions, create.mp4, create.gif,
                       create.result_music_row, create.result_music]
        reword_out = _unique(labels + [create.chips, create.music, create.model,
                                       create.duration, page.header, styles.gallery,
                                       create.result_music])
        poll_out = _unique([create.progress, create.chat, state.job, create.generate,
                            create.again, create.stop, create.music, create.music_player,
                            *actions_out, *videos_out])
        start_out = [state.job, create.progress, create.generate, create.again, create.stop,
                     create.share_box]
        advanced = [create.engine, create.model, create.steps, create.guidance,
                    create.duration, create.aspect]
        settings_out = [settings.tab, settings.status, settings.save, settings.remove]

        # Load: who is this browser, in which language; their chat, shot and videos. A
        # render still under way (the page was reloaded mid-render) is followed again.
        page.blocks.load(
            h.on_load, inputs=[],
            outputs=_unique([state.session, page.language, create.chat,
                             state.job, *shot_out, *videos_out, *actions_out, *reword_out,
                             *settings_out]),
            show_progress="hidden", api_name=False,
        ).then(h.on_poll, inputs=[state.session, state.job], outputs=poll_out,
               concurrency_limit=None, show_progress="hidden", api_name=False)
        page.blocks.load(_hold_the_stream, outputs=[], concurrency_limit=None,
                         show_progress="hidden", api_name=False)

        page.language.input(h.on_language, inputs=[state.session, page.language],
                            outputs=_unique([state.session, *reword_out,
                                             *videos_out, state.picked_style,
                                             styles.preview, styles.use_style,
                                             *settings_out]),
                            show_progress="hidden", api_name=False)

        # A chat message gets the agent's reply; what it asks for (generate, draw again,
        # share, change the music) follows as the next step, then a render is followed.
        # The step hands its render on in chat_job, not chat_action: a follow step that
        # runs late, after the next message has set chat_action, still reads a job id.
        create.box.submit(
            h.on_message, inputs=[state.session, create.box, create.chips],
            outputs=[state.session, create.chat, create.box, state.chat_action, *shot_out],
            api_name="chat",
            show_progress="minimal", show_progress_on=[create.chat],
        ).success(
            h.on_chat_action,
            inputs=[state.session, state.chat_action, state.job, state.creation,
                    create.camera, create.scene, create.details, create.chips, create.music,
                    create.engine, create.model, create.seed, create.steps, create.guidance,
                    create.duration],
            outputs=_unique([*start_out, create.chat, state.chat_job, *actions_out]),
            api_name=False, show_progress="hidden",
        ).success(h.on_poll, inputs=[state.session, state.chat_job], outputs=poll_out,
                  concurrency_limit=None, show_progress="hidden", api_name=False)
        create.chat.example_select(_example_text, outputs=[create.box], api_name=False)
        create.chips.input(h.on_chip, inputs=[state.session, create.chips], outputs=[],
                           show_progress="hidden", api_name=False)

        create.generate.click(
            h.on_generate,
            inputs=[state.session, state.job, create.camera, create.scene, create.details,
                    create.chips, create.music, create.engine, create.model, create.seed,
                    create.steps, create.guidance, create.duration, create.aspect],
            outputs=start_out, api_name="generate", show_progress="hidden",
        ).success(h.on_poll, inputs=[state.session, state.job], outputs=poll_out,
                  concurrency_limit=None, show_progress="hidden", api_name="follow")
        create.again.click(
            h.on_again, inputs=[state.session, state.job, state.creation, *advanced],
            outputs=start_out, api_name="draw_again", show_progress="hidden",
        ).success(h.on_poll, inputs=[state.session, state.job], outputs=poll_out,
                  concurrency_limit=None, show_progress="hidden", api_name=False)
        create.stop.click(h.on_stop, inputs=[state.session, state.job], outputs=[],
                          api_name=False)
        create.music.input(h.on_music_pick, inputs=[create.music],
                           outputs=[create.music_player], show_progress="hidden",
                           api_name=False)
        create.change_music.click(
            h.on_change_music, inputs=[state.session, state.creation, create.result_music],
            outputs=_unique([create.chat, *actions_out]), api_name="change_music")
        create.remove_music.click(
            h.on_remove_music, inputs=[state.session, state.creation],
            outputs=_unique([create.chat, *actions_out]), api_name="remove_music")
        create.share.click(h.on_share, inputs=[state.session, state.creation],
                           outputs=[create.share_box], api_name="share")

        styles.gallery.select(
            h.on_style_pick, inputs=[state.session],
            outputs=[state.picked_style, styles.preview, styles.info, styles.use_style],
            api_name=False)
        styles.use_style.click(h.on_use_style, inputs=[state.session, state.picked_style],
                               outputs=_unique([page.tabs, create.chat, *shot_out]),
                               api_name=False)

        detail_out = [state.picked_video, videos.detail, videos.player, videos.info,
                      videos.mp4, videos.gif, videos.share_box, videos.revoke,
                      state.armed_delete, videos.delete]
        videos.gallery.select(h.on_video_pick, inputs=[state.session, state.video_ids],
                              outputs=detail_out, api_name=False)
        videos.share.click(h.on_video_share, inputs=[state.session, state.picked_video],
                           outputs=[videos.share_box, videos.revoke], api_name=False)
        videos.revoke.click(h.on_video_revoke, inputs=[state.session, state.picked_video],
                            outputs=[videos.share_box, videos.revoke], api_name=False)
        videos.delete.click(
            h.on_video_delete, inputs=[state.session, state.picked_video, state.creation,
                                       state.armed_delete],
            outputs=_unique([*videos_out, videos.detail, state.picked_video, create.chat,
                             *actions_out, state.armed_delete, videos.delete]),
            api_name=False)

        # The operator's Settings tab; each handler checks the operator itself.
        key_out = [settings.key, settings.note, settings.status, page.header]
        settings.save.click(h.on_save_key, inputs=[state.session, settings.key],
                            outputs=key_out, api_name=False, show_progress="hidden")
        settings.key.submit(h.on_save_key, inputs=[state.session, settings.key],
                            outputs=key_out, api_name=False, show_progress="hidden")
        settings.remove.click(h.on_remove_key, inputs=[state.session], outputs=key_out,
                              api_name=False, show_progress="hidden")
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
