"""The code in the documentation runs: every ```python block of docs/*.md and README.md.

The blocks of one page run in order in one namespace (a page reads like a session), in a fresh
temporary working directory, after ``ember.manual_seed(0)``. A block whose first line is
``# doctest: skip`` is not run (only for what a test machine may lack, e.g. a GPU). Tracebacks
point at the page's own line numbers. Relative links between the pages must resolve.
"""
import os
import pathlib
import re

import pytest

import ember

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
SKIP = "# doctest: skip"
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```", flags=re.S | re.M)
REQUIRED = ["getting-started", "tensors", "autograd", "nn", "optim", "data", "devices",
            "serialization", "vision", "porting"]


def blocks(path):
    """(first line number, code) of every ```python block of the page."""
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in BLOCK.finditer(text)]


def _name(path):
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_page_code_runs(page, tmp_path, monkeypatch, capsys):
    found = blocks(page)
    if not found:
        pytest.skip("no python blocks")
    monkeypatch.chdir(tmp_path)
    ember.manual_seed(0)
    namespace = {"__name__": "__docs__"}
    ran = 0
    for line, code in found:
        if code.lstrip().startswith(SKIP):
            continue
        # pad so that line numbers in a traceback are the page's own
        source = "\n" * (line - 1) + code
        exec(compile(source, str(page), "exec"), namespace)
        ran += 1
    capsys.readouterr()
    if not ran:
        pytest.skip("every python block of the page is marked '# doctest: skip'")


def test_skipped_blocks_are_rare():
    skipped = [(_name(p), line) for p in PAGES for line, code in blocks(p)
               if code.lstrip().startswith(SKIP)]
    total = sum(len(blocks(p)) for p in PAGES)
    assert len(skipped) <= max(3, total // 10), skipped


def test_the_guide_pages_exist_and_have_code():
    for name in REQUIRED:
        page = ROOT / "docs" / f"{name}.md"
        assert page.exists(), f"docs/{name}.md is missing"
        assert blocks(page), f"docs/{name}.md has no python example"


LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_relative_links_resolve(page):
    text = page.read_text(encoding="utf-8")
    # links inside code blocks are code, not links
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = target.split("#", 1)[0]
        assert (page.parent / path).exists(), f"{_name(page)}: broken link {target}"


def test_readme_quick_start_trains_the_digits():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    first = re.findall(r"```bash\n(.*?)```", quick, flags=re.S)[0].strip()
    assert first == ("python3 -m venv .venv && .venv/bin/pip install . && "
                     ".venv/bin/python -m ember.examples.digits")


def test_console_script_is_declared():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^\[project\.scripts\]\s*\nember-train = "ember\.examples\.digits:main"',
                     text, flags=re.M)
    from ember.examples.digits import main
    assert callable(main)
