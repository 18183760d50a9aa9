"""What an attacker or an operator meets: throttled sign-ins, headers, hidden mail pages."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "the-right-password-1"


@pytest.fixture
def reviewer(bob):
    bob.set_password(PASSWORD)
    bob.save()
    return bob


def _sign_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_ten_wrong_passwords_lock_out_even_the_right_one(client, reviewer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "bob", "wrong").status_code == 200  # the form again
    assert _sign_in(client, "bob", "wrong").status_code == 429  # the last one locks

    locked = _sign_in(client, "bob", PASSWORD)

    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_address_guessing_many_users_is_locked_out_too(client, reviewer, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, f"someone{n}", "wrong")
    assert _sign_in(client, "bob", PASSWORD).status_code == 429


def test_an_admin_lifts_a_lockout(client, reviewer, settings):
    from axes.utils import reset

    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "bob", "wrong")
    reset(username="bob")
    reset(ip="127.0.0.1")

    assert _sign_in(client, "bob", PASSWORD).status_code == 302


def test_a_right_password_resets_the_count(client, reviewer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "bob", "wrong")
    assert _sign_in(client, "bob", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "bob", "wrong")
    assert _sign_in(client, "bob", PASSWORD).status_code == 302


def test_password_reset_is_not_offered_without_mail(client, db):
    assert client.get("/accounts/password_reset/").status_code == 404


PAGES = ["/", "/claims/", "/review/next/", "/sources/", "/accounts/login/", "/admin/login/"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_sends_a_strict_content_security_policy(client, bob, seed, url):
    client.force_login(bob)
    policy = client.get(url)["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize(
    "url", ["/", "/claims/", "/claims/export.csv?all=1", "/decisions/export.csv", "/sources/"]
)
def test_pages_and_exports_of_a_signed_in_user_are_not_cached(client, bob, seed, url):
    client.force_login(bob)
    cache_control = client.get(url)["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


def test_no_template_carries_an_inline_style_or_script():
    from pathlib import Path

    for path in Path("templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "style=" not in text, path
        assert "<script>" not in text and " on" + "click=" not in text, path


def test_a_user_can_still_change_their_password(client, db):
    user = UserFactory(username="eve")
    client.force_login(user)
    assert client.get("/accounts/password_change/").status_code == 200
