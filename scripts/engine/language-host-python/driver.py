"""Runs one Pulumi Python program for the small Python language host (main.go beside this).

Invoked as `python -u -c <this file> <entry>` with the engine's settings in the PULUMI_*
environment variables; exits 32 after a program error has been reported to the engine.
"""

import asyncio
import json
import os
import runpy
import sys
import traceback

import pulumi
from pulumi.errors import RunError
from pulumi.runtime.config import set_all_config
from pulumi.runtime.settings import Settings, configure
from pulumi.runtime.stack import run_in_stack

EXITED_AFTER_USER_MESSAGE = 32


def main(entry: str) -> int:
    env = os.environ
    parallel = int(env.get("PULUMI_PARALLEL") or "0")
    configure(
        Settings(
            project=env.get("PULUMI_PROJECT"),
            stack=env.get("PULUMI_STACK"),
            monitor=env["PULUMI_MONITOR"],
            engine=env.get("PULUMI_ENGINE"),
            parallel=parallel if parallel > 0 else None,
            dry_run=env.get("PULUMI_DRY_RUN") == "true",
            organization=env.get("PULUMI_ORGANIZATION"),
            root_directory=env.get("PULUMI_ROOT_DIRECTORY"),
        )
    )
    set_all_config(
        json.loads(env.get("PULUMI_CONFIG") or "{}"),
        json.loads(env.get("PULUMI_CONFIG_SECRET_KEYS") or "[]"),
    )
    sys.path.insert(0, os.path.dirname(os.path.abspath(entry)))

    def program() -> None:
        runpy.run_path(entry, run_name="__main__")

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(run_in_stack(program))
    except RunError as e:
        pulumi.log.error(str(e))
        return EXITED_AFTER_USER_MESSAGE
    except Exception:  # the program's own failure, reported to the engine as the official host does
        pulumi.log.error("Program failed with an unhandled exception:\n" + traceback.format_exc())
        return EXITED_AFTER_USER_MESSAGE
    finally:
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
