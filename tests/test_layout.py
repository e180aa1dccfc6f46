"""The house rules, read from the source: stages import only the stages before them, no
import circles, Qt only in the GUI layer, the app never imports training or the tools."""

from __future__ import annotations

import ast

from conftest import REPO

# handcam's stages in pipeline order; a stage may import its own modules and earlier rows.
LAYERS = (
    {"errors"},
    {"labels", "system"},
    {"capture"},
    {"hands"},
    {"features"},
    {"model"},
    {"signs"},
    {"recognition", "recording"},
    {"ui"},
    {"cli", "testing"},  # testing: the fakes of every outside resource (tests, tools)
)
MAX_LINES = 430  # "about 400"


def modules() -> dict[str, set[str]]:
    """module name -> every module it imports (lazily inside functions too)."""
    found = {}
    for root in ("handcam", "training", "benchmarks", "tools"):
        for path in (REPO / root).rglob("*.py"):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            name = name.removesuffix(".__init__")
            deps = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    deps.add(node.module)
                    deps |= {f"{node.module}.{a.name}" for a in node.names}
                elif isinstance(node, ast.Import):
                    deps |= {a.name for a in node.names}
            found[name] = deps
    return found


def stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "handcam" and len(parts) > 1 else None


def layer(name: str) -> int:
    return next(i for i, group in enumerate(LAYERS) if name in group)


def test_every_stage_imports_only_earlier_stages():
    wrong = []
    for module, deps in modules().items():
        here = stage(module)
        if here is None or here in ("__main__",):
            continue
        for dep in deps:
            there = stage(dep)
            if there is None or there == here or there == "__version__":
                continue
            if layer(there) > layer(here) or (layer(there) == layer(here)):
                wrong.append(f"{module} imports {dep}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_there_are_no_import_circles():
    mods = modules()
    graph = {m: {d for d in deps if d in mods and d != m} for m, deps in mods.items()}
    seen: dict[str, int] = {}  # 1: on the current path, 2: done
    circles = []

    def visit(m: str, path: list[str]) -> None:
        seen[m] = 1
        for d in sorted(graph[m]):
            if seen.get(d) == 1:
                circles.append(" -> ".join(path[path.index(d) :] + [m, d]))
            elif d not in seen:
                visit(d, path + [m] if d not in path else path)
        seen[m] = 2

    for m in sorted(graph):
        if m not in seen:
            visit(m, [])
    assert not circles, "\n".join(circles)


def test_qt_lives_only_in_the_gui_layer_and_the_app_never_imports_training_or_tools():
    qt = ("PySide6", "pyqtgraph")
    for module, deps in modules().items():
        if module.startswith("handcam") and not module.startswith("handcam.ui"):
            assert not [d for d in deps if d.startswith(qt)], f"{module} imports Qt"
            outside = ("training", "benchmarks", "tools")
            assert not [d for d in deps if d.startswith(outside)], module
        if module.startswith("training"):
            assert not [d for d in deps if d.startswith(qt + ("benchmarks", "tools"))], module


def test_no_development_tool_inside_the_app_and_modules_stay_small():
    names = {p.stem for p in (REPO / "handcam").rglob("*.py")}
    assert not names & {"soak", "motion_bench", "motion_synth", "synth_hand", "synth_paths"}
    long = [
        f"{p.relative_to(REPO)}: {n}"
        for root in ("handcam", "training", "benchmarks", "tools")
        for p in (REPO / root).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert not long, long
