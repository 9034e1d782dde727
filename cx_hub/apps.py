from django.apps import AppConfig


class CxHubConfig(AppConfig):
    name = "cx_hub"
    verbose_name = "CX Hub platform"

    def ready(self) -> None:
        from cx_hub import checks  # noqa: F401  (registers the start-up checks)
