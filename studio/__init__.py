"""The front end: the Gradio studio (one module per tab), the command line, and their settings."""
