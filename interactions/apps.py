from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "interactions"
    verbose_name = "Interactions"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from accounts.models import Team, User
        from interactions import (
            choices,
            tasks,  # noqa: F401  (installs the event enqueuer)
        )
        from interactions.channels.email import anymail_receivers  # noqa: F401  (inbound mail)
        from interactions.models import BusinessHours, Channel, Rule, SlaPolicy, Tag, ThreadEvent
        from interactions.services import media, rules
        from interactions.signals import message_received

        # Customer media sent as provider URLs is fetched once its message is stored.
        message_received.connect(media.on_message_received, dispatch_uid="interactions.media")
        # A logged thread change (assignment, team, status, priority, tags) runs the
        # "a thread changes" rules.
        post_save.connect(
            rules.on_thread_event, sender=ThreadEvent, dispatch_uid="interactions.rules"
        )
        # The cached choice lists (teams, tags, people, SLA policies) and the configuration the
        # workers keep (channels, rules) are rebuilt after changes.
        for model in (Team, User, Tag, SlaPolicy, BusinessHours, Channel, Rule):
            for signal in (post_save, post_delete):
                signal.connect(
                    choices.changed, sender=model, dispatch_uid=f"choices.{model.__name__}"
                )
