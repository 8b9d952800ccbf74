"""The one item every spider yields.

`BreachNotice` is transport: values are the text the source shows (trimmed strings, or lists
of strings where the source lists several), plus `raw`, a dict of every published field as
displayed. Spiders never parse dates or counts; the clean stage (pipelines/clean.py) turns
text into typed values and keeps the text beside them. A `scrapy.Item` (not a dataclass) is
used because unset fields stay absent, so "the source did not publish this" and "the source
published an empty value" are different things to the store stage.
"""

import scrapy


class BreachNotice(scrapy.Item):
    # Identity
    source = scrapy.Field()  # spider name, e.g. "ca_ag"; set by the spider
    source_kind = scrapy.Field()  # "state" or "aggregator": the spider class's `source_kind`
    source_id = scrapy.Field()  # the source's own stable id, e.g. "sb24-629314" or a UUID
    url = scrapy.Field()  # page the notice was read from (the live URL, not a local copy)

    # Published facts, as text
    entity_name = scrapy.Field()
    breach_dates = scrapy.Field()  # list[str]: each date or free-text date fragment as shown
    reported_date = scrapy.Field()  # str: date the regulator received/published the notice
    discovered_date = scrapy.Field()  # str
    notification_dates = scrapy.Field()  # list[str]: dates consumers were notified
    total_affected = scrapy.Field()  # str: total persons affected, as shown
    residents_affected = scrapy.Field()  # str: residents of `residents_state` affected
    residents_state = scrapy.Field()  # two-letter state the resident count is about
    notice_urls = scrapy.Field()  # list[str]: absolute links to the notice letter(s)
    entity_address = scrapy.Field()  # str
    organization_type = scrapy.Field()  # str
    data_types = scrapy.Field()  # list[str]: kinds of personal information involved
    id_theft_service = scrapy.Field()  # dict: offered / duration / provider / description
    cites = scrapy.Field()  # list[str]: notice ids this notice retells, e.g. "ca_ag:sb24-195323"

    # Everything the source published, label -> text, exactly as displayed
    raw = scrapy.Field()
    # Notes a spider attaches about the item (e.g. "detail_missing"); merged into `flags`
    flags = scrapy.Field()


# The item fields that are published content: a change in any of them is a new version.
CONTENT_FIELDS = (
    "url",
    "entity_name",
    "breach_dates",
    "reported_date",
    "discovered_date",
    "notification_dates",
    "total_affected",
    "residents_affected",
    "residents_state",
    "notice_urls",
    "entity_address",
    "organization_type",
    "data_types",
    "id_theft_service",
    "cites",
    "raw",
)
