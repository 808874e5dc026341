"""The layers of docs/architecture.md are checked by tools, and the tools catch a step upwards.

``make lint`` runs import-linter (imports, also inside functions) and
scripts/check_template_layers.py (``{% load %}``, ``{% include %}``, ``{% extends %}``). Here each
runs on a copy of the project with one deliberate upward dependency, and must refuse it.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "core", "tasks", "news", "programs", "home", "members", "site", "scripts")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture
def project_copy(tmp_path):
    for name in APPS:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def check_templates(cwd: Path) -> subprocess.CompletedProcess:
    script = cwd / "scripts" / "check_template_layers.py"
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False)


def test_the_project_keeps_its_layers():
    imports = lint_imports(ROOT)
    assert imports.returncode == 0, imports.stdout
    assert "BROKEN" not in imports.stdout
    templates = check_templates(ROOT)
    assert templates.returncode == 0, templates.stdout


def test_an_import_of_members_inside_a_function_of_programs_fails_the_lint(project_copy):
    models = project_copy / "programs" / "models.py"
    sneaky = "\n\ndef _sneaky():\n    from members.enrollment import seats_for\n\n    return seats_for\n"
    models.write_text(models.read_text() + sneaky)
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "programs is not allowed to import members" in result.stdout
    assert "programs.models -> members.enrollment" in result.stdout


def test_the_outbox_importing_a_domain_app_fails_the_lint(project_copy):
    outbox = project_copy / "tasks" / "outbox.py"
    outbox.write_text(outbox.read_text() + "\n\ndef _sneaky():\n    import news.models  # noqa\n")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "tasks is not allowed to import news" in result.stdout


def test_a_content_template_loading_members_tags_fails_the_check(project_copy):
    template = project_copy / "news" / "templates" / "news" / "news_article_page.html"
    template.write_text("{% load checkin_tags %}" + template.read_text())
    result = check_templates(project_copy)
    assert result.returncode == 1
    expected = "news/templates/news/news_article_page.html:1: news may not use the library 'checkin_tags' of members"
    assert expected in result.stdout


def test_news_including_a_template_of_programs_fails_the_check(project_copy):
    template = project_copy / "news" / "templates" / "news" / "news_article_page.html"
    template.write_text(template.read_text() + '\n{% include "programs/tags/upcoming_trainings.html" %}\n')
    result = check_templates(project_copy)
    assert result.returncode == 1
    assert "news may not use the template 'programs/tags/upcoming_trainings.html' of programs" in result.stdout


def test_a_module_over_400_lines_says_at_its_top_why():
    too_long = []
    for name in APPS:
        for path in (ROOT / name).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            head = text[: text.find('"""', 3) + 3] if text.startswith('"""') else ""
            if text.count("\n") > 400 and "Longer than 400 lines on purpose" not in head:
                too_long.append(path.relative_to(ROOT).as_posix())
    assert too_long == []
