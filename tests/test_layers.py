"""The project's layering, checked by reading every module's imports with `ast` (no Django, no database).

From the ground up, an app may import its own modules and any lower layer, never a higher one nor a peer:

    level 0  core
    level 1  catalog
    level 2  tracker, enrichment    (peers: neither imports the other)
    level 3  playlists
    level 4  demo, web              (peers: neither imports the other)

`config` wires them together and may import anything; nothing but `config` imports `config`.
`manage.py`, `bench/`, `docs/` and `tests/` are outside the rules; migrations name apps by string and are skipped.
"""

import ast
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEVELS = {"core": 0, "catalog": 1, "tracker": 2, "enrichment": 2, "playlists": 3, "demo": 4, "web": 4}
PACKAGES = (*LEVELS, "config")
NOT_FOR_MODELS = ("services", "selectors", "views", "api", "tasks")
DYNAMIC_IMPORTERS = {"import_module", "import_string"}
URL_TAG = re.compile(r"\{%-?\s*url\b")


@dataclass(frozen=True)
class Import:
    path: str  # the importing file, relative to the root
    line: int
    module: str  # the imported module, absolute and dotted
    eager: bool  # runs at import time: module level, outside TYPE_CHECKING, not a dotted-path string

    def __str__(self):
        return f"{self.path}:{self.line} imports {self.module}"


def project_files(root=ROOT, packages=PACKAGES):
    """Every `*.py` of the given top-level packages, migrations left out."""
    files = (path for package in packages for path in (root / package).rglob("*.py"))
    return sorted(path for path in files if "migrations" not in path.relative_to(root).parts)


def module_name(root, path):
    """`a/b/c.py` is `a.b.c`, `a/b/__init__.py` is `a.b`."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(root, dotted):
    """Whether `dotted` names a module or package of the tree at `root`."""
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _is_type_checking(test):
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node, eager=True):
    """Yield `(node, eager)` for every node; eager turns False inside functions and `if TYPE_CHECKING:` bodies."""
    yield node, eager
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        eager = False
    if isinstance(node, ast.If) and _is_type_checking(node.test):
        children = [(child, False) for child in node.body] + [(child, eager) for child in node.orelse]
    else:
        children = [(child, eager) for child in ast.iter_child_nodes(node)]
    for child, child_eager in children:
        yield from _walk(child, child_eager)


def _call_name(call):
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _targets(root, path, node):
    """The absolute modules one import statement or dotted-path call names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = module_name(root, path).split(".")
            if path.name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, *([node.module] if node.module else [])])
        named = (".".join(filter(None, [base, alias.name])) for alias in node.names)
        return [module if is_module(root, module) else base for module in named]
    if isinstance(node, ast.Call) and _call_name(node) in DYNAMIC_IMPORTERS and node.args:
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and not arg.value.startswith("."):
            return [arg.value]
    return []


def imports(root, path):
    """Every import of one file, at any depth, plus string literals passed to import_module / import_string."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    relative = path.relative_to(root).as_posix()
    found = []
    for node, eager in _walk(tree):
        for module in dict.fromkeys(_targets(root, path, node)):
            found.append(Import(relative, node.lineno, module, eager and not isinstance(node, ast.Call)))
    return found


def layer_violations(root=ROOT):
    """Imports of a higher layer, of a peer at the same level, or of `config`, made by an app."""
    violations = []
    for path in project_files(root):
        source = path.relative_to(root).parts[0]
        for imp in imports(root, path):
            target = imp.module.split(".")[0]
            if source == "config" or target == source or target not in PACKAGES:
                continue
            if target == "config" or LEVELS[target] >= LEVELS[source]:
                violations.append(str(imp))
    return violations


def _strongly_connected(graph):
    """Tarjan's algorithm: the strongly connected components of `graph` (node -> set of nodes)."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = set()
            while node not in component:
                component.add(stack.pop())
            on_stack.difference_update(component)
            components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def import_cycles(root=ROOT):
    """Each loop of module-level imports between project modules, as the imports that close it."""
    files = {module_name(root, path): path for path in project_files(root)}
    graph, edges = {module: set() for module in files}, defaultdict(list)
    for module, path in files.items():
        for imp in imports(root, path):
            if imp.eager and imp.module in files and imp.module != module:
                graph[module].add(imp.module)
                edges[module].append(imp)
    cycles = []
    for component in _strongly_connected(graph):
        if len(component) > 1:
            inside = [str(imp) for module in sorted(component) for imp in edges[module] if imp.module in component]
            cycles.append(f"cycle among {', '.join(sorted(component))}:\n    " + "\n    ".join(inside))
    return cycles


def _forbidden_for_models(module):
    """Whether a project module is a services / selectors / views / api / tasks module (or `tasks_*` and so on)."""
    parts = module.split(".")
    return parts[0] in PACKAGES and any(
        part == name or part.startswith(f"{name}_") for part in parts[1:] for name in NOT_FOR_MODELS
    )


def models_violations(root=ROOT):
    """Imports of services, selectors, views, api or tasks modules made by `models.py` or a `models/` package."""
    violations = []
    for path in project_files(root):
        if path.name == "models.py" or "models" in path.relative_to(root).parts[:-1]:
            violations += [str(imp) for imp in imports(root, path) if _forbidden_for_models(imp.module)]
    return violations


