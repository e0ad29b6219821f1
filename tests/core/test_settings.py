"""Settings: every numeric setting is read once, in core.config.Settings, and a bad value is a
ConfigError that names the variable."""

import pytest

from core.config import ConfigError, load_settings

NUMERIC = {"MAIL_PORT": 2525, "MAIL_TIMEOUT": 2.5, "MAIL_BATCH_SIZE": 7, "MAIL_MAX_ATTEMPTS": 3,
           "MAIL_RETRY_BASE_SECONDS": 1.5, "MAIL_RETRY_MAX_SECONDS": 90.0,
           "MAIL_LEASE_SECONDS": 60.0, "MAIL_POLL_SECONDS": 0.5, "PORTAL_PORT": 5050,
           "CONSOLE_PORT": 8600, "SMTP_CATCHER_PORT": 2526}


def test_numeric_settings_have_documented_defaults(monkeypatch):
    for name in NUMERIC:
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.mail_worker_config() == {
        "MAIL_TIMEOUT": 10.0, "MAIL_BATCH_SIZE": 50, "MAIL_MAX_ATTEMPTS": 8,
        "MAIL_RETRY_BASE_SECONDS": 30.0, "MAIL_RETRY_MAX_SECONDS": 3600.0,
        "MAIL_LEASE_SECONDS": 300.0, "MAIL_POLL_SECONDS": 2.0}
    assert (settings.mail_port, settings.portal_port, settings.console_port,
            settings.smtp_catcher_port) == (1025, 5000, 8501, 1025)


def test_numeric_settings_are_read_from_the_environment(monkeypatch):
    for name, value in NUMERIC.items():
        monkeypatch.setenv(name, f" {value} ")
    settings = load_settings()
    assert {name: getattr(settings, name.lower()) for name in NUMERIC} == NUMERIC


@pytest.mark.parametrize("name", sorted(NUMERIC))
@pytest.mark.parametrize("value", ["abc", "-3", "1e9"])
def test_a_bad_value_names_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert str(raised.value).startswith(f"{name} must be ") and repr(value) in str(raised.value)
