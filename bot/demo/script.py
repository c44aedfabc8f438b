"""The scripted week the demo plays: people, the pain points they hit, ideas and votes.

Plain data, so the end-to-end tests can play a smaller slice of the same week.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "DEMO_DAYS",
    "IDEAS",
    "PAINS",
    "PEOPLE",
    "ROADMAP",
    "SALES",
    "SHIPPED",
    "SHIP_DAY",
    "SUPPORT",
    "SURVEY_AFTER_DAYS",
    "SURVEY_ANSWERS",
    "VOTES",
    "Idea",
    "Pain",
    "Person",
    "Vote",
]


ROADMAP = "C0ROADMAP"
SUPPORT = "C0SUPPORT"
SALES = "C0SALES"
DEMO_DAYS = 33
"""How long the scripted weeks last: long enough to tell whether the shipped idea worked."""
SHIP_DAY = 3
"""The day the leader marks the shipped idea Done."""
SURVEY_AFTER_DAYS = 29
"""The demo asks "Is this better now?" once the comparison weeks have passed, so the
answers and the verdict arrive together."""


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    team: str
    admin: bool = False


PEOPLE = (
    Person("U01ANA", "Ana Souza", "Support"),
    Person("U02BEN", "Ben Carter", "Sales"),
    Person("U03CHLOE", "Chloé Martin", "Product", admin=True),
    Person("U04DEV", "Dev Patel", "Engineering"),
    Person("U05EVA", "Eva Lindqvist", "Marketing"),
    Person("U06FARID", "Farid Haddad", "Customer Success"),
    Person("U07GINA", "Gina Rossi", "Support"),
    Person("U08HUGO", "Hugo Blanc", "Sales"),
    Person("U09IRIS", "Iris Nakamura", "Engineering"),
    Person("U10JON", "Jon Okafor", "Marketing"),
    Person("U11KAI", "Kai Müller", "Operations"),
    Person("U12LENA", "Lena Novak", "Customer Success"),
)


@dataclass(frozen=True, slots=True)
class Pain:
    reporter: str
    stage: str
    touchpoint: str
    persona: str
    severity: int
    text: str
    source: str = "customer said"
    quote: bool = False
    """Logged with the message shortcut from a customer quote posted in Slack."""
    quick: bool = False
    """Logged with `/pain <text>`, then placed with the confirmation's pickers; its evidence
    is one click on the confirmation, and an empty `source` leaves it unknown."""


PAINS = (
    Pain(
        "U05EVA",
        "Awareness",
        "Ads",
        "Buyer",
        2,
        "Ad copy promises a free plan we retired last year",
    ),
    Pain(
        "U10JON",
        "Awareness",
        "Website",
        "Buyer",
        3,
        "Homepage never says who the product is for",
        "observed behaviour",
    ),
    Pain(
        "U02BEN",
        "Awareness",
        "Website",
        "Buyer",
        3,
        "Prospects cannot find pricing from the homepage",
    ),
    Pain(
        "U05EVA",
        "Awareness",
        "Community",
        "Developer",
        2,
        "Our community forum ranks above the docs for basic errors",
        "observed behaviour",
    ),
    Pain(
        "U02BEN",
        "Consideration",
        "Sales call",
        "Buyer",
        4,
        "Buyers ask for a security questionnaire we answer by hand every time",
    ),
    Pain(
        "U08HUGO",
        "Consideration",
        "Website",
        "Buyer",
        3,
        '"I couldn\'t tell the Team plan from Business" - comparison table is confusing',
        quote=True,
    ),
    Pain(
        "U08HUGO",
        "Consideration",
        "Sales call",
        "Admin",
        4,
        "No SSO on the Team plan loses us mid-size deals",
    ),
    Pain(
        "U10JON",
        "Consideration",
        "Docs",
        "Developer",
        2,
        "API docs have no runnable examples",
        "observed behaviour",
    ),
    Pain(
        "U02BEN",
        "Purchase",
        "Checkout",
        "Buyer",
        5,
        "Checkout rejects company cards with 3-D Secure",
        quote=True,
    ),
    Pain(
        "U11KAI",
        "Purchase",
        "Billing",
        "Admin",
        4,
        "Invoices cannot show a PO number, finance teams refuse to pay",
    ),
    Pain(
        "U08HUGO",
        "Purchase",
        "Checkout",
        "Buyer",
        3,
        "VAT id is asked after payment instead of before",
    ),
    Pain(
        "U11KAI",
        "Purchase",
        "Billing",
        "Admin",
        3,
        "Annual plan upgrades are prorated wrong",
        "internal",
    ),
    Pain(
        "U01ANA",
        "Onboarding",
        "In-app",
        "Admin",
        5,
        '"We invited 40 people and half never got the email" - invites land in spam',
        quote=True,
    ),
    Pain(
        "U06FARID",
        "Onboarding",
        "In-app",
        "Admin",
        4,
        "SSO setup takes a support ticket; no self-serve guide",
    ),
    Pain(
        "U07GINA",
        "Onboarding",
        "Email",
        "End user",
        3,
        "Welcome email links to a page that 404s",
        "observed behaviour",
    ),
    Pain(
        "U12LENA",
        "Onboarding",
        "In-app",
        "End user",
        4,
        "Empty workspace after sign-up: new users don't know the first step",
        "observed behaviour",
    ),
    Pain(
        "U06FARID",
        "Onboarding",
        "Docs",
        "Admin",
        3,
        "CSV import fails silently on files with a BOM",
    ),
    Pain(
        "U01ANA",
        "Adoption",
        "In-app",
        "End user",
        4,
        '"Search never finds the file I just uploaded" - indexing lags minutes',
        quote=True,
    ),
    Pain("U07GINA", "Adoption", "In-app", "End user", 3, "Mobile app logs people out every day"),
    Pain(
        "U09IRIS",
        "Adoption",
        "In-app",
        "Developer",
        3,
        "Webhooks retry forever and flood customer endpoints",
        "internal",
    ),
    Pain(
        "U12LENA",
        "Adoption",
        "In-app",
        "Admin",
        4,
        "Admins cannot see who uses which feature",
        "customer said",
    ),
    Pain(
        "U04DEV",
        "Adoption",
        "Docs",
        "Developer",
        2,
        "SDK errors don't say which field is wrong",
        "observed behaviour",
    ),
    Pain(
        "U06FARID",
        "Retention",
        "Billing",
        "Admin",
        5,
        "Renewal reminder comes two days before the charge",
        quote=True,
    ),
    Pain(
        "U12LENA",
        "Retention",
        "Support chat",
        "Admin",
        4,
        "Support chat answers take over a day for paying customers",
    ),
    Pain(
        "U01ANA",
        "Retention",
        "In-app",
        "End user",
        4,
        "Exports time out for workspaces over 10k records",
    ),
    Pain(
        "U07GINA",
        "Retention",
        "Support chat",
        "End user",
        3,
        "Help center search returns outdated articles",
        "observed behaviour",
    ),
    Pain(
        "U11KAI",
        "Retention",
        "Billing",
        "Admin",
        4,
        "Failed card payments suspend the account without warning",
        "internal",
    ),
    Pain(
        "U05EVA",
        "Advocacy",
        "Community",
        "End user",
        2,
        "No way to refer a colleague from inside the app",
    ),
    Pain(
        "U10JON",
        "Advocacy",
        "Email",
        "Buyer",
        2,
        "Case study approvals take months; customers lose interest",
        "internal",
    ),
    Pain(
        "U12LENA",
        "Advocacy",
        "Community",
        "Admin",
        3,
        "Champions ask for a public roadmap and we have none",
    ),
    Pain(
        "U09IRIS",
        "Onboarding",
        "In-app",
        "Developer",
        3,
        "API keys are only visible once and people lose them",
        "observed behaviour",
    ),
    Pain(
        "U04DEV",
        "Purchase",
        "Checkout",
        "Buyer",
        4,
        "Checkout page takes 6 seconds to load on mobile",
        "observed behaviour",
    ),
    Pain(
        "U04DEV",
        "Adoption",
        "In-app",
        "End user",
        3,
        "Dashboard charts take ten seconds to render",
        "",
        quick=True,
    ),
    Pain(
        "U10JON",
        "Advocacy",
        "Community",
        "Buyer",
        2,
        "Review sites still show our old logo and prices",
        "",
        quick=True,
    ),
    Pain(
        "U07GINA",
        "Retention",
        "Support chat",
        "Admin",
        3,
        "Admins open the cancel page and wait there for minutes before leaving",
        "observed behaviour",
        quick=True,
    ),
    Pain(
        "U09IRIS",
        "Adoption",
        "In-app",
        "Developer",
        2,
        "Rate limit errors give no retry-after hint",
        "internal",
        quick=True,
    ),
)


@dataclass(frozen=True, slots=True)
class Idea:
    key: str
    proposer: str
    title: str
    description: str
    team: str
    pains: tuple[int, ...]
    """Indexes into PAINS."""
    impact: int
    complexity: int
    weeks: float


IDEAS = (
    Idea(
        "checkout",
        "U02BEN",
        "Support 3-D Secure and speed up checkout",
        "Move checkout to the payment provider's hosted page with 3-D Secure, and load it lazily.",
        "Engineering",
        (8, 31),
        5,
        3,
        4,
    ),
    Idea(
        "invites",
        "U01ANA",
        "Send invites from our own verified domain",
        "Invites go out from a shared sender and land in spam; send from a verified domain.",
        "Engineering",
        (12, 14),
        4,
        2,
        1,
    ),
    Idea(
        "sso",
        "U08HUGO",
        "Self-serve SSO on the Team plan",
        "SSO setup wizard in the admin console, and SSO on the Team plan.",
        "Product",
        (6, 13),
        4,
        4,
        8,
    ),
    Idea(
        "renewal",
        "U06FARID",
        "Renewal reminders 30 days ahead, and a grace period",
        "Remind 30 and 7 days before renewal; keep accounts active 14 days after a failed payment.",
        "Operations",
        (22, 26),
        5,
        2,
        2,
    ),
    Idea(
        "first-run",
        "U12LENA",
        "A first-run checklist in every new workspace",
        "Guide new users through the first three steps; measure completion.",
        "Product",
        (15,),
        3,
        2,
        3,
    ),
    Idea(
        "search",
        "U07GINA",
        "Index uploads within seconds",
        "Move search indexing to a queue so new files are searchable at once.",
        "Engineering",
        (17,),
        4,
        4,
        6,
    ),
    Idea(
        "po-number",
        "U11KAI",
        "PO number and VAT id before payment",
        "Ask for VAT id and PO number in checkout and print them on invoices.",
        "Operations",
        (9, 10),
        3,
        1,
        1,
    ),
    Idea(
        "usage",
        "U12LENA",
        "Feature usage report for admins",
        "A usage page in the admin console: who uses what, exportable.",
        "Product",
        (20,),
        3,
        3,
        4,
    ),
    Idea(
        "roadmap",
        "U05EVA",
        "Public roadmap page for champions",
        "Publish the Now / Next / Later roadmap from Notion for customers.",
        "Marketing",
        (29,),
        2,
        2,
        2,
    ),
    Idea(
        "webhooks",
        "U09IRIS",
        "Cap webhook retries with backoff",
        "Retry with exponential backoff for a day, then pause the endpoint and tell its owner.",
        "Engineering",
        (19,),
        3,
        4,
        1,
    ),
    Idea(
        "invites-dup",
        "U07GINA",
        "Invites should not go to spam",
        "Same as the invite deliverability idea, raised from the support queue.",
        "Support",
        (12,),
        4,
        2,
        1,
    ),
)


@dataclass(frozen=True, slots=True)
class Vote:
    person: str
    idea: str
    how: str
    """"reply" (written in the thread), "button" (+1 button), "estimate" (the modal),
    "react" (a :+1: reaction on the card)."""
    text: str = ""
    impact: int | None = None
    complexity: int | None = None
    weeks: float | None = None
    extra: dict[str, str] = field(default_factory=dict)


VOTES = (
    Vote("U04DEV", "checkout", "reply", "i4 c4 t5w"),
    Vote("U09IRIS", "checkout", "reply", "impact 4 complexity 3 time 4w"),
    Vote("U11KAI", "checkout", "button"),
    Vote("U08HUGO", "checkout", "react"),
    Vote("U04DEV", "invites", "reply", "i4 c1 t1w"),
    Vote("U06FARID", "invites", "estimate", impact=5, complexity=2, weeks=1),
    Vote("U12LENA", "invites", "reply", "+1"),
    Vote("U07GINA", "invites", "react"),
    # Sales and Engineering are far apart on SSO: the card flags the disagreement.
    Vote("U02BEN", "sso", "reply", "impact 5 complexity 3 time 6w"),
    Vote("U09IRIS", "sso", "reply", "impact: low, effort XL"),
    Vote("U04DEV", "sso", "estimate", impact=1, complexity=5, weeks=10),
    Vote("U11KAI", "renewal", "reply", "i5 c2 t2w"),
    Vote("U12LENA", "renewal", "button"),
    Vote("U09IRIS", "renewal", "reply", "impact 4 complexity 2 time 2w"),
    Vote("U01ANA", "renewal", "react"),
    Vote("U03CHLOE", "first-run", "reply", "i3 c2 t3w"),
    Vote("U04DEV", "first-run", "reply", "i3 c2 t2w"),
    Vote("U05EVA", "first-run", "react"),
    Vote("U09IRIS", "search", "reply", "i4 c4 t6w"),
    Vote("U01ANA", "search", "button"),
    Vote("U02BEN", "po-number", "reply", "i3 c1 t1w"),
    Vote("U04DEV", "po-number", "reply", "effort S"),
    Vote("U06FARID", "usage", "reply", "+1"),
    Vote("U10JON", "roadmap", "reply", "i2 c2 t2w"),
    Vote("U07GINA", "invites-dup", "reply", "+1"),
    Vote("U10JON", "invites-dup", "reply", "i4 c2 t1w"),
    # Complex, yet estimated at a week: the journey questions flag it for a second look.
    Vote("U04DEV", "webhooks", "reply", "i3 c4 t1w"),
)

SHIPPED = "renewal"
"""The idea a leader marks Done early in the week; weeks later, did it work?"""
SURVEY_ANSWERS = {"U06FARID": "yes", "U11KAI": "not yet"}
"""What the people asked "Is this better now?" about the shipped idea answer."""
