#!/usr/bin/env python
"""Django's command-line utility for CX Hub."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cx_hub.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A wrong environment variable is the operator's to fix: say which, without a traceback.
        sys.exit(f"CX Hub cannot start: {error}")


if __name__ == "__main__":
    main()
