"""The demo's Slack transcript: recorded Web API calls in, Markdown out."""

from dataclasses import dataclass, field

from bot.transcript import blocks_text, transcript


@dataclass
class Call:
    method: str
    params: dict = field(default_factory=dict)
    error: str | None = None


def test_blocks_text_reads_headers_sections_fields_context_and_buttons():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Fix checkout"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "Score *71*"},
            "fields": [{"type": "mrkdwn", "text": "Now"}],
        },
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "Sales"},
                {"type": "mrkdwn", "text": "Support"},
            ],
        },
        {
            "type": "actions",
            "elements": [{"type": "button", "text": {"type": "plain_text", "text": "+1"}}],
        },
    ]
    assert blocks_text(blocks) == [
        "**Fix checkout**",
        "Score *71*",
        "Now",
        "Sales · Support",
        "[+1]",
    ]


def test_transcript_lists_messages_in_order_and_skips_failed_calls_and_reads():
    calls = [
        Call("chat.postMessage", {"channel": "C1", "text": "hello"}),
        Call("chat.postMessage", {"channel": "C1", "text": "rejected"}, error="invalid_blocks"),
        Call("users.info", {"user": "U1"}),
        Call("chat.postEphemeral", {"channel": "C1", "user": "U1", "text": "only you"}),
        Call("chat.postMessage", {"channel": "C1", "thread_ts": "1.0", "text": "moved"}),
    ]
    md = transcript(calls, name_of=lambda i: {"C1": "#roadmap", "U1": "Ana"}.get(i, i))
    assert md.index("> hello") < md.index("> only you") < md.index("> moved")
    assert "rejected" not in md
    assert "## showed only to Ana in #roadmap" in md
    assert "## posted #roadmap (in a thread)" in md
