"""The ``tabkit`` command: ``tabkit data``, ``tabkit run``, ``tabkit export`` and ``tabkit report``.

Each subcommand's arguments and behaviour live with the package that owns them
(``register(subparsers)`` in a ``command`` module); this module only assembles them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

import tabkit

COMMAND_MODULES = (
    "tabkit.datasets.command",
    "tabkit.pipeline.command",
    "tabkit.pipeline.export_command",
    "tabkit.pipeline.spec.command",
    "tabkit.report.command",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tabkit`` command, with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="tabkit",
        description="Tabular machine learning in the fast.ai tradition: data, pipeline runs, reports.",
    )
    parser.add_argument("--version", action="version", version=f"tabkit {tabkit.__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
