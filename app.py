"""Serve the web chat: ``python app.py [--host 127.0.0.1] [--port 7860] …`` is ``rag serve …`` (see ``rag.ui.chat``)."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

if __name__ == "__main__":
    from rag.ui.chat import main

    main()
