"""Uploaded plans leave Gradio's cache as soon as they have been read.

Gradio keeps every upload in its cache folder and serves it at ``/gradio_api/file=…`` to any signed-in
user who has the link, for as long as the file is there. A plan is confidential, so the handlers
delete the upload (or move it into the data folder, which Gradio is told never to serve) once it
has been assessed.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

from gradio.utils import get_upload_folder


def _in_upload_folder(path: Path) -> bool:
    return path.resolve().is_relative_to(Path(get_upload_folder()).resolve())


def discard_upload(path: Path) -> None:
    """Delete an upload and its per-upload folder; files outside Gradio's upload folder are left alone."""
    if not _in_upload_folder(path):
        return
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # another upload may share the folder
        path.parent.rmdir()


def take_upload(path: Path, folder: Path) -> Path:
    """Move an upload into ``folder`` under its own (original) name, in a subfolder of its own so two
    uploads with one name do not clash; a path that is not an upload is used where it is."""
    if not _in_upload_folder(path):
        return path
    target = folder / str(len(list(folder.iterdir())) if folder.exists() else 0) / path.name
    target.parent.mkdir(parents=True)
    shutil.move(path, target)
    discard_upload(path)
    return target
