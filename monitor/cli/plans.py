"""`gates plans`: the built-in session plans and the coach's own; `gates plans show NAME` prints one
as TOML to copy into the data directory's plans/ folder and edit."""

from __future__ import annotations

import argparse
import sys

from monitor.cli.options import UsageError, load_plan, plan_notes, plans_dir, user_plans


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", choices=("show",), help="show: print one plan as TOML")
    parser.add_argument("name", nargs="?", metavar="NAME|FILE", help="the plan to show")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from monitor.session import plans

    if args.action is None:
        if args.name is not None:
            raise UsageError(f"{args.name!r}: say `gates plans show {args.name}`")
        for name in plans.TEMPLATES:
            plan = plans.template(name)
            print(f"{name:<14} {plan.description}")
        own = user_plans()
        for name, path in own.items():
            try:
                description = load_plan(str(path)).description
            except UsageError as err:
                description = f"(cannot be used: {err})"
            print(f"{name:<14} {description} [{path}]")
        print(f"\nyour own plans: {plans_dir()}/NAME.toml (start from `gates plans show NAME`)", file=sys.stderr)
        return 0
    if args.name is None:
        raise UsageError("show needs a plan: gates plans show NAME (`gates plans` lists them)")
    plan = load_plan(args.name, option="")
    if args.name in plans.TEMPLATES:
        sys.stdout.write(plans.TEMPLATES[args.name])
    else:
        path = user_plans().get(args.name)
        sys.stdout.write((path.read_text(encoding="utf-8") if path is not None else
                          open(args.name, encoding="utf-8").read()))
    print("\n".join(plan_notes(plan)), file=sys.stderr)
    return 0
