"""The README stays a short guide by task; the reference it links exists."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAX_LINES = 250


def _links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [m.split("#")[0] for m in re.findall(r"\]\(([^)\s]+)\)", text)
            if not re.match(r"[a-z]+://", m) and not m.startswith("#")]


def test_readme_is_at_most_250_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_LINES, (
        f"README.md has {len(lines)} lines (at most {MAX_LINES}): move reference "
        f"material to docs/ and link it")


def test_readme_links_every_docs_file_and_each_link_exists():
    links = _links(README)
    docs = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")}
    missing = [link for link in links if not (ROOT / link).exists()]
    assert not missing, f"README.md links files that do not exist: {missing}"
    unlinked = sorted(docs - set(links))
    assert not unlinked, f"docs files the README does not link: {unlinked}"


def test_links_between_docs_exist():
    broken = [f"{doc.name}: {link}" for doc in (ROOT / "docs").glob("*.md")
              for link in _links(doc) if link and not (doc.parent / link).exists()]
    assert not broken, f"broken links in docs/: {broken}"
