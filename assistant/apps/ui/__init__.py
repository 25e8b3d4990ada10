"""The web UI (Gradio): 質問, 審査 and 一括 tabs over the library API."""
