"""Video: engines that turn a GenerationRequest into a Clip, post-production and encoding."""
