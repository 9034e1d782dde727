"""The Reports page (charts, tables) and its CSV exports; the numbers come from `reports`."""

from __future__ import annotations

import csv
from datetime import timedelta

from django import forms
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format

from accounts.decorators import nav_section, require_perm
from accounts.models import AuditAction, Team
from accounts.permissions import Perm, user_can
from accounts.services import audit_record
from interactions.models import ChannelKind
from interactions.reports import (
    CHANNEL_COLORS,
    DEFAULT_DAYS,
    MAX_DAYS,
    PRESET_DAYS,
    BreakdownRow,
    Period,
    Report,
    ReportFilters,
    build_report,
)

CUSTOM = "custom"
BREAKDOWNS = {"channel": "Channel", "team": "Team", "agent": "Agent"}
EXPORTS = ("day", *BREAKDOWNS)


class ReportForm(forms.Form):
    """The period and filters from the query string; every field optional, every value checked."""

    period = forms.ChoiceField(
        choices=[*((str(n), f"Last {n} days") for n in PRESET_DAYS), (CUSTOM, "Custom range")],
        required=False,
    )
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="All teams"
    )
    channel = forms.ChoiceField(
        choices=[("", "All channels"), *ChannelKind.choices], required=False
    )

    def __init__(self, data, *args, **kwargs):
        data = data.copy()
        # A preset unless the user asked for dates: no period but dates means a custom range.
        if not data.get("period"):
            data["period"] = CUSTOM if data.get("start") or data.get("end") else str(DEFAULT_DAYS)
        super().__init__(data, *args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period") != CUSTOM or self.errors:
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        today = timezone.localdate()
        if start is None or end is None:
            raise forms.ValidationError("Choose both a start and an end date for a custom range.")
        if start > end:
            raise forms.ValidationError("The start date must be on or before the end date.")
        if end > today:
            self.add_error("end", "The end date can't be in the future.")
        elif (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(f"Choose a range of at most {MAX_DAYS} days.")
        return cleaned

    def get_period(self) -> Period:
        choice = self.cleaned_data["period"]
        if choice == CUSTOM:
            return Period(start=self.cleaned_data["start"], end=self.cleaned_data["end"])
        return Period.last(int(choice))

    def get_filters(self) -> ReportFilters:
        team = self.cleaned_data.get("team")
        return ReportFilters(
            team_id=team.pk if team else None, channel_kind=self.cleaned_data.get("channel") or ""
        )


def _seconds(value: timedelta | None) -> float | None:
    return round(value.total_seconds()) if value is not None else None


def _pct(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def chart_data(report: Report) -> dict:
    """The series reports.js draws, one value per day of the period (None where nothing to say)."""
    days = report.days
    return {
        "labels": [date_format(d.day, "M j") for d in days],
        "volume": [
            {
                "label": ChannelKind(kind).label,
                "color": CHANNEL_COLORS.get(kind, "#98a2b3"),
                "data": [d.threads_by_channel.get(kind, 0) for d in days],
            }
            for kind in report.channel_kinds
        ],
        "firstResponse": {
            "median": [_seconds(d.first_response.median) for d in days],
            "p90": [_seconds(d.first_response.p90) for d in days],
            "n": [d.first_response.n for d in days],
        },
        "resolution": {
            "median": [_seconds(d.resolution.median) for d in days],
            "p90": [_seconds(d.resolution.p90) for d in days],
            "n": [d.resolution.n for d in days],
        },
        "backlog": [d.backlog for d in days],
        "sla": {
            "response": [_pct(d.response_sla.pct) for d in days],
            "resolution": [_pct(d.resolution_sla.pct) for d in days],
        }
        if report.has_sla
        else None,
    }


@require_perm(Perm.VIEW_DASHBOARDS)
@nav_section("reports")
def reports(request):
    form = ReportForm(request.GET)
    report = None
    if form.is_valid():
        report = build_report(
            user=request.user, period=form.get_period(), filters=form.get_filters()
        )
    return render(
        request,
        "interactions/reports.html",
        {
            "form": form,
            "report": report,
            "charts": chart_data(report) if report and report.has_data else None,
            "custom": form["period"].value() == CUSTOM,
            "can_export": user_can(request.user, Perm.EXPORT_DATA),
            "time_zone": timezone.get_current_timezone_name(),
            "breakdowns": [
                ("channel", "By channel", report.by_channel),
                ("team", "By team", report.by_team),
                ("agent", "By agent", report.by_agent),
            ]
            if report
            else [],
        },
    )


# --- CSV -----------------------------------------------------------------------------------------


def _minutes(value: timedelta | None) -> str:
    return f"{value.total_seconds() / 60:.1f}" if value is not None else ""


def _pct_cell(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else ""


def _safe(text: str) -> str:
    """Defuse spreadsheet formulas in names (CSV injection): a leading = + - @ becomes text."""
    return f"'{text}" if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


MEASURE_HEADER = [
    "Answered",
    "Median first response (min)",
    "P90 first response (min)",
    "Resolved",
    "Median resolution (min)",
    "P90 resolution (min)",
    "First-response SLA met (%)",
    "Resolution SLA met (%)",
]


def _measures(row) -> list:
    return [
        row.first_response.n,
        _minutes(row.first_response.median),
        _minutes(row.first_response.p90),
        row.resolution.n,
        _minutes(row.resolution.median),
        _minutes(row.resolution.p90),
        _pct_cell(row.response_sla.pct),
        _pct_cell(row.resolution_sla.pct),
    ]


def csv_rows(report: Report, by: str) -> list[list]:
    """The export for one table: a header, then the rows the page shows (same columns)."""
    if by == "day":
        header = ["Date", "Threads", *MEASURE_HEADER, "Backlog at end of day"]
        return [header] + [
            [d.day.isoformat(), d.threads, *_measures(d), d.backlog] for d in report.days
        ]
    rows: list[BreakdownRow] = getattr(report, f"by_{by}")
    header = [BREAKDOWNS[by], "Threads", "Inbound messages", *MEASURE_HEADER]
    body = [[_safe(r.label), r.threads, r.inbound_messages, *_measures(r)] for r in rows]
    total = report.total
    return [header, *body, ["All", total.threads, total.inbound_messages, *_measures(total)]]


@require_perm(Perm.VIEW_DASHBOARDS)
@require_perm(Perm.EXPORT_DATA)
def reports_export(request):
    by = request.GET.get("by", "channel")
    if by not in EXPORTS:
        return HttpResponseBadRequest(f"Unknown table {by!r}; choose one of {', '.join(EXPORTS)}.")
    form = ReportForm(request.GET)
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
        return HttpResponseBadRequest("Bad report parameters: " + " ".join(problems))
    period, filters = form.get_period(), form.get_filters()
    report = build_report(user=request.user, period=period, filters=filters)
    rows = csv_rows(report, by)
    audit_record(
        action=AuditAction.EXPORT,
        actor=request.user,
        request=request,
        export="reports",
        by=by,
        start=period.start.isoformat(),
        end=period.end.isoformat(),
        team_id=filters.team_id,
        channel=filters.channel_kind,
        rows=len(rows) - 1,
    )
    filename = f"cxhub-report-by-{by}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv.writer(response).writerows(rows)
    return response
