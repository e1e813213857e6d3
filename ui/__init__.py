"""UI: Gradio Blocks wiring and presentation."""
