"""The repository itself (issue 6, point 5).

- No raw HTML in the dashboard: no `unsafe_allow_html`, `st.html` or HTML components
  anywhere (CSV text reaches the page only through markdown escaped by webapp.md_text,
  tables, and plotly labels escaped by charts.plot_text). A justified use would have to be
  listed in ALLOWED_RAW_HTML with its reason: only the constant focus-ring stylesheet.
- No SQL built from values: queries are .sql files with bound parameters; the only SQL
  assembled in Python is the loader's, from its own table names.
- No secrets in any tracked file: nothing shaped like a private key, a cloud or service
  token, or a password assigned in code or config.
"""
from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED_RAW_HTML: dict[str, str] = {  # "path": "why it is safe"
    "cipdash/page_style.py": "one constant stylesheet (the keyboard focus ring); no text from files or people",
}
RAW_HTML = re.compile(r"unsafe_allow_html|\bst\.html\(|components\.(v1|html|iframe|declare_component)|"
                      r"st\.components|\.html\(\s*f?[\"']")


def tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / p for p in out.decode().split("\0") if p]


def python_files() -> list[Path]:
    return [p for p in tracked() if p.suffix == ".py" and p.exists()]


def test_no_raw_html_anywhere():
    found = []
    for path in python_files():
        rel = str(path.relative_to(ROOT))
        if rel == "tests/test_hostile_repository.py" or rel in ALLOWED_RAW_HTML:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if RAW_HTML.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    assert found == [], "raw HTML in the dashboard: justify it in ALLOWED_RAW_HTML or remove it\n" + "\n".join(found)


def test_sql_is_built_from_values_only_in_the_loader_from_its_own_names():
    """Every f-string or %-formatted string passed to execute() is in store.py and only
    interpolates the loader's table names and the column types it read from DuckDB."""
    allowed = {("cipdash/store.py", name) for name in ("name", "select", "t", "c")}
    allowed.add(("cipdash/db.py", "name"))  # Snapshot.query: the name of a .sql file, given by code
    found = []
    for path in python_files():
        rel = str(path.relative_to(ROOT))
        if not (rel.startswith("cipdash/") or rel.startswith("pages/") or rel == "dashboard.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("execute", "sql", "query")):
                continue
            for arg in node.args[:1]:
                if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mod):
                    found.append(f"{rel}:{node.lineno}: %-formatted SQL")
                for v in ast.walk(arg):
                    if isinstance(v, ast.FormattedValue):
                        names = {n.id for n in ast.walk(v.value) if isinstance(n, ast.Name)}
                        if not names or not all((rel, n) in allowed for n in names):
                            found.append(f"{rel}:{node.lineno}: SQL built from {ast.unparse(v.value)}")
    assert found == [], "\n".join(found)
    store = (ROOT / "cipdash" / "store.py").read_text(encoding="utf-8")
    assert "for name in PLAN_TABLES" in store and "for name, frame in plan.tables().items()" in store


SECRETS = {
    "private key": re.compile(r"-----BEGIN (RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY( BLOCK)?-----"),
    "AWS access key": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    "Stripe or OpenAI key": re.compile(r"\b(sk|rk)_(live|test)_[0-9A-Za-z]{16,}\b|\bsk-[A-Za-z0-9_\-]{32,}"),
    "JSON web token": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    "Azure or connection string": re.compile(r"(AccountKey|SharedAccessSignature|Password)=[^;\s\"']{8,}", re.I),
    "password or key in code": re.compile(
        r"(?i)\b(password|passwd|pwd|secret|api[_-]?key|access[_-]?key|auth[_-]?token|client[_-]?secret)\b"
        r"\s*[:=]\s*[\"'][^\"'\s]{8,}[\"']"),
    "URL with a password": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s:@]{3,}@"),
}
SECRET_FILES = re.compile(r"(^|/)(\.env(\..*)?|secrets\.toml|id_rsa|id_ed25519|.*\.pem|.*\.p12|.*\.pfx|"
                          r"credentials(\.json)?|\.netrc|\.pypirc)$")


def test_no_secrets_in_tracked_files():
    found = []
    for path in tracked():
        rel = str(path.relative_to(ROOT))
        if SECRET_FILES.search(rel):
            found.append(f"{rel}: a file of a kind that holds secrets is tracked")
        if rel == "tests/test_hostile_repository.py" or not path.is_file():
            continue
        raw = path.read_bytes()
        if b"\0" in raw[:8192] or path.stat().st_size > 5_000_000:
            continue  # binary (images, workbooks in the corpus)
        text = raw.decode("utf-8", errors="replace")
        for what, pattern in SECRETS.items():
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{rel}:{line}: looks like a {what}: {m.group()[:40]}")
    assert found == [], "\n".join(found)


def test_the_secret_patterns_do_find_secrets():
    """The scan above is only as good as its patterns: each finds a made-up secret."""
    samples = {
        "private key": "-----BEGIN RSA PRIVATE KEY-----",
        "AWS access key": "key = AKIA" + "ABCDEFGHIJKLMNOP",
        "GitHub token": "ghp_" + "a" * 36,
        "Slack token": "xoxb-" + "1234567890-abc",
        "Google API key": "AIza" + "b" * 35,
        "Stripe or OpenAI key": "sk_live_" + "c" * 24,
        "JSON web token": "eyJ" + "d" * 12 + ".eyJ" + "e" * 12 + "." + "f" * 12,
        "Azure or connection string": "Server=x;Password=" + "hunter2hunter2",
        "password or key in code": 'API_KEY = "' + "g" * 20 + '"',
        "URL with a password": "postgres://admin:" + "s3cret@db.example/x",
    }
    for what, sample in samples.items():
        assert SECRETS[what].search(sample), what
