"""Secrets set during a run never reach the store, logs, archives or messages; no request goes to a
private or loopback address found in a page; off-site links are not followed."""

import gzip
import json
import subprocess
import sys

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest

from crawler.private_hosts import PrivateAddressMiddleware, is_private_host
from tests.faults.site import FaultySite, Reply
from tests.faults.trials import CLEAN_AIR, HUB, FAST, SPIDER, serve, site_pages
from tests.helpers import glocal

pytestmark = pytest.mark.faults

SECRETS = {
    "GLOCAL_SMTP_USER": "user-3b9d-never-print",
    "GLOCAL_SMTP_PASSWORD": "pw-7f3a9c1e-never-print",
    "GLOCAL_SLACK_OPS": "https://hooks.slack.com/services/T0/B0/slack-4d2b8e-never-print",
}
# The alert rules name the variables; the crawl loads them (alerts/rules.py) and routes its changes.
RULES = """
[channels.researchers]
type = "email"
host = "127.0.0.1"
port = 2525
security = "plain"
from = "glocal-watch <alerts@example.org>"
to = ["team@example.org"]
username_env = "GLOCAL_SMTP_USER"
password_env = "GLOCAL_SMTP_PASSWORD"

[channels.ops]
type = "slack"
webhook_url_env = "GLOCAL_SLACK_OPS"

[[rules]]
name = "everything"
kinds = ["signature.added", "instrument.added", "signature.removed", "health.failed"]
channels = ["researchers", "ops"]
delivery = "immediate"
"""


def every_byte_written(folder) -> bytes:
    """Everything a run left on disk, WARC members decompressed."""
    chunks = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.name.endswith(".gz"):
                data = gzip.decompress(data)
            chunks.append(data)
    return b"\n".join(chunks)


def test_secrets_in_the_environment_never_leak(tmp_path):
    pages = site_pages(clean_air_changed=False, good_food_changed=False)
    with FaultySite() as site:
        serve(site, pages, {CLEAN_AIR: [Reply(status=500, body=b"error")]})  # errors are logged too
        host_map = json.dumps({"www.c40.org": site.address})
        rules = tmp_path / "rules.toml"
        rules.write_text(RULES)
        env = {**SECRETS, "GLOCAL_ALERTS": str(rules)}
        crawl = glocal("crawl", SPIDER, "--db", tmp_path / "glocal.db", "--host-map", host_map, *FAST, "-v", env=env)
        requests = [json.dumps(seen.headers) for seen in site.requests]
    assert crawl.returncode == 1  # the 500 makes it unhealthy
    outputs = [crawl.stdout, crawl.stderr, *requests]
    for command in (["changes", "--all"], ["spiders"], ["signatories", "clean-air"]):
        result = glocal(*command, "--db", tmp_path / "glocal.db", env=env)
        outputs += [result.stdout, result.stderr]
    written = every_byte_written(tmp_path).replace(RULES.encode(), b"")  # the rules name variables only
    assert len(written) > 100_000  # the store, its log and the WARC of the run are all there
    for secret in SECRETS.values():
        assert secret.encode() not in written
        assert all(secret not in output for output in outputs)


LINKS = """
<p><a href="http://127.0.0.1:{port}/accelerators/loopback/">a</a>
<a href="http://localhost:{port}/accelerators/localhost/">b</a>
<a href="http://169.254.169.254/latest/meta-data/">c</a>
<a href="http://10.0.0.7/accelerators/private/">d</a>
<a href="http://[::1]:{port}/accelerators/ipv6/">e</a>
<a href="https://www.c40.org@127.0.0.1:{port}/accelerators/userinfo/">f</a>
<a href="http://2130706433:{port}/accelerators/decimal/">g</a>
<a href="https://evil.example.org/accelerators/offsite/">h</a>
<a href="https://c40.org.evil.example.org/accelerators/lookalike/">i</a></p>
"""


def test_links_to_private_addresses_and_other_hosts_are_never_requested(tmp_path):
    pages = site_pages(clean_air_changed=False, good_food_changed=False)
    with FaultySite() as site, FaultySite() as canary:
        port = canary.address.split(":")[1]
        hub = pages[HUB].replace(b"</main>", LINKS.format(port=port).encode() + b"</main>")
        serve(site, {**pages, HUB: hub})
        serve(canary, {path: b"<html><body>canary</body></html>" for path in
                       ["/accelerators/loopback/", "/accelerators/offsite/", "/latest/meta-data/"]})
        # every host a page names is routed to the canary: a request that escaped would land there
        hosts = ["127.0.0.1", "localhost", "169.254.169.254", "10.0.0.7", "::1", "2130706433", "evil.example.org",
                 "c40.org.evil.example.org"]
        host_map = json.dumps({"www.c40.org": site.address, **{h: canary.address for h in hosts}})
        result = glocal("crawl", SPIDER, "--db", tmp_path / "glocal.db", "--host-map", host_map, *FAST)
        assert canary.requests == []
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://127.1.2.3:8080/x", "http://localhost/", "http://api.localhost/",
    "http://169.254.169.254/latest/", "http://10.1.2.3/", "http://192.168.0.1/", "http://172.16.0.1/",
    "http://[::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://2130706433/",
    "http://0x7f000001/", "http://100.64.0.1/",
])
def test_the_guard_refuses_private_and_loopback_hosts(url):
    with pytest.raises(IgnoreRequest, match="private or loopback"):
        PrivateAddressMiddleware().process_request(Request(url))


@pytest.mark.parametrize("url", ["https://www.c40.org/accelerators/", "https://8.8.8.8/", "https://[2001:4860::8888]/",
                                 "https://unfccc.int/", "https://1e100.net/"])
def test_the_guard_lets_public_hosts_through(url):
    assert PrivateAddressMiddleware().process_request(Request(url)) is None
    assert not is_private_host(Request(url).url.split("/")[2].strip("[]"))


def test_the_guard_runs_in_every_crawl():
    code = ("from crawler.runner import crawl_settings; "
            "print(crawl_settings(db_path='x.db').getdict('DOWNLOADER_MIDDLEWARES'))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'crawler.private_hosts.PrivateAddressMiddleware': 50" in output
