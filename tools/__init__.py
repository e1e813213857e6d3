"""Build-time tools: they make the committed assets (the music library's tracks, the style
gallery's previews) and are never imported by the app at run time.

    python -m tools.compose_music [ID ...] [--out DIR]
    python -m tools.style_gallery [--only ID ...] [--out DIR]
"""
