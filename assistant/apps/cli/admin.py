"""`ui` and `users add|list`: starting the web UI and managing who may sign in to it."""

from __future__ import annotations

import argparse
import sys

from assistant.domain.labels import role_label
from assistant.review.users import UserStore
from assistant.settings import get_settings


def add_parsers(sub: argparse._SubParsersAction) -> None:
    ui = sub.add_parser("ui", help="Web画面を起動 / start the web UI")
    ui.add_argument("--host", help="待ち受けアドレス（既定：127.0.0.1） / bind address")
    ui.add_argument("--port", type=int, help="ポート番号（既定：7860） / port")

    users = sub.add_parser("users", help="Web画面のユーザー管理 / manage web UI users")
    actions = users.add_subparsers(dest="users_command", required=True)
    add = actions.add_parser("add", help="ユーザーを登録 / add a user")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=["reviewer", "prefecture"])
    add.add_argument(
        "--prefecture", help="都道府県担当の都道府県（例：東雲県） / prefecture of a prefecture user"
    )
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="パスワードを標準入力の1行目から読む / read the password from stdin",
    )
    add.add_argument(
        "--replace", action="store_true", help="登録済みのユーザーを上書き / overwrite an existing user"
    )
    actions.add_parser("list", help="ユーザーの一覧 / list users")


def run_ui(args: argparse.Namespace) -> int:
    """Exit 2 when the configuration is unsafe (a non-loopback address without users)."""
    from assistant.apps.ui.app import UiStartError, launch

    settings = get_settings()
    try:
        launch(settings, host=args.host or settings.ui_host, port=args.port or settings.ui_port)
    except UiStartError as exc:
        print(f"エラー：{exc}", file=sys.stderr)
        return 2
    return 0


def run_users(args: argparse.Namespace) -> int:
    store = UserStore(get_settings().users_path)
    if args.users_command == "list":
        users = store.users()
        if not users:
            print(f"ユーザーは登録されていません（{store.path}）")
        for user in users:
            print(f"{user.name}\t{role_label(user)}")
        for problem in store.problems():
            print(f"注意：{problem}", file=sys.stderr)
        return 0
    if (args.role == "prefecture") != bool(args.prefecture):
        print(
            "エラー：--prefecture は都道府県担当（--role prefecture）にのみ、必ず指定してください"
            " / --prefecture is required for, and only for, --role prefecture",
            file=sys.stderr,
        )
        return 2
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        password = getpass.getpass("パスワード: ")
        if getpass.getpass("パスワード（確認）: ") != password:
            print("エラー：パスワードが一致しません / passwords do not match", file=sys.stderr)
            return 1
    try:
        user = store.add(
            args.name, password, role=args.role, prefecture=args.prefecture, replace=args.replace
        )
    except ValueError as exc:
        print(f"エラー：{exc}", file=sys.stderr)
        return 1
    print(f"登録しました：{user.name}（{role_label(user)}） → {store.path}")
    return 0
