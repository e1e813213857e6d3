"""API: the REST API mounted beside Gradio."""
