"""Agent: the conversation, the ShotSpec and the prompt rewriter."""
