"""Command-line interface: a thin layer over :class:`assistant.api.ReviewAssistant`.

Exit codes: 0 success, 1 a processing failure the user can act on (bad file, partial batch),
2 usage errors (argparse's convention).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Sequence

from assistant.domain.errors import ReviewAssistantError
from assistant.settings import apply_process_env

from . import admin, batch, core, evaluate, review


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="review-assistant", description="地域産業成長プラン等の審査支援")
    sub = parser.add_subparsers(dest="command", required=True)
    admin.add_parsers(sub)
    core.add_parsers(sub)
    review.add_parser(sub)
    batch.add_parser(sub)
    evaluate.add_parser(sub)
    return parser


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "ui": admin.run_ui,
    "users": admin.run_users,
    "index": core.run_index,
    "search": core.run_search,
    "ask": core.run_ask,
    "assess": core.run_assess,
    "demo-seed": core.run_demo_seed,
    "review": review.run,
    "batch": batch.run,
    "evaluate": evaluate.run,
}


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        # `review-assistant … | head` should end quietly when the reader stops, as other tools do.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = build_parser().parse_args(argv)
    apply_process_env()
    try:
        return _COMMANDS[args.command](args)
    except ReviewAssistantError as exc:
        print(f"エラー：{getattr(exc, 'message', None) or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
