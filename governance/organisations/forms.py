"""Forms of the administration pages: people, their roles and organisations, and guidance.
Each change asks why; the services keep the reason in the history with the administrator's
name and the time. No form here has a field for staff or superuser status."""

from __future__ import annotations

from typing import Any

from django import forms

from config.forms import NHSFormMixin
from config.limits import PASSWORD_LENGTH, BoundedModelChoiceField
from governance import roles
from governance.organisations.models import Guidance, Organisation

REASON_MAX_LENGTH = 2000
ROLE_HINTS = {
    roles.CLINICIAN: "Applies to introduce procedures, logs cases, outcomes and adverse events",
    roles.LEAD: "Reviews and approves applications, signs off assessments, monitors",
    roles.ADMIN: "Manages users, roles, organisations and guidance; reads the audit history",
}


def reason_field(label: str, example: str, required: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON_MAX_LENGTH,
        help_text=f"For example, {example}. It is kept in the audit history with your name and "
        "the time.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": required,
            "max_length": f"Keep the reason to {REASON_MAX_LENGTH} characters or fewer",
        },
    )


def role_choices(names) -> list[tuple[str, str]]:
    return [(name, name) for name in roles.ORDER if name in names]


class UserFilterForm(NHSFormMixin, forms.Form):
    q = forms.CharField(label="Name or username", required=False, max_length=100)
    role = forms.ChoiceField(
        label="Role",
        required=False,
        choices=[("", "Any role"), *role_choices(roles.ALL), ("none", "No role")],
    )


class RoleGiveForm(NHSFormMixin, forms.Form):
    role = forms.ChoiceField(
        label="Role",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the role to give"},
    )
    reason = reason_field(
        "Why are you giving this role?",
        "joins the governance committee",
        "Enter why you are giving this role",
    )

    def __init__(self, *args: Any, available: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(available)


class ReasonForm(NHSFormMixin, forms.Form):
    """A change that needs only its reason: a role taken away, a member removed."""

    reason = forms.CharField(max_length=REASON_MAX_LENGTH)  # replaced in __init__

    def __init__(self, *args: Any, label: str, example: str, required: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = reason_field(label, example, required)


class OrganisationChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name} ({obj.ods_code})"


class MembershipAddForm(NHSFormMixin, forms.Form):
    organisation = OrganisationChoiceField(
        queryset=Organisation.objects.none(),
        label="Organisation",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the organisation to add them to"},
    )
    reason = reason_field(
        "Why are you adding them?", "joins the spinal surgery team", "Enter why you are adding them"
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class UserCreateForm(NHSFormMixin, forms.Form):
    first_name = forms.CharField(
        label="First name", max_length=150, error_messages={"required": "Enter their first name"}
    )
    last_name = forms.CharField(
        label="Last name", max_length=150, error_messages={"required": "Enter their last name"}
    )
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="What they sign in with: letters, digits and @ . + - _ only.",
        error_messages={"required": "Enter the username they will sign in with"},
    )
    email = forms.EmailField(
        label="Email address",
        help_text="Where the service sends their notices, such as reviews due.",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.nhs.uk",
        },
    )
    organisation = OrganisationChoiceField(
        queryset=Organisation.objects.none(),
        label="Organisation",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the organisation they belong to"},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=role_choices(roles.ALL),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose their role"},
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=PASSWORD_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters, not only numbers and not a common password. Give it "
        'to them in person or by phone; they change it with "Change password" when they '
        "first sign in.",
        error_messages={"required": "Enter a password for them"},
    )
    password_again = forms.CharField(
        label="Password again",
        strip=False,
        max_length=PASSWORD_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter the password again"},
    )
    reason = reason_field(
        "Why are you adding them?",
        "new consultant in spinal surgery",
        "Enter why you are adding them",
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("password") and data.get("password_again") not in (None, data["password"]):
            self.add_error("password_again", "The passwords do not match")
        return data


class GuidanceImportForm(NHSFormMixin, forms.Form):
    reference = forms.CharField(
        label="NICE reference",
        max_length=32,
        help_text="For example, IPG366.",
        error_messages={"required": "Enter the NICE reference of the guidance, like IPG366"},
    )
    file = forms.FileField(
        label="The guidance page, saved as text",
        error_messages={
            "required": "Choose the guidance page to upload: the page saved as text",
            "empty": "The file is empty: choose the guidance page, saved as text",
            "invalid": "Choose the guidance page to upload: the page saved as text",
        },
    )
    title = forms.CharField(
        label="Title (optional)",
        required=False,
        max_length=300,
        help_text="Only when the page does not give it.",
    )
    url = forms.URLField(
        label="Address of the page on nice.org.uk (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={
            "invalid": "Enter the address of the page, like https://www.nice.org.uk/guidance/ipg366"
        },
    )

    MAX_BYTES = 2_000_000  # a guidance page is a few tens of kilobytes

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                "The file is larger than 2 MB: choose the guidance page, saved as text"
            )
        return upload


class RecommendationForm(NHSFormMixin, forms.Form):
    recommendation = forms.ChoiceField(
        label="NICE's recommendation",
        choices=Guidance.Recommendation.choices,
        widget=forms.RadioSelect,
        help_text="As the guidance's recommendations section says.",
        error_messages={"required": "Choose NICE's recommendation"},
    )
    reason = reason_field(
        "Why are you recording this?",
        "NICE published the guidance in March",
        "Enter why you are recording this recommendation",
    )
