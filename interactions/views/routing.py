"""Settings → Rules and Settings → SLAs: rules, SLA policies, business hours, auto-assignment."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import nav_section, require_perm
from accounts.models import Team, User
from accounts.permissions import Perm
from interactions import rules as logic
from interactions.models import (
    AssignmentMode,
    BusinessHours,
    Rule,
    RuleTrigger,
    SlaPolicy,
    TeamRouting,
)
from interactions.routing_forms import (
    CONDITION_INPUT,
    CONDITION_PLACEHOLDER,
    ActionForm,
    ActionFormSet,
    BusinessHoursForm,
    ConditionForm,
    ConditionFormSet,
    RuleForm,
    SlaPolicyForm,
    TeamRoutingForm,
)
from interactions.services import rules as rule_services
from interactions.services import sla as sla_services
from interactions.services.assignment import team_routing_set
from interactions.sla import APPROACHING_MINUTES, APPROACHING_SHARE

# --- Rules --------------------------------------------------------------------------------


def _labels() -> dict:
    """Names for the ids rules store, so the list reads "assign to Billing", not "team 3"."""
    return {
        "team": dict(Team.objects.values_list("pk", "name")),
        "user": {u.pk: u.display_name for u in User.objects.only("full_name", "email")},
        "hours": dict(BusinessHours.objects.values_list("pk", "name")),
    }


@require_perm(Perm.MANAGE_RULES)
@nav_section("settings")
def rules_list(request):
    labels = _labels()
    by_trigger = {value: [] for value in RuleTrigger.values}
    for rule in Rule.objects.order_by("position", "id"):
        rule.condition_text = [logic.describe_condition(c, labels) for c in _list(rule.conditions)]
        rule.action_text = [logic.describe_action(a, labels) for a in _list(rule.actions)]
        by_trigger[rule.trigger].append(rule)
    sections = [
        {"trigger": value, "label": label, "rules": by_trigger[value]}
        for value, label in RuleTrigger.choices
    ]
    routing = {r.team_id: r.mode for r in TeamRouting.objects.all()}
    teams = Team.objects.annotate(
        n_members=Count("memberships", distinct=True),
        n_ready=Count(
            "memberships",
            filter=Q(memberships__user__is_active=True, memberships__user__is_available=True),
            distinct=True,
        ),
    ).order_by("name")
    team_rows = [{"team": t, "mode": routing.get(t.pk, AssignmentMode.MANUAL)} for t in teams]
    return render(
        request,
        "interactions/rules.html",
        {
            "sections": sections,
            "has_rules": any(s["rules"] for s in sections),
            "team_rows": team_rows,
            "modes": AssignmentMode.choices,
        },
    )


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _rule_page(request, rule: Rule | None):
    initial_conditions = [ConditionForm.initial_for(c) for c in _list(rule and rule.conditions)]
    initial_actions = [ActionForm.initial_for(a) for a in _list(rule and rule.actions)]
    data = request.POST.copy() if request.method == "POST" else None
    adding = ""
    if data is not None:
        # Without JavaScript, "Add a condition/action" posts the form back with one more row.
        for prefix in ("cond", "act"):
            if f"add_{prefix}" in data:
                adding = prefix
                total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
                data[f"{prefix}-TOTAL_FORMS"] = str(min(total + 1, 20))
    form = RuleForm(
        data,
        initial={
            "name": rule.name,
            "trigger": rule.trigger,
            "is_active": rule.is_active,
            "stop_processing": rule.stop_processing,
        }
        if rule
        else {"trigger": request.GET.get("trigger") or RuleTrigger.MESSAGE_RECEIVED},
    )
    conditions = ConditionFormSet(data, prefix="cond", initial=initial_conditions)
    actions = ActionFormSet(data, prefix="act", initial=initial_actions)
    if data is not None and not adding:
        valid = [form.is_valid(), conditions.is_valid(), actions.is_valid()]
        if all(valid):
            target = rule or Rule()
            target.name = form.cleaned_data["name"]
            target.trigger = form.cleaned_data["trigger"]
            target.is_active = form.cleaned_data["is_active"]
            target.stop_processing = form.cleaned_data["stop_processing"]
            target.conditions = conditions.rows()
            target.actions = actions.rows()
            try:
                rule_services.rule_save(rule=target, actor=request.user)
            except ValidationError as error:
                _rule_errors(form, error)
            else:
                messages.success(request, f"Saved the rule “{target.name}”.")
                return redirect("settings_rules")
    return render(
        request,
        "interactions/rules_form.html",
        {
            "rule": rule,
            "form": form,
            "conditions": conditions,
            "actions": actions,
            "condition_inputs": CONDITION_INPUT,
            "condition_placeholders": CONDITION_PLACEHOLDER,
            "rule_errors": getattr(form, "rule_errors", {}),
        },
    )


def _rule_errors(form: RuleForm, error: ValidationError) -> None:
    """Errors the model found after the forms passed (a team deleted meanwhile…)."""
    form.rule_errors = {}
    for field, errors in error.message_dict.items():
        if field in form.fields:
            form.add_error(field, errors)
        elif field in {"conditions", "actions"}:
            form.rule_errors[field] = errors
        else:
            form.add_error(None, errors)


@require_perm(Perm.MANAGE_RULES)
@nav_section("settings")
def rule_create(request):
    return _rule_page(request, None)


@require_perm(Perm.MANAGE_RULES)
@nav_section("settings")
def rule_edit(request, rule_id: int):
    return _rule_page(request, get_object_or_404(Rule, pk=rule_id))


@require_perm(Perm.MANAGE_RULES)
@require_POST
def rule_move(request, rule_id: int):
    rule = get_object_or_404(Rule, pk=rule_id)
    try:
        rule_services.rule_move(rule=rule, direction=request.POST.get("direction", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"{_rules_url()}#rule-{rule.pk}")


@require_perm(Perm.MANAGE_RULES)
@require_POST
def rule_toggle(request, rule_id: int):
    rule = get_object_or_404(Rule, pk=rule_id)
    rule_services.rule_set_active(rule=rule, active=not rule.is_active)
    state = "on" if rule.is_active else "off"
    messages.success(request, f"“{rule.name}” is {state}.")
    return redirect(f"{_rules_url()}#rule-{rule.pk}")


@require_perm(Perm.MANAGE_RULES)
@require_POST
def rule_delete(request, rule_id: int):
    rule = get_object_or_404(Rule, pk=rule_id)
    rule_services.rule_delete(rule=rule)
    messages.success(request, f"Deleted the rule “{rule.name}”.")
    return redirect("settings_rules")


@require_perm(Perm.MANAGE_RULES)
@require_POST
def team_routing(request, team_id: int):
    team = get_object_or_404(Team, pk=team_id)
    form = TeamRoutingForm(request.POST)
    if form.is_valid():
        routing = team_routing_set(team=team, mode=form.cleaned_data["mode"])
        messages.success(request, f"{team.name}: {routing.get_mode_display().lower()}.")
    else:
        messages.error(request, "Pick an assignment mode.")
    return redirect(f"{_rules_url()}#routing")


def _rules_url() -> str:
    return reverse("settings_rules")


# --- SLAs ---------------------------------------------------------------------------------


@require_perm(Perm.MANAGE_RULES)
@nav_section("settings")
def sla_list(request):
    form = SlaPolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = sla_services.sla_policy_save(policy=form.instance)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Saved the SLA policy “{policy.name}”.")
            return redirect("settings_slas")
    return render(
        request,
        "interactions/sla.html",
        {
            "policies": SlaPolicy.objects.select_related("business_hours").order_by(
                "-is_active", "-priority", "name"
            ),
            "hours_list": BusinessHours.objects.annotate(n_policies=Count("sla_policies")),
            "form": form,
            "approaching_share": round(APPROACHING_SHARE * 100),
            "approaching_minutes": APPROACHING_MINUTES,
        },
    )


@require_perm(Perm.MANAGE_RULES)
@nav_section("settings")
def sla_policy_edit(request, policy_id: int):
    policy = get_object_or_404(SlaPolicy, pk=policy_id)
    if request.method == "POST" and "delete" in request.POST:
        sla_services.sla_policy_delete(policy=policy)
        messages.success(request, f"Deleted the SLA policy “{policy.name}”.")
        return redirect("settings_slas")
    form = SlaPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            sla_services.sla_policy_save(policy=form.instance)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Saved the SLA policy “{policy.name}”.")
            return redirect("settings_slas")
    return render(request, "interactions/sla_policy_form.html", {"form": form, "policy": policy})


@require_perm(Perm.MANAGE_RULES)
@nav_section("settings")
def sla_hours_edit(request, hours_id: int | None = None):
    hours = get_object_or_404(BusinessHours, pk=hours_id) if hours_id else BusinessHours()
    if request.method == "POST" and "delete" in request.POST and hours.pk:
        try:
            sla_services.business_hours_delete(hours=hours)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("settings_sla_hours_edit", hours_id=hours.pk)
        messages.success(request, f"Deleted the schedule “{hours.name}”.")
        return redirect("settings_slas")
    form = BusinessHoursForm(request.POST or None, instance=hours)
    if request.method == "POST" and form.is_valid():
        try:
            sla_services.business_hours_save(hours=form.instance)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"Saved the schedule “{form.instance.name}”.")
            return redirect("settings_slas")
    return render(request, "interactions/sla_hours_form.html", {"form": form, "hours": hours})


def _apply_errors(form, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
