"""Signals of the coding app, for the apps that hang records off a stored coding (a governance
case) without the coding app knowing them."""

from django.dispatch import Signal

# Sent inside the transaction of codings_revalidate, with `codings` (the CodingResults whose
# outcome changed: valid, issues or suggested sequence) and `reason`. A case listens so that
# its own history says when its validity changed.
codings_revalidated = Signal()
