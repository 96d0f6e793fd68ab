"""StreamField blocks for review and policy bodies.

Headings inside bodies are h2 (the page title is the only h1), so the rich text
editors offer h3/h4 only, keeping the page outline in order.
"""

from wagtail import blocks

RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link"]


class SectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        max_length=120,
        help_text="A short heading such as “What happened”, “Learning” or “Recommendations”.",
    )
    content = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        help_text="The text of this section. Use plain language; readers may be family members.",
    )

    class Meta:
        icon = "title"
        label = "Section with heading"
        template = "components/blocks/section.html"


class LearningPointsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        max_length=120,
        default="Strategic learning points",
        help_text="Heading shown above the list.",
    )
    points = blocks.ListBlock(
        blocks.TextBlock(
            help_text="One learning point, written as a complete sentence.",
        ),
        min_num=1,
        help_text="Each point is shown as a numbered item.",
    )

    class Meta:
        icon = "list-ol"
        label = "Learning points"
        template = "components/blocks/learning_points.html"


class CalloutBlock(blocks.StructBlock):
    class Kind:
        SUPPORT = "support"
        INFORMATION = "information"
        CHOICES = [
            (SUPPORT, "Support and helplines"),
            (INFORMATION, "Information"),
        ]

    kind = blocks.ChoiceBlock(
        choices=Kind.CHOICES,
        default=Kind.SUPPORT,
        help_text="“Support and helplines” is for notices telling readers where to get help.",
    )
    heading = blocks.CharBlock(
        max_length=120,
        help_text="For example “If this review has affected you”.",
    )
    text = blocks.RichTextBlock(
        features=["bold", "italic", "ul", "link"],
        help_text="Keep it short: who to contact and how.",
    )

    class Meta:
        icon = "help"
        label = "Call-out (support or information)"
        template = "components/blocks/callout.html"


class ReviewBodyBlock(blocks.StreamBlock):
    section = SectionBlock()
    text = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        label="Rich text",
        help_text="Text without its own heading.",
        template="components/blocks/rich_text.html",
    )
    learning_points = LearningPointsBlock()
    callout = CalloutBlock()


class PolicyBodyBlock(blocks.StreamBlock):
    section = SectionBlock()
    text = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        label="Rich text",
        help_text="Text without its own heading.",
        template="components/blocks/rich_text.html",
    )
    callout = CalloutBlock()
