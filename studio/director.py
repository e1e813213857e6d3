"""The director: the whole story of one request, from an idea to a finished video.

`Director.render` reads top to bottom as that story; each step it calls does one thing
and lives in the folder whose job it is.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Callable

from PIL import Image

from agent.conversation import Conversation, Reply, Session
from agent.formula import estimate_tokens
from agent.rewriter import FormulaRewriter, Rewrite, StyleHints, parts_given
from agent.shot import Music, ShotSpec
from errors import InputError
from music.soundtrack import ChosenTrack
from video.engines.base import Engine
from video.engines.pool import EnginePool
from video.engines.preview import OnPreview
from video.intake import fit, load_image
from video.post import Grade, finish
from video.shape import ClipShape, plan_shape, reframe
from video.types import Clip, FinishedVideo, GenerationRequest, LoraSpec


class Stage(StrEnum):
    """The steps of a render, in order, as progress reports name them."""

    REWRITING = "rewriting"
    GENERATING = "generating"
    MUSIC = "music"
    POST_PRODUCTION = "post-production"


STAGES = tuple(Stage)
# on_progress(stage, fraction, detail): fraction in [0, 1]. Raising
# errors.GenerationCancelled from it stops the render; nothing is written.
Progress = Callable[[Stage, float, str], None]


@dataclass(frozen=True)
class RenderOptions:
    """The caller's explicit choices; None means the engine's or the model's default.
    The clip's aspect and duration are the ShotSpec's (they are part of the idea)."""

    engine: str = "auto"
    model: str | None = None
    steps: int | None = None
    frames: int | None = None  # an exact frame count (4k+1), over the spec's duration
    guidance: float | None = None
    fps: int = 16  # of the finished video; frames are interpolated up to it
    upscale: int = 2
    fit: str = "crop"  # how a photo meets the frame: "crop" (around its subject) or "letterbox"


@dataclass
class RenderResult:
    """What one render produced, and how."""

    spec: ShotSpec
    prompt: str
    negative_prompt: str
    engine: str
    model: str
    seed: int
    video: FinishedVideo
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    test_pattern: bool = False
    track: ChosenTrack | None = None  # the soundtrack (music/), None for a silent video
    rewrite: Rewrite | None = None  # the rewriter's answer: backend, reply, untranslated words


@dataclass(frozen=True)
class Styling:
    """What a style contributes to a render."""

    prompt: str
    negative_prompt: str = ""
    lora: LoraSpec | None = None
    grade: Grade | None = None
    music_moods: tuple[str, ...] = ()  # the style's moods for the soundtrack, best first
    guidance: float | None = None  # the style's guidance; the caller's own value wins
    lora_models: tuple[str, ...] = ()  # models the LoRA was trained on; empty means any

    def lora_for(self, model: str) -> LoraSpec | None:
        """The LoRA if it fits the model (a LoRA trained on one model breaks another)."""
        return self.lora if not self.lora_models or model in self.lora_models else None


class Director:
    """Turns a ShotSpec into a finished video with the engines it is given."""

    def __init__(self, engines: EnginePool, *, rewriter=None, styles=None, music=None):
        self.engines = engines
        self.rewriter = rewriter  # the prompt rewriter (agent/); None: the offline formula
        self.styles = styles  # the style presets (styles/)
        self.music = music  # the soundtrack library and selector (music/)
        self._formula = FormulaRewriter()  # loads its vocabularies on first use
        self.conversation = Conversation(rewriter or self._formula, hints_for=self.style_hints)

    def use_rewriter(self, rewriter) -> None:
        """Write prompts with `rewriter` from the next message on (the operator's platform
        key changed, and with it the chat model that may write them)."""
        self.rewriter = rewriter
        self.conversation = Conversation(rewriter or self._formula, hints_for=self.style_hints)

    def render(self, spec: ShotSpec, out_path: Path, options: RenderOptions = RenderOptions(),
               on_progress: Progress | None = None,
               on_preview: OnPreview | None = None) -> RenderResult:
        """The story of a request: rewrite → style → generate → music → post-production.

        on_preview(Preview) gets rough frames while an engine that can preview renders.
        """
        progress = on_progress or (lambda stage, fraction, detail: None)
        timings: dict[str, float] = {}
        started = time.perf_counter()

        # 1. Rewrite the idea into the formula prompt (camera → scene → details).
        progress(Stage.REWRITING, 0.0, spec.idea)
        draft = self.draft(spec)
        spec = draft.spec
        seed = spec.seed if spec.seed is not None else secrets.randbelow(2**31)
        spec = spec.with_changes(seed=seed)

        # 2. Let the style condition what the generator is asked for.
        styling = self.style(spec)

        # 3. Choose the engine, shape the clip (aspect, length) and build the request.
        task = "i2v" if spec.source_image else "t2v"
        engine = self.engines.get(options.engine, task)
        photo = load_image(spec.source_image) if spec.source_image else None
        shape = self.shape(engine, spec, options, photo)
        request = self.build_request(engine, spec, styling, options, shape=shape, photo=photo)
        timings["prepare"] = time.perf_counter() - started

        # 4. Generate the frames, cut to the aspect if the model renders one size only. Once
        #    the engine steps (its model is loaded), an "auto" soundtrack's selector loads
        #    beside it, so step 5 does not wait for it.
        clip = reframe(self.generate(engine, request, progress, on_preview,
                                     once_stepping=self.music_ahead(spec)), shape)
        timings.update({f"engine.{k}": v for k, v in clip.timings.items()})

        # 5. Soundtrack: pick music for the idea and style (fitted to the clip in step 6).
        track = self.soundtrack(spec, styling, progress, timings)

        # 6. Post-production: interpolate, grade, upscale, encode with the music, poster.
        progress(Stage.POST_PRODUCTION, 0.0, "")
        video = finish(clip, Path(out_path), grade=styling.grade, upscale=options.upscale,
                       target_fps=options.fps,
                       audio=self.music.fitted(track) if track is not None else None,
                       learned=self.engines.post_networks())
        timings.update({f"post.{k}": v for k, v in video.timings.items()})
        progress(Stage.POST_PRODUCTION, 1.0, "")

        timings["total"] = time.perf_counter() - started
        return RenderResult(spec=spec, prompt=styling.prompt,
                            negative_prompt=styling.negative_prompt, engine=engine.name,
                            model=clip.model, seed=seed, video=video,
                            warnings=[*draft.warnings, *shape.warnings, *clip.warnings],
                            timings=timings, test_pattern=clip.test_pattern, track=track,
                            rewrite=draft)

    # --- the steps -------------------------------------------------------------------------

    def rewrite(self, spec: ShotSpec) -> ShotSpec:
        """The spec with its prompt parts filled in: camera → scene → details."""
        return self.draft(spec).spec

    def draft(self, spec: ShotSpec) -> Rewrite:
        """The rewriter's whole answer: the filled spec, which backend wrote it, what it
        chose and why, words it did not understand, warnings. Parts the spec already has
        are kept. A spec without a seed gets one here, so the prompt and the render agree."""
        if not spec.idea.strip() and not parts_given(spec):
            raise InputError("the idea is empty; describe what the video should show")
        if spec.seed is None:
            spec = spec.with_changes(seed=secrets.randbelow(2**31))
        rewriter = self.rewriter or self._formula
        return rewriter.rewrite(spec, self.style_hints(spec.style))

    def style_hints(self, style: str | None) -> StyleHints | None:
        """The camera and lighting a style preset suggests to the rewriter, and the tokens
        its template adds around the prompt (so the two fit the encoder together)."""
        if self.styles is None or style is None:
            return None
        preset = self.styles.get(style)
        before, _, after = preset.prompt_template.partition("{prompt}")
        return StyleHints(camera=tuple(preset.camera_hints),
                          lighting=tuple(preset.lighting_hints),
                          reserve_tokens=estimate_tokens(f"{before} {after}"),
                          names=(("en", preset.name("en")), ("zh", preset.name("zh"))))

    def chat(self, session: Session, text: str, *, image: Path | None = None,
             style: str | None = None) -> Reply:
        """One chat turn: a new idea, a refinement, draw again, music, generate or share
        (see agent.conversation). The caller renders `reply.spec` when the intent asks."""
        return self.conversation.turn(session, text, image=image, style=style)

    def style(self, spec: ShotSpec) -> Styling:
        """What the chosen style preset (styles/) adds: its prompt template and negative
        prompt, guidance, LoRA, colour grade and music moods. No style: the prompt as is."""
        if self.styles is None or spec.style is None:
            return Styling(prompt=spec.prompt)
        preset = self.styles.get(spec.style)  # an unknown id is an InputError listing them
        styled = self.styles.apply(preset, spec.prompt)
        lora = preset.lora
        return Styling(prompt=styled.prompt, negative_prompt=styled.negative_prompt,
                       lora=self.styles.lora_for(preset), grade=self.styles.grade_for(preset),
                       music_moods=preset.music_moods, guidance=preset.guidance,
                       lora_models=lora.base_models if lora else ())

    def music_ahead(self, spec: ShotSpec) -> Callable[[], object] | None:
        """What loads the music selector's model ahead of the soundtrack step: only for an
        "auto" soundtrack ("none", a track id or a file need no selector). It must start
        after the engine's own load: two model loads at once wait for each other anyway
        (model_loading.py), and the render should not wait for the music."""
        if self.music is None or spec.music != Music.AUTO:
            return None
        return lambda: self.music.prefetch(spec.music)

    def soundtrack(self, spec: ShotSpec, styling: Styling, progress: Progress,
                   timings: dict[str, float]) -> ChosenTrack | None:
        """Choose the music by spec.music ("auto", "none", a track id or an audio file);
        None leaves the video silent. Post-production fits it to the clip as it encodes."""
        if self.music is None or spec.music == Music.NONE:
            return None
        started = time.perf_counter()
        progress(Stage.MUSIC, 0.0, spec.music)
        text = spec.idea if spec.prompt == spec.idea else f"{spec.idea}. {spec.prompt}"
        chosen = self.music.choose(spec.music, text, styling.music_moods)
        timings["music"] = time.perf_counter() - started
        progress(Stage.MUSIC, 1.0, chosen.title if chosen else "none")
        return chosen

    @staticmethod
    def shape(engine: Engine, spec: ShotSpec, options: RenderOptions,
              photo: Image.Image | None = None) -> ClipShape:
        """The clip's size and length: the spec's aspect (a photo's own for "auto") and
        duration at the model's pixel budget and frame rate; --frames wins over duration."""
        task = "i2v" if spec.source_image else "t2v"
        return plan_shape(engine.defaults(task, options.model), spec.aspect, spec.duration,
                          frames=options.frames, photo=photo.size if photo else None)

    @staticmethod
    def build_request(engine: Engine, spec: ShotSpec, styling: Styling, options: RenderOptions,
                      *, shape: ClipShape | None = None,
                      photo: Image.Image | None = None) -> GenerationRequest:
        """The engine's request: the styled prompt at the shape's size and length."""
        task = "i2v" if spec.source_image else "t2v"
        defaults = engine.defaults(task, options.model)
        if spec.source_image and photo is None:  # checked and decoded once
            photo = load_image(spec.source_image)
        shape = shape or Director.shape(engine, spec, options, photo)
        size = shape.framing.width, shape.framing.height
        return GenerationRequest(
            prompt=styling.prompt, negative_prompt=styling.negative_prompt,
            image=fit(photo, *size, mode=options.fit) if photo is not None else None,
            frames=shape.frames, fps=defaults.fps, width=size[0], height=size[1],
            steps=_given(options.steps, defaults.steps),
            guidance=_given(options.guidance, _given(styling.guidance, defaults.guidance)),
            seed=spec.seed, lora=styling.lora_for(defaults.model), model=defaults.model)

    @staticmethod
    def generate(engine: Engine, request: GenerationRequest, progress: Progress,
                 on_preview: OnPreview | None = None, *,
                 once_stepping: Callable[[], object] | None = None) -> Clip:
        """Run the engine, reporting each step as progress of the 'generating' stage;
        `once_stepping` is called at the first step (the engine has loaded its model)."""
        progress(Stage.GENERATING, 0.0, f"0/{request.steps}")
        first_step = once_stepping

        def on_step(i: int, n: int) -> None:
            nonlocal first_step
            if first_step is not None:
                start, first_step = first_step, None
                start()
            progress(Stage.GENERATING, i / n, f"{i}/{n}")

        return engine.generate(request, on_step=on_step, on_preview=on_preview)


def _given(value, default):
    """The caller's value when given (0 included), else the default."""
    return default if value is None else value

