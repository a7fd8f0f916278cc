"""Opening the system for one CLI command, on whatever NATS the data dir has."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from adapters.bootstrap import QuorumSystem
from adapters.config import Config
from adapters.runtime import DataDirBusy, nats_for_command
from cli.errors import CommandError


def config_of(args: argparse.Namespace) -> Config:
    return Config(data_dir=args.data_dir)


@contextmanager
def command_system(
    args: argparse.Namespace, *, with_reports: bool = False
) -> Iterator[QuorumSystem]:
    config = config_of(args)
    try:
        with nats_for_command(config.data_dir, config.nats_url) as url:
            system = QuorumSystem(config, url, with_reports=with_reports)
            try:
                yield system
            finally:
                system.close()
    except DataDirBusy as e:
        raise CommandError(str(e)) from None
