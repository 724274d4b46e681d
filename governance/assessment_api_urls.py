"""API of the equality and sustainability assessments, under /api/v1/."""

urlpatterns: list = []
