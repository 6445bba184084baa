"""``tabkit spec schema`` prints the spec's JSON Schema; ``tabkit spec check SPEC`` checks a
spec (every problem at once) without running it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``spec`` subcommand."""
    spec = subparsers.add_parser(
        "spec",
        help="the spec format: print its JSON Schema, or check a spec without running it",
        description="Editors that validate TOML against a JSON Schema (taplo, Even Better TOML) "
        "check a spec as it is typed: add `#:schema ./spec.schema.json` as a spec's first line after "
        "`tabkit spec schema > spec.schema.json`. Every key: docs/spec.md.",
    )
    actions = spec.add_subparsers(dest="action", metavar="ACTION", required=True)
    schema = actions.add_parser("schema", help="print the JSON Schema of a pipeline spec")
    schema.set_defaults(handler=_schema)
    check = actions.add_parser("check", help="check a spec (files and columns included) without running it")
    check.add_argument("spec", type=Path, help="the spec file")
    check.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    check.set_defaults(handler=_check)


def _schema(args: argparse.Namespace) -> int:
    from tabkit.pipeline.spec.reference import schema_text

    sys.stdout.write(schema_text())
    return 0


def _check(args: argparse.Namespace) -> int:
    from tabkit.pipeline.spec import SpecError, load_spec

    try:
        spec = load_spec(args.spec, args.overrides)
    except SpecError as exc:
        print(f"tabkit spec check: {exc}", file=sys.stderr)
        return 2
    print(f"{args.spec}: a valid {spec.task} spec with {len(spec.models)} model(s)")
    return 0
