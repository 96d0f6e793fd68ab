"""The controlled list of review types every partnership needs; admins may add more."""

from django.db import migrations

REVIEW_TYPES = [
    (
        "Local Child Safeguarding Practice Review",
        "local-cspr",
        "A review the local safeguarding partnership commissions when a child has died or been "
        "seriously harmed and abuse or neglect is known or suspected.",
    ),
    (
        "National Child Safeguarding Practice Review (Panel)",
        "national-cspr",
        "A review carried out by the national Child Safeguarding Practice Review Panel, for "
        "cases of national importance, and its thematic reports.",
    ),
    (
        "Rapid review",
        "rapid-review",
        "The partnership's first look at a serious incident, which decides whether a full "
        "practice review is needed.",
    ),
    (
        "Local learning review",
        "local-learning-review",
        "A review the partnership chooses to hold to learn from a case that does not need a "
        "statutory practice review.",
    ),
    (
        "Serious Case Review (before 2019)",
        "serious-case-review",
        "A review held by a Local Safeguarding Children Board under the rules in force until "
        "2019, when practice reviews replaced them.",
    ),
    (
        "Thematic review",
        "thematic-review",
        "A review that looks across several cases for a shared theme.",
    ),
    (
        "Safeguarding Adults Review",
        "safeguarding-adults-review",
        "A review a Safeguarding Adults Board holds when an adult with care and support needs "
        "has died or been seriously harmed through abuse or neglect.",
    ),
    (
        "Domestic Homicide Review",
        "domestic-homicide-review",
        "A review a Community Safety Partnership holds after a death that may have resulted "
        "from domestic violence or abuse.",
    ),
]


def create_review_types(apps, schema_editor):
    ReviewType = apps.get_model("learning", "ReviewType")
    for order, (name, slug, description) in enumerate(REVIEW_TYPES, start=1):
        ReviewType.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "sort_order": order * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]

    operations = [migrations.RunPython(create_review_types, migrations.RunPython.noop)]
