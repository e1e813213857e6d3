"""The music composer (build time): renders the library's tracks from their recipes in
music/library/tracks.toml into the committed OGG files. `python -m tools.compose_music`.

theory.py (keys, chords, voice leading, melodies) → arrange.py (parts as notes and drum
hits) → synth.py and drums.py (the sounds) → dsp.py (canvas, filters, reverb, mastering)
→ compose.py (a track's whole render and its file).
"""
