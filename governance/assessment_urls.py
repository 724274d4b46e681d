"""Pages of the equality and sustainability assessments (included by governance/urls.py)."""

urlpatterns: list = []
