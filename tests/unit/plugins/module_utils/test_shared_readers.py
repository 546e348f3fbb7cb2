"""Helpers the modules share since the merge clean-up: one time parser (strict for input, tolerant for answers),
one rule for a notifier's secret settings, one way to register a learned secret."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ansible_collections.scalingo.cloud.plugins.module_utils._database_reads import backup_time, parse_time
from ansible_collections.scalingo.cloud.plugins.module_utils._notify import secret_values
from ansible_collections.scalingo.cloud.plugins.module_utils._wiring import PRIVATE_TYPE_DATA, shown_type_data
from ansible_collections.scalingo.cloud.tests.unit.plugins.module_utils.test_client import make_client

AT = datetime(2026, 7, 18, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["2026-07-18T23:00:00Z", "2026-07-18t23:00:00z", "2026-07-19 01:00:00+02:00", "2026-07-18T23:00:00.000Z"]
)
def test_an_rfc3339_time_reads_the_same_strict_or_not(text):
    assert parse_time(text, strict=True) == parse_time(text) == AT


def test_another_iso8601_form_is_refused_as_input_and_read_in_an_answer():
    assert parse_time("20260718T230000Z", strict=True) is None
    assert parse_time("20260718T230000Z") == AT


@pytest.mark.parametrize("text", ["2026-07-18T23:00:00", "yesterday", "", None, 1784415600])
def test_a_time_without_an_offset_or_not_a_time_is_none_in_both_modes(text):
    assert parse_time(text) is None
    assert parse_time(text, strict=True) is None


def test_a_backup_without_a_readable_time_is_the_oldest():
    assert backup_time({"created_at": "2026-07-18T23:00:00Z"}) == AT.timestamp()
    assert backup_time({"created_at": "soon"}) == backup_time({}) == float("-inf")


def test_app_info_hides_every_setting_the_notifier_module_calls_secret():
    notifier = {
        "type_data": {
            "webhook_url": "https://hooks.example.com/T0/B0/xyz",
            "api_token": "not-a-url-but-a-token",
            "callback_url": "hooks.example.com/abc",
            "phone_number": "+33600000000",
            "emails": ["ops@example.com"],
        }
    }
    shown = {key: shown_type_data(key, value) for key, value in notifier["type_data"].items()}
    assert shown == {
        "webhook_url": "https://hooks.example.com...",
        "api_token": "...",
        "callback_url": "...",
        "phone_number": "...",
        "emails": ["ops@example.com"],
    }
    kept = secret_values(notifier, PRIVATE_TYPE_DATA)
    assert sorted(kept) == sorted(v for k, v in notifier["type_data"].items() if k != "emails")
    assert "+33600000000" not in secret_values(notifier)  # the notifier module shows the number it was given


def test_keep_secret_skips_empty_values_and_values_kept_already(fake_clock):
    client = make_client(fake_clock)
    client.keep_secret("s3cr3t-value", None, "", "s3cr3t-value", "other-secret")
    client.keep_secret("other-secret")
    assert client.secret_values == ("s3cr3t-value", "other-secret")
