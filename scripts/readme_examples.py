"""Run the README's console examples; check them (default) or rewrite their output (--write).

Every ```console block holds lines `$ ikz-graph …` (optionally `| head -N`) followed by their
output. `python scripts/readme_examples.py --write` refreshes the outputs after a data change;
the test suite runs the check.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", flags=re.S)


def examples(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every `$ ` line of every console block."""
    out = []
    for block in BLOCK.findall(text):
        cmd, lines = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if cmd:
                    out.append((cmd, lines))
                cmd, lines = line[2:], []
            else:
                lines.append(line)
        if cmd:
            out.append((cmd, lines))
    return out


def run(cmd: str, cwd: str | Path) -> tuple[int, list[str], str]:
    """Run one example as a user would (``python -m ikz_graph``) and return code, lines, stderr."""
    head = None
    m = re.match(r"^(.*?)\s*\|\s*head -(\d+)$", cmd)
    if m:
        cmd, head = m.group(1), int(m.group(2))
    args = shlex.split(cmd)
    if args[0] != "ikz-graph":
        raise ValueError(f"README example must start with ikz-graph: {cmd}")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("IKZ_GRAPH_BASE", None)  # as a user runs it: with the default base layer (the test suite sets none)
    r = subprocess.run([sys.executable, "-m", "ikz_graph", *args[1:]], capture_output=True, text=True,
                       cwd=cwd, env=env, timeout=300)
    lines = [x.rstrip() for x in r.stdout.splitlines()]
    return r.returncode, lines[:head] if head else lines, r.stderr


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        def refresh(match: re.Match) -> str:
            nonlocal bad
            parts = []
            for cmd, expected in examples(match.group(0)):
                code, lines, err = run(cmd, tmp)
                if code != 0:
                    print(f"FAILED ({code}): {cmd}\n{err}", file=sys.stderr)
                    bad += 1
                elif lines != [x.rstrip() for x in expected]:
                    print(f"differs: {cmd}", file=sys.stderr)
                    bad += "--write" not in argv
                parts.append("$ " + cmd + "\n" + "".join(x + "\n" for x in lines))
            return "```console\n" + "".join(parts) + "```"
        new = BLOCK.sub(refresh, text)
    if "--write" in argv and new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md updated")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
