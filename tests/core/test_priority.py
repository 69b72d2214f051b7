"""Background work yields the CPU to the pages: a worker and `import_history` lower their priority once."""

from core import priority


def test_background_work_lowers_its_priority_once(monkeypatch, settings):
    calls = []
    monkeypatch.setattr(priority.os, "nice", lambda increment: calls.append(increment))
    monkeypatch.setattr(priority, "_lowered", False)
    settings.BACKGROUND_NICENESS = 10
    priority.background_priority()
    priority.background_priority()
    assert calls == [10]


def test_a_niceness_of_zero_leaves_the_priority_alone(monkeypatch, settings):
    calls = []
    monkeypatch.setattr(priority.os, "nice", lambda increment: calls.append(increment))
    monkeypatch.setattr(priority, "_lowered", False)
    settings.BACKGROUND_NICENESS = 0
    priority.background_priority()
    assert calls == []
