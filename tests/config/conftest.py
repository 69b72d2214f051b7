"""The schemathesis run's figures, printed after the run (also under `-q`)."""

import sys


def pytest_terminal_summary(terminalreporter):
    fuzz = sys.modules.get("tests.config.test_api_fuzz")  # only when that file ran
    if fuzz is not None and fuzz.FIGURES.operations:
        terminalreporter.write_line("")
        for line in fuzz.FIGURES.lines():
            terminalreporter.write_line(line)
