"""Build hook: ship the checkout's prompts/, corpus/ and labelled plans inside the package.

They stay in their top-level folders (the source of truth, edited there); a wheel gets a copy under
``assistant/_bundled/``. Editable installs skip the copy: they read the checkout directly.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = {
    "prompts": ("*.md",),
    "corpus/guidelines": ("*.md", "*.txt", "*.pdf"),
    "corpus/samples": ("*.yaml", "*.pdf"),
    "corpus": ("NOTES.md",),
    "evals/data/plans": ("*.yaml", "*.pdf"),
}


class BuildWithBundledData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "assistant" / "_bundled"
        for folder, patterns in BUNDLED.items():
            for pattern in patterns:
                for path in sorted((ROOT / folder).glob(pattern)):
                    dest = target / folder / path.name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, dest)


setup(cmdclass={"build_py": BuildWithBundledData})
