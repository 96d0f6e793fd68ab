"""`{% review_cards reviews as cards %}`: reviews as cards, for a template given review pages.

The home page's context holds its latest reviews as pages (HomePage.get_context); the card
component shows a learning.cards.ReviewCard. Views that list reviews make their cards
themselves (learning.finder, ReviewPage.get_context).
"""

from django import template

from learning.cards import review_cards as make_cards

register = template.Library()


@register.simple_tag(takes_context=True)
def review_cards(context, reviews) -> list:
    return make_cards(reviews or [], context.get("request"))