def core_page_violations(root=ROOT):
    """Views, URLs, template tags, templates, `reverse()` calls or `{% url %}` strings found in `core`."""
    core = root / "core"
    found = [core / name for name in ("views.py", "urls.py") if (core / name).is_file()]
    found += sorted(core.glob("views_*.py")) + sorted((core / "views").rglob("*.py"))
    found += sorted((core / "templatetags").rglob("*.py"))
    found += [core / "templates"] if (core / "templates").is_dir() else []
    violations = [f"{path.relative_to(root).as_posix()} belongs to the page layer" for path in found]
    for path in project_files(root, ["core"]):
        relative = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Call) and _call_name(node) in {"reverse", "reverse_lazy"}:
                violations.append(f"{relative}:{node.lineno} calls {_call_name(node)}()")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and URL_TAG.search(node.value):
                violations.append(f"{relative}:{node.lineno} holds a {{% url %}} tag")
    return violations


def _assert_none(problems, title):
    """Fail listing every problem, one a line, so each can be fixed from the message alone."""
    if problems:
        pytest.fail(f"{title} ({len(problems)}):\n  " + "\n  ".join(problems), pytrace=False)


def test_apps_import_only_lower_layers():
    _assert_none(
        layer_violations(),
        "Imports of a higher layer, a peer or config (core < catalog < tracker, enrichment < playlists < demo, web)",
    )


def test_no_module_level_import_cycles():
    _assert_none(import_cycles(), "Module-level import cycles (move one import into the function that needs it)")


def test_models_do_not_import_services_selectors_views_api_or_tasks():
    _assert_none(models_violations(), "Models importing services, selectors, views, api or tasks modules")


def test_core_has_no_page_layer():
    _assert_none(core_page_violations(), "Page-layer pieces in core (views, URLs, template tags belong to web)")


# The checker itself: each rule must be able to fail.


def _tree(root, files):
    """Write `{relative path: source}` under `root`, with an empty `__init__.py` in every package directory."""
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        for package in path.relative_to(root).parents if path.suffix == ".py" else ():
            if package != Path(".") and not (root / package / "__init__.py").exists():
                (root / package / "__init__.py").write_text("", encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "source, module",
    [
        ("from tracker.models import Scrobble", "tracker.models"),
        ("import tracker.models", "tracker.models"),
        ("from tracker import models", "tracker.models"),
        ("def page():\n    from web.views import album", "web.views.album"),
        ("if TYPE_CHECKING:\n    from playlists.models import Playlist", "playlists.models"),
        ("from config import settings", "config.settings"),
        ("import_module('playlists.models')", "playlists.models"),
    ],
)
def test_checker_reports_a_higher_layer_import(tmp_path, source, module):
    root = _tree(
        tmp_path,
        {
            "catalog/selectors/albums.py": "from core.models import Job\nfrom . import artists\n" + source + "\n",
            "catalog/selectors/artists.py": "",
            "tracker/models.py": "from enrichment.models import x\n",
            "web/views/album.py": "",
            "config/settings.py": "",
        },
    )
    last_line = source.count("\n") + 3
    assert sorted(layer_violations(root)) == [
        f"catalog/selectors/albums.py:{last_line} imports {module}",
        "tracker/models.py:1 imports enrichment.models",  # a peer
    ]


def test_checker_reports_a_cycle_but_not_a_function_local_or_type_checking_import(tmp_path):
    root = _tree(
        tmp_path,
        {
            "tracker/selectors/journal.py": "from tracker.selectors import stats\n",
            "tracker/selectors/stats.py": "from .journal import x\n",
            "tracker/services/ingest.py": "def run():\n    from tracker.tasks import y\n",
            "tracker/tasks.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from tracker.services import ingest\n"
            "from tracker.services.ingest import run\n",
        },
    )
    assert import_cycles(root) == [
        "cycle among tracker.selectors.journal, tracker.selectors.stats:\n"
        "    tracker/selectors/journal.py:1 imports tracker.selectors.stats\n"
        "    tracker/selectors/stats.py:1 imports tracker.selectors.journal"
    ]


def test_checker_reports_models_importing_services_and_page_layer_in_core(tmp_path):
    root = _tree(
        tmp_path,
        {
            "catalog/models/__init__.py": "from catalog.services import merge\nfrom core import tasks_x\n",
            "catalog/services/merge.py": "",
            "core/tasks_x.py": "",
            "core/urls.py": "",
            "core/templatetags/tags.py": "",
            "core/templates/core/page.html": "",
            "core/clients/base.py": "from django.urls import reverse\nLINK = reverse('home')\n"
            "TAG = '{% url \"home\" %}'\n",
        },
    )
    assert models_violations(root) == [
        "catalog/models/__init__.py:1 imports catalog.services.merge",
        "catalog/models/__init__.py:2 imports core.tasks_x",
    ]
    assert core_page_violations(root) == [
        "core/urls.py belongs to the page layer",
        "core/templatetags/__init__.py belongs to the page layer",
        "core/templatetags/tags.py belongs to the page layer",
        "core/templates belongs to the page layer",
        "core/clients/base.py:2 calls reverse()",
        "core/clients/base.py:3 holds a {% url %} tag",
    ]
