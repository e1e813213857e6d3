"""The soundtrack moods of music/moods.toml: the ids a rewriter, an occasion or a feeling may
name (the music selector takes one as a hint). No agent module below it."""

MOODS = ("calm", "dreamy", "uplifting", "epic", "tense", "playful", "romantic", "melancholic",
         "lofi", "corporate", "chinese-traditional", "nature-ambient")
