"""Email HTML for the thread page: what survives sanitizing and display. Pure, no database."""

import pytest

from interactions.message_html import display, fold_quoted, sanitize

PHOTO = "/attachments/7/?inline=1"


def test_sanitizing_keeps_cid_images_and_still_drops_scripts():
    safe = sanitize(
        '<p onclick="x()">Hi</p><img src="cid:photo@mail.example" alt="photo">'
        '<a href="javascript:alert(1)">x</a><script>alert(2)</script>'
    )

    assert '<img src="cid:photo@mail.example" alt="photo">' in safe
    assert "javascript:" not in safe and "alert" not in safe and "onclick" not in safe


def test_a_documents_title_is_not_shown_as_text():
    safe = sanitize("<html><head><title>Proposal</title></head><body><p>Hello</p></body></html>")

    assert "Proposal" not in safe and "<p>Hello</p>" in safe


@pytest.mark.parametrize(
    "src",
    ["cid:photo@mail.example", "CID:Photo@Mail.Example", "cid:photo%40mail.example"],
)
def test_a_cid_image_points_at_its_attachment(src):
    shown = display(
        sanitize(f'<p>Look:</p><img src="{src}" alt="photo">'), {"photo@mail.example": PHOTO}
    )

    assert shown.html == f'<p>Look:</p><img src="{PHOTO}" alt="photo">'
    assert shown.shown == {"photo@mail.example"}


@pytest.mark.parametrize(
    "src",
    [
        "cid:other@mail.example",  # no such part, or not a file we can show
        "https://tracker.example/open.gif?u=1",
        "http://cdn.example/logo.png",
        "//cdn.example/logo.png",
        "data:image/png;base64,iVBORw0KGgo=",
    ],
)
def test_any_other_image_source_is_dropped(src):
    shown = display(sanitize(f'<img src="{src}" alt="x">'), {"photo@mail.example": PHOTO})

    assert shown.html == '<img alt="x">'
    assert shown.shown == frozenset()


def test_links_open_in_a_new_tab_and_links_to_parts_go_nowhere():
    shown = display(sanitize('<a href="https://shop.example/">a</a><a href="cid:x@y">b</a>'), {})

    assert 'href="https://shop.example/" target="_blank" rel="noopener noreferrer nofollow"' in (
        shown.html
    )
    assert "cid:" not in shown.html


def test_a_trailing_quote_is_folded():
    html = "<div>Thanks!</div><div>On Monday you wrote:<blockquote>Hello<blockquote>Hi</blockquote></blockquote></div>"

    assert fold_quoted(html) == (
        "<div>Thanks!</div><div>On Monday you wrote:"
        '<details class="msg-quoted"><summary>Show quoted text</summary>'
        "<blockquote>Hello<blockquote>Hi</blockquote></blockquote></details></div>"
    )


@pytest.mark.parametrize(
    "html",
    [
        "<p>Thanks!</p>",
        "<blockquote>All quoted, nothing new</blockquote>",
        "<p>Answers:</p><blockquote>Size?</blockquote><p>M</p>",  # an interleaved reply
        "<blockquote>Size?</blockquote><p>M</p>",
        '<p>See:</p><blockquote>old</blockquote><img src="/attachments/1/?inline=1">',
    ],
)
def test_quotes_with_nothing_new_before_or_something_after_stay_open(html):
    assert fold_quoted(html) == html


def test_only_the_last_quote_of_an_interleaved_reply_is_folded():
    html = "<p>Answers:</p><blockquote>Size?</blockquote><p>M</p><blockquote>Colour?\n&nbsp;</blockquote>\n&nbsp;"

    assert fold_quoted(html) == (
        "<p>Answers:</p><blockquote>Size?</blockquote><p>M</p>"
        '<details class="msg-quoted"><summary>Show quoted text</summary>'
        "<blockquote>Colour?\n&nbsp;</blockquote></details>\n&nbsp;"
    )


def test_an_outlook_quote_folds_from_its_header_to_the_end_of_the_enclosing_element():
    html = (
        "<div><p>Please cancel the order.</p><p>Bob</p>"
        "<div><p><b>From:</b> Shop &lt;s@shop.example&gt;<br><b>Sent:</b> Monday<br>"
        "<b>To:</b> Bob</p></div><p>Your quote is ready.</p></div>"
    )

    assert fold_quoted(html) == (
        "<div><p>Please cancel the order.</p><p>Bob</p>"
        '<details class="msg-quoted"><summary>Show quoted text</summary>'
        "<div><p><b>From:</b> Shop &lt;s@shop.example&gt;<br><b>Sent:</b> Monday<br>"
        "<b>To:</b> Bob</p></div><p>Your quote is ready.</p></details></div>"
    )


def test_an_outlook_quote_in_german_after_a_rule_folds_to_the_end():
    html = "<p>Neu</p><hr><p><b>Von:</b> x<br><b>Gesendet:</b> y</p><p>alt</p>"

    assert fold_quoted(html) == (
        '<p>Neu</p><hr><details class="msg-quoted"><summary>Show quoted text</summary>'
        "<p><b>Von:</b> x<br><b>Gesendet:</b> y</p><p>alt</p></details>"
    )


@pytest.mark.parametrize(
    "html",
    [
        "<p><b>From:</b> x<br><b>Sent:</b> y</p><p>a forward with nothing new</p>",
        "<p>Who is this <b>From:</b> person?</p>",  # no header block
    ],
)
def test_outlook_style_text_without_a_new_part_or_a_header_block_stays_open(html):
    assert fold_quoted(html) == html
