"""The demo's Slack transcript: recorded Web API calls in, Markdown out."""

from dataclasses import dataclass, field

from bot.demo.transcript import blocks_text, transcript


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


def test_transcript_reads_like_slack_names_links_separate_blocks_and_private_answers():
    card = [
        {"type": "header", "text": {"type": "plain_text", "text": "#3 Self-serve SSO"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Score* 43 &amp; rising"}},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Proposed by <@U1> in <#C1> · <https://x.example/a|its thread>",
                }
            ],
        },
    ]
    calls = [
        Call("chat.postMessage", {"channel": "C1", "text": "card", "blocks": card}),
        Call(
            "response_url",
            {"user": "U1", "channel": "C1", "response_type": "ephemeral", "text": "Logged #7"},
        ),
        Call("chat.postMessage", {"channel": "U1", "text": "<@U1>, #3 is now *Planned*"}),
    ]
    md = transcript(calls, name_of=lambda i: {"C1": "#roadmap", "U1": "@Ana"}.get(i, i))
    assert "> **#3 Self-serve SSO**\n>\n> **Score** 43 & rising\n>\n> Proposed by @Ana" in md
    assert "in #roadmap · [its thread](https://x.example/a)" in md
    assert "## answered @Ana privately in #roadmap (only they see it)\n\n> Logged #7" in md
    assert "## posted a direct message to @Ana" in md and "> @Ana, #3 is now **Planned**" in md
    assert "<@U1>" not in md and "&amp;" not in md
