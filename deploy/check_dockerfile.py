"""Run deploy/Dockerfile's build steps and its offline sample job without Docker.

Where no Docker daemon (or no base image registry) is at hand, this follows the Dockerfile
itself: it copies what each COPY names into a fresh folder (the image's WORKDIR), creates a
clean virtual environment, runs each `RUN pip install` there, then runs the sample job the
Dockerfile's header documents and `glocal schedule --list`. Steps it cannot reproduce without a
container (the base image, `useradd`, USER, VOLUME) are printed as skipped.

    python deploy/check_dockerfile.py [--keep]
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def steps(dockerfile: Path) -> list[tuple[str, str]]:
    """(instruction, arguments) of each line, continuation lines joined."""
    joined, current = [], ""
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("#") or not line.strip():
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            joined.append(current.strip())
            current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in joined]


def main(argv: list[str]) -> int:
    work = Path(tempfile.mkdtemp(prefix="glocal-image-"))
    app, data = work / "app", work / "data"
    app.mkdir()
    data.mkdir()
    env = {"PATH": f"{app / '.venv' / 'bin'}:/usr/bin:/bin", "HOME": str(data)}
    subprocess.run([sys.executable, "-m", "venv", str(app / ".venv")], check=True)
    for instruction, args in steps(ROOT / "deploy" / "Dockerfile"):
        if instruction == "ENV":
            for assignment in shlex.split(args):
                name, _, value = assignment.partition("=")
                env[name] = value.replace("/data", str(data))
        elif instruction == "COPY":
            *sources, target = shlex.split(args)
            for source in sources:
                origin = ROOT / source
                destination = app / target if not target.endswith("/") and len(sources) == 1 else app / origin.name
                if target.startswith("./") and target != "./" and len(sources) == 1:
                    destination = app / target[2:]
                if origin.is_dir():
                    shutil.copytree(origin, destination, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(origin, destination)
            print(f"COPY {args}: done")
        elif instruction == "RUN" and args.startswith("pip "):
            subprocess.run([str(app / ".venv" / "bin" / "pip"), *shlex.split(args)[1:]], cwd=app, env=env, check=True)
            print(f"RUN {args}: done")
        else:
            print(f"{instruction} {args}: skipped (needs a container)")
    glocal = str(app / ".venv" / "bin" / "glocal")
    for command in ([glocal, "crawl", "--all", "--replay", "sample.warc.gz"], [glocal, "status"],
                    [glocal, "schedule", "--list"]):
        print("$", " ".join(Path(c).name if c == glocal else c for c in command))
        result = subprocess.run(command, cwd=app, env=env, capture_output=True, text=True)
        print(result.stdout + result.stderr, end="")
        if result.returncode != 0:
            print(f"failed with exit status {result.returncode}")
            return 1
    if "--keep" not in argv:
        shutil.rmtree(work)
    print("the Dockerfile's build steps and its offline sample job ran in a clean virtual environment")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
