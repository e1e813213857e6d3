"""Presentation: stored data → what the page shows (chat lines, HTML, captions).

Pure functions of their arguments, so they are tested without a browser. Every piece of
user text that ends up in HTML goes through `html.escape`.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from pathlib import Path

from store.creations import Creation, Message
from studio.i18n import Strings
from studio.messages import Choice, choice_name, escape_markdown


@dataclass(frozen=True)
class EngineState:
    """What the header says about rendering here."""

    name: str | None  # the engine text-to-video resolves to; None when nothing can render
    test_pattern: bool = False
    problem: str = ""  # what to set up, when name is None


def chat_messages(history: list[Message], creations: dict[str, Creation],
                  strings: Strings, language: str) -> list[dict]:
    """Stored chat lines → gr.Chatbot messages (videos and photos as file parts)."""
    messages: list[dict] = []
    for message in history:
        if message.role == "user":
            text = escape_markdown(message.text) if message.text else ""
            if message.attachment is not None and message.attachment.is_file():
                content = [{"path": str(message.attachment), "mime_type": _image_mime(
                    message.attachment)}]
                if text:
                    content.append(text)
                messages.append({"role": "user", "content": content})
            else:
                messages.append({"role": "user", "content": text or "…"})
            continue
        creation = creations.get(message.creation_id) if message.creation_id else None
        if creation is not None and creation.mp4.is_file():
            messages.append({"role": "assistant", "content": [
                message.text, {"path": str(creation.mp4), "mime_type": "video/mp4"}]})
        elif message.had_creation or (message.creation_id and creation is None):
            messages.append({"role": "assistant",
                             "content": f"{message.text}\n\n*{strings.text(language, 'video_deleted')}*"})
        else:
            messages.append({"role": "assistant", "content": message.text})
    return messages


def _image_mime(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return {"jpg": "image/jpeg", "jpeg": "image/jpeg"}.get(suffix, f"image/{suffix}")


# Stages the director reports, in order; 'queued' comes before them.
STAGE_KEYS = {"queued": "stage_queued", "rewriting": "stage_rewriting",
              "generating": "stage_generating", "post-production": "stage_post",
              "music": "stage_music", "done": "stage_done", "failed": "stage_failed"}


def progress_html(strings: Strings, language: str, stage: str, fraction: float, detail: str,
                  eta_s: float | None, position: int, preview_uri: str = "") -> str:
    """The progress card: stage, bar, step count, time left, or the place in line; and the
    live preview (a data: URI from ui/live_preview.py) while the engine renders."""
    t = lambda key, **v: strings.text(language, key, **v)  # noqa: E731
    label = t(STAGE_KEYS.get(stage, "stage_queued"))
    percent = max(0.0, min(1.0, fraction)) * 100
    bits = []
    loading = stage == "generating" and detail.split("/", 1)[0].strip() in ("", "0")
    if loading:  # no step done yet: the engine is loading (not "step 0 of 2", issue #19)
        label = t("stage_loading")
    if stage == "queued" and position > 0:
        bits.append(t("queue_position", n=position))
    elif stage == "generating" and "/" in detail and not loading:
        step, total = detail.split("/", 1)
        bits.append(t("step_count", step=html.escape(step), total=html.escape(total)))
    if eta_s is not None and stage not in ("done", "failed"):
        bits.append(t("eta", time=format_seconds(eta_s, language)))
    elif stage not in ("done", "failed", "queued"):
        bits.append(t("eta_unknown"))
    meta = " · ".join(bits)
    return (f'<div class="cw-progress" data-stage="{html.escape(stage)}" '
            f'data-fraction="{fraction:.3f}" role="progressbar" '
            f'aria-valuenow="{percent:.0f}" aria-valuemin="0" aria-valuemax="100">'
            f'<div class="cw-progress-top"><span class="cw-stage">{html.escape(label)}</span>'
            f'<span class="cw-meta">{meta}</span></div>'
            f'<div class="cw-bar"><div class="cw-fill" style="width:{percent:.1f}%"></div>'
            f'</div>{_live(preview_uri, t("live_preview"))}</div>')


def _live(uri: str, label: str) -> str:
    if not uri.startswith("data:image/webp;base64,"):  # only what ui/live_preview.py makes
        return ""
    return (f'<figure class="cw-live"><img src="{html.escape(uri)}" alt="{html.escape(label)}">'
            f'<figcaption>{html.escape(label)}</figcaption></figure>')


def format_seconds(seconds: float, language: str) -> str:
    """'about 12 s' / '约 12 秒', minutes beyond 90 s."""
    seconds = max(0.0, seconds)
    if language == "zh":
        return f"约 {seconds:.0f} 秒" if seconds < 90 else f"约 {seconds / 60:.0f} 分钟"
    return f"about {seconds:.0f} s" if seconds < 90 else f"about {seconds / 60:.0f} min"


def header_html(strings: Strings, language: str, engine: EngineState | None) -> str:
    """The page header: the name, the tagline and an honest engine badge."""
    t = lambda key, **v: strings.text(language, key, **v)  # noqa: E731
    if engine is None:
        badge = f'<span class="cw-badge cw-badge-wait">{html.escape(t("engine_checking"))}</span>'
        notice = ""
    elif engine.name is None:
        badge = f'<span class="cw-badge cw-badge-none">{html.escape(t("engine_none"))}</span>'
        notice = (f'<div class="cw-notice" id="cw-engine-notice"><b>{html.escape(t("engine_none_title"))}'
                  f'</b> {html.escape(t("engine_none_hint"))}</div>')
    else:
        kind = "cw-badge-test" if engine.test_pattern else "cw-badge-ok"
        text = t("engine_test", name=engine.name) if engine.test_pattern else \
            t("engine_active", name=engine.name)
        badge = f'<span class="cw-badge {kind}" id="cw-engine">{html.escape(text)}</span>'
        notice = ""
    # data-starting: the card ui/page.js shows the moment Generate is pressed
    return (f'<div class="cw-header" data-starting="{html.escape(t("stage_starting"))}">'
            f'<div class="cw-brand"><span class="cw-logo">影</span>'
            f'<div><div class="cw-title">Clipwright <span class="cw-title-zh">影匠</span></div>'
            f'<div class="cw-tagline">{html.escape(t("tagline"))}</div></div></div>'
            f'{badge}</div>{notice}')


def creation_caption(creation: Creation, styles: list[Choice], language: str) -> str:
    """A My videos card's caption: title · style · date · length (issue #19: the date,
    engine and prompt showed only once a card was opened)."""
    style = choice_name(styles, creation.style, language)
    day = time.strftime("%Y-%m-%d", time.localtime(creation.created_at))
    return " · ".join(filter(None, [creation.title, style, day, f"{creation.duration:.0f} s"]))


def download_name(creation: Creation, suffix: str) -> str:
    """The name a download is saved under: the idea's words and the day it was made,
    e.g. "cheetah-in-the-grass-2026-12-05.mp4" (letters of any language kept)."""
    words = re.sub(r"[^\w]+", "-", creation.idea.lower()).strip("-_")[:48].strip("-_")
    day = time.strftime("%Y-%m-%d", time.localtime(creation.created_at))
    return f"{words or 'video'}-{day}{suffix}"


def creation_details(strings: Strings, language: str, creation: Creation,
                     styles: list[Choice], tracks: list[Choice]) -> str:
    """My videos' detail card (Markdown): prompt, style, track, date, engine."""
    t = lambda key, **v: strings.text(language, key, **v)  # noqa: E731
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(creation.created_at))
    engine = escape_markdown(creation.engine)
    if creation.model and creation.model != creation.engine:  # not "tiny (tiny)"
        engine += f" ({escape_markdown(creation.model)})"
    lines = [f"### {escape_markdown(creation.title)}", "",
             f"**{t('field_prompt')}** · {escape_markdown(creation.prompt)}  ",
             f"**{t('field_style')}** · {escape_markdown(choice_name(styles, creation.style, language) or t('style_none'))}  ",
             f"**{t('field_music')}** · {escape_markdown(choice_name(tracks, creation.track, language) or t('music_none'))}  ",
             f"**{t('field_date')}** · {when}  ",
             f"**{t('field_engine')}** · {engine}, "
             f"{t('field_seed')} {creation.seed}, {creation.width}×{creation.height}, "
             f"{creation.duration:.1f} s"]
    if creation.test_pattern:
        lines.extend(["", f"*{t('test_pattern_note')}*"])
    return "\n".join(lines)


def notice_html(text: str) -> str:
    """Why an action could not start, shown where the action is (not a passing toast)."""
    return f'<div class="cw-notice" id="cw-start-notice" role="alert">⚠️ {html.escape(text)}</div>'


def share_html(strings: Strings, language: str, url: str | None) -> str:
    """The share box: the link, a copy button and an open link; empty without a link."""
    if not url:
        return ""
    t = lambda key, **v: strings.text(language, key, **v)  # noqa: E731
    safe = html.escape(url, quote=True)
    copy_js = ("navigator.clipboard&&navigator.clipboard.writeText(this.dataset.url);"
               f"this.textContent={html.escape(repr(t('copied')), quote=True)}")
    return (f'<div class="cw-share"><span class="cw-share-label">{html.escape(t("share_ready"))}'
            f'</span><a class="cw-share-link" href="{safe}" target="_blank" rel="noopener">'
            f'{safe}</a><button class="cw-copy" data-url="{safe}" onclick="{copy_js}">'
            f'{html.escape(t("copy_link"))}</button></div>')
