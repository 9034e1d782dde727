"""The brand-voice check: banned phrases, required elements, negative tone."""

from interactions.brand_voice import check, rules_from_text

RULES = rules_from_text(
    banned="unfortunately\nper our policy",
    required="Best regards|Kind regards",
    warn_negative_tone=True,
)


def kinds(text):
    return [issue.kind for issue in check(text, RULES)]


def test_an_on_brand_reply_passes():
    assert kinds("Hi Ana, your parcel is on its way. Best regards, Alex") == []


def test_a_banned_phrase_is_flagged_whole_words_only():
    assert "banned" in kinds("Unfortunately we cannot help. Kind regards")
    assert kinds("Per our policy, refunds take a week. Kind regards") == ["banned"]
    assert kinds("We know about fortunately unrelated things. Kind regards") == []


def test_a_missing_required_element_is_flagged_with_any_alternative_accepted():
    assert kinds("Hi, done.") == ["missing"]
    assert kinds("Hi, done. kind regards") == []


def test_a_negative_tone_is_flagged():
    assert "tone" in kinds("This is a terrible, stupid complaint and we hate it. Best regards")


def test_tone_warnings_can_be_switched_off():
    rules = rules_from_text("", "", warn_negative_tone=False)
    assert check("This is terrible and awful.", rules) == []
