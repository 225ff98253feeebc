"""UI: the ``rag`` command line and the Gradio web chat (app builder, views, index watcher)."""
