from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """CX Hub is invite-only: admins create users (Settings → Users); nobody signs up."""

    def is_open_for_signup(self, request) -> bool:
        return False
