"""`quorum …`: the command line. Each command takes --data-dir and works whether or
not `quorum serve` is running on that directory."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cli import admin, audit, events, projections, projector, serve
from cli.errors import CommandError


def data_dir_option() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("QUORUM_DATA_DIR", "var")),
        help="data directory (default $QUORUM_DATA_DIR or ./var)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = data_dir_option()
    parser = argparse.ArgumentParser(prog="quorum", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve.register(commands, common)
    admin.register(commands, common)
    projections.register(commands, common)
    events.register(commands, common)
    audit.register(commands, common)
    projector.register(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    except CommandError as e:
        print(f"quorum: {e}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
