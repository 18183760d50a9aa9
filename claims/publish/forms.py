"""Forms of the public pages and of the editor's publish buttons: they validate, never save."""

from django import forms

from claims.publish.selectors import parse_cursor

#: Every reason a user types is kept in the audit trail; this long and no longer.
REASON_MAX = 2000


class IndexForm(forms.Form):
    """The review index's query string: where the page starts."""

    after = forms.CharField(required=False, max_length=40)

    def clean_after(self) -> str:
        after = self.cleaned_data["after"]
        if after:
            try:
                parse_cursor(after)
            except ValueError as exc:
                raise forms.ValidationError(f"Not a page of this list: {exc}.") from None
        return after


class PublishForm(forms.Form):
    """Publish or unpublish a claim's review: the version seen, and an optional reason."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX,
        widget=forms.TextInput,
        help_text="Optional; kept in the audit trail.",
    )
