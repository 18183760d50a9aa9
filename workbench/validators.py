"""The one rule for a URL anyone gives the workbench: absolute, http or https.

Every entry point uses it — the source form, the admin, the review form's evidence URL, the
source CSV import, the services — so `ftp://…` or a scheme-less `example.com/path` is refused
the same way everywhere (a browser would read the latter as a path on this site).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

MESSAGE = "Enter a full web address starting with http:// or https://."
_VALIDATOR = URLValidator(schemes=["http", "https"], message=MESSAGE)


def validate_http_url(value: str) -> None:
    """Raise ValidationError unless `value` is an absolute http(s) URL."""
    _VALIDATOR(value)


def is_http_url(value: str) -> bool:
    try:
        validate_http_url(value)
    except ValidationError:
        return False
    return True


class HttpUrlField(forms.CharField):
    """A form field for an http(s) URL that never guesses a missing scheme."""

    default_validators = [validate_http_url]

    def __init__(self, *, max_length: int = 2000, **kwargs) -> None:
        kwargs.pop("assume_scheme", None)  # what a model URLField passes its form field
        super().__init__(max_length=max_length, strip=True, **kwargs)
