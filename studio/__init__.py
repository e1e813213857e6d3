"""The application: what Clipwright does, whichever door a request came in by.

    services.py     build(settings) → Parts; open_services(parts) → Services: the one wiring
    director.py     Director.render: the story of one request (rewrite → style → generate →
                    music → post-production), with Stage and RenderOptions
    jobs.py         the durable job queue's workers; job_records.py what a job is to its owner
    session.py      Studio: a browser session's chat, its current shot and its renders
    library.py      a session's creations: published by the worker, music, shares, delete
    publish.py      a finished job → a creation (files first, then one row per job)
    browser.py      who is on the page (SessionInfo)
    catalog.py      the styles and tracks as the chat names them (Choices)
    messages.py     the Markdown the chat writes; i18n.py + strings.toml its words
    music_picks.py  tracks suggested for a shot, a finished video's soundtrack swapped

Nothing here imports Gradio, FastAPI, ui/ or api/ (tests/test_architecture.py checks)."""
