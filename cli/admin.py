"""`quorum admin add|list|remove|api-secret`: administrator accounts (not server users)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from cli.context import command_system
from cli.errors import CommandError
from domain.shared.actor import Actor, acting_as
from domain.shared.errors import DomainError

CLI_ACTOR = Actor(kind="system", name="cli")


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    admin = commands.add_parser("admin", help="administrator accounts")
    actions = admin.add_subparsers(dest="action", required=True)

    add = actions.add_parser("add", parents=[common], help="create an administrator")
    add.add_argument("name")
    add.add_argument("--role", choices=("admin", "security"), default="admin")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(run=add_admin)

    listing = actions.add_parser("list", parents=[common], help="list administrators")
    listing.set_defaults(run=list_admins)

    remove = actions.add_parser("remove", parents=[common], help="remove an administrator")
    remove.add_argument("name")
    remove.set_defaults(run=remove_admin)

    secret = actions.add_parser(
        "api-secret", parents=[common], help="show the API secret key (guide §12.2)"
    )
    secret.set_defaults(run=show_api_secret)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise CommandError("the passwords differ")
    return first


def add_admin(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    with command_system(args) as system, acting_as(CLI_ACTOR):
        try:
            account = system.admins.add(args.name, args.role, password)
        except DomainError as e:
            raise CommandError(str(e)) from None
    print(f"administrator {account.name!r} added with role {account.role!r}")
    print('log in with: POST /api/v4/admin/session {"login": ..., "password": ...}')
    return 0


def list_admins(args: argparse.Namespace) -> int:
    with command_system(args) as system:
        system.runners["admins"].catch_up()
        rows = system.admins_directory.list()
    for row in sorted(rows, key=lambda r: r.name):
        last = row.last_login_at.isoformat() if row.last_login_at else "never"
        print(f"{row.name}\t{row.role}\tlast login: {last}")
    return 0


def remove_admin(args: argparse.Namespace) -> int:
    with command_system(args) as system, acting_as(CLI_ACTOR):
        try:
            system.admins.remove(args.name)
        except DomainError as e:
            raise CommandError(str(e)) from None
    print(f"administrator {args.name!r} removed")
    return 0


def show_api_secret(args: argparse.Namespace) -> int:
    with command_system(args) as system:
        system.secrets.ensure()
        secret = system.keystore.read("api_secret")
    print(secret)
    return 0
