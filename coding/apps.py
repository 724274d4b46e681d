from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "coding"
    verbose_name = "OPCS-4 coding"
