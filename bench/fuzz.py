"""Schemathesis against /api/v1/openapi.json: operations, examples, failing operations, seconds.

Runs tests/config/test_api_fuzz.py alone (the same run `make test` does), optionally with more
examples per operation and generation mode than the suite's bounded 15:

    .venv/bin/python bench/fuzz.py [EXAMPLES]
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    examples = sys.argv[1] if len(sys.argv) > 1 else "15"
    env = {**os.environ, "API_FUZZ_EXAMPLES": examples}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:logging", "tests/config/test_api_fuzz.py"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    lines = run.stdout.splitlines()
    for line in lines:
        if line.startswith("schemathesis "):
            print(line)
    print(f"pytest: {lines[-1] if lines else run.stderr.strip()[-200:]}")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
