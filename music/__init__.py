"""Music: the built-in library, the selector, fitting and muxing a track onto a clip."""
