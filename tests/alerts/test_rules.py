"""The rules file: validated at load, every mistake named with its file, line and key."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from alerts.rules import load_config, parse_delivery
from kit.errors import NotConfigured
from tests.alerts.support import load_rules

GOOD = """\
[settings]
timezone = "Europe/Paris"

[channels.team]
type = "email"
host = "smtp.glocal.test"
security = "ssl"
from = "alerts@glocal.test"
to = ["team@glocal.test"]
username_env = "SMTP_USER"
password_env = "SMTP_PASSWORD"

[channels.ops]
type = "slack"
webhook_url_env = "HOOK"

[[rules]]
name = "signings"
kinds = ["signature.added", "health.failed"]
channels = ["team"]

[[rules]]
name = "digest"
kinds = ["event.added"]
channels = ["ops"]
delivery = "weekly mon 08:30"
"""
ENV = {"SMTP_USER": "bot", "SMTP_PASSWORD": "s3cret", "HOOK": "https://hooks.slack.com/services/T/B/abc"}


def test_a_good_file_loads(tmp_path):
    config = load_rules(tmp_path, GOOD, ENV)
    assert sorted(config.channels) == ["ops", "team"]
    assert [r.name for r in config.rules] == ["signings", "digest"]
    assert config.channels["team"].options["port"] == 465  # the SSL default
    assert str(config.rules[1].delivery) == "weekly mon 08:30"


def test_secrets_come_from_the_environment_and_stay_out_of_repr(tmp_path):
    config = load_rules(tmp_path, GOOD, ENV)
    assert config.channels["team"].secrets == {"username": "bot", "password": "s3cret"}
    assert "s3cret" not in repr(config) and "abc" not in repr(config.channels["ops"])


@pytest.mark.parametrize("edit,message", [
    (('channels = ["team"]', 'channels = ["tema"]'), "line 20: rules[0].channels: unknown channel 'tema' (channels: ops, team)"),
    (('"health.failed"', '"signature.addd"'), "line 19: rules[0].kinds: unknown change kind 'signature.addd'"),
    (('delivery = "weekly mon 08:30"', 'delivery = "every tuesday"'), "line 26: rules[1].delivery: 'every tuesday' is not a delivery"),
    (('security = "ssl"', 'security = "tls"'), "line 7: channels.team.security: 'tls' is not one of plain, starttls, ssl"),
    (('to = ["team@glocal.test"]', 'to = ["nobody"]'), "line 9: channels.team.to: needs one or more email addresses"),
    (('type = "slack"', 'type = "pager"'), "line 14: channels.ops.type: channel 'ops' needs type"),
    (('name = "digest"', 'name = "digest"\ncolour = "red"'), "line 24: rules[1].colour: unknown key"),
    (('timezone = "Europe/Paris"', 'timezone = "Mars/Olympus"'), "line 2: settings.timezone: 'Mars/Olympus' is not a time zone"),
    (('name = "digest"', 'name = "signings"'), "line 23: rules[1].name: rule name 'signings' is used twice"),
    # a port smtplib would refuse only when sending (the webhook URL's port is checked at load too)
    (('security = "ssl"', 'security = "ssl"\nport = 99999'), "line 8: channels.team.port: must be a whole number from 1 to 65535"),
    (('timezone = "Europe/Paris"', 'max_attempts = 1000000000000000000000'),
     "line 2: settings.max_attempts: must be a whole number from 1 to 1000000"),
])
def test_a_mistake_names_the_line_and_key(tmp_path, edit, message):
    with pytest.raises(NotConfigured) as error:
        load_rules(tmp_path, GOOD.replace(*edit), ENV)
    assert str(error.value).startswith(str(tmp_path / "alerts.toml") + ", ")
    assert message in str(error.value)


def test_a_missing_secret_names_the_variable(tmp_path):
    with pytest.raises(NotConfigured, match="line 11: channels.team.password_env: the environment variable "
                                            "SMTP_PASSWORD is not set"):
        load_rules(tmp_path, GOOD, {"SMTP_USER": "bot", "HOOK": ENV["HOOK"]})


@pytest.mark.parametrize("url", ["hooks.slack.com/services/T/B/abc", "ftp://hooks.slack.com/x/y", "https://", "http://hooks.slack.com/services/T/B/abc"])
def test_a_malformed_webhook_url_is_refused_without_printing_it(tmp_path, url):
    with pytest.raises(NotConfigured) as error:
        load_rules(tmp_path, GOOD, {**ENV, "HOOK": url})
    assert "line 15: channels.ops.webhook_url_env: $HOOK" in str(error.value)
    assert url not in str(error.value) or url == "https://"


def test_bad_toml_says_where(tmp_path):
    with pytest.raises(NotConfigured, match=r"not valid TOML: .*line 3"):
        load_rules(tmp_path, "[settings]\ntimezone = 'UTC'\nthis is not toml\n", ENV)


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(NotConfigured, match="cannot read the alert configuration"):
        load_config(tmp_path / "nope.toml")


PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("delivery,moment,end", [
    ("hourly", datetime(2026, 11, 9, 8, 16, tzinfo=timezone.utc), datetime(2026, 11, 9, 9, 0, tzinfo=timezone.utc)),
    ("daily 08:00", datetime(2026, 11, 9, 6, 59, tzinfo=timezone.utc), datetime(2026, 11, 9, 7, 0, tzinfo=timezone.utc)),
    ("daily 08:00", datetime(2026, 11, 9, 7, 0, tzinfo=timezone.utc), datetime(2026, 11, 10, 7, 0, tzinfo=timezone.utc)),
    ("weekly mon 08:00", datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc),
     datetime(2026, 11, 16, 7, 0, tzinfo=timezone.utc)),
])
def test_digest_periods_end_in_the_configured_time_zone(delivery, moment, end):
    assert parse_delivery(delivery).period_end(moment, PARIS) == end
