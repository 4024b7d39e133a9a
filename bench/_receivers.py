"""The alert receivers of tests/alerts/support.py (aiosmtpd, a Slack-style webhook), served from a
child process of their own, so that their work (parsing a 500-line digest, answering) is not
counted in the sender's time, as it would be if they shared its interpreter and its GIL.

    with Receivers() as far:        # far.smtp_port, far.webhook_url
        ...send...
    far.report                      # {"mails": [...raw bytes counts...], "posts": [...], ...}

Not a benchmark itself (no `run`): `python -m bench` skips modules whose name starts with "_".
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Receivers:
    def __enter__(self) -> "Receivers":
        self.process = subprocess.Popen([sys.executable, "-m", "bench._receivers"], cwd=ROOT, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        ready = json.loads(self.process.stdout.readline())
        self.smtp_port, self.webhook_url = ready["smtp_port"], ready["webhook_url"]
        self.report: dict = {}
        return self

    def __exit__(self, *exc) -> None:
        self.process.stdin.close()  # tells the child to report and stop
        line = self.process.stdout.readline()
        self.process.wait(timeout=30)
        self.report = json.loads(line) if line else {}


def _serve() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.alerts.support import SlackReceiver, SmtpServer

    with SmtpServer() as smtp, SlackReceiver() as slack:
        print(json.dumps({"smtp_port": smtp.port, "webhook_url": slack.url}), flush=True)
        sys.stdin.read()  # until the parent closes our stdin
        report = {"mails": len(smtp.messages),
                  "mail_lines": sum(m.original_content.count(b" signed the ") for m in smtp.messages),
                  "posts": len(slack.delivered), "arrivals": [r.at for r in slack.delivered]}
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    _serve()
