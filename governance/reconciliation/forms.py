"""Forms of the reconciliation pages: the upload of an extract, a lead's explanation of a
finding. The checks of the file and of the note are the services' (services.py): the forms
only ask."""

from __future__ import annotations

from typing import Any

from django import forms

from config.forms import NHSFormMixin
from config.limits import BoundedModelChoiceField


class UploadForm(NHSFormMixin, forms.Form):
    organisation = BoundedModelChoiceField(
        queryset=None,
        label="Organisation",
        help_text="You are a governance lead of more than one: choose the trust the extract "
        "comes from.",
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation the extract comes from"},
    )
    file = forms.FileField(
        label="The extract of coded episodes, as a CSV file",
        error_messages={
            "required": "Choose the extract of coded episodes to upload: a CSV file",
            "empty": "The file is empty: choose the extract of coded episodes, saved as CSV",
            "invalid": "Choose the extract of coded episodes to upload: a CSV file",
        },
    )

    field_order = ["organisation", "file"]

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(organisations) > 1:
            self.fields["organisation"].queryset = organisations
        else:
            del self.fields["organisation"]


class ExplainForm(NHSFormMixin, forms.Form):
    note = forms.CharField(
        label="Why does this finding need no more action?",
        help_text="For example: private patient, logged in the independent hospital's "
        "system. It is kept in the history with your name and the time.",
        widget=forms.Textarea(attrs={"rows": 4}),
        # The service says what is missing or too long, in the same words as the API's.
        required=False,
    )
