"""Chat UI (chainlit) and embeddable widget.

- `mount_ui(app, settings)` (ui/mount.py) mounts the chainlit app under /chat of a FastAPI app and adds
  GET /widget.js, which loads chainlit's Copilot widget on any site.
- `essbot ui` and `essbot feedback export` are click commands in ui/commands.py.
- The chainlit callbacks live in ui/app.py; chainlit loads that file itself, by path.

Nothing here imports chainlit at package import time: chainlit reads its configuration directory when it is
first imported, so ui/mount.py prepares that directory before importing it.
"""
