"""Items of the form `<li>Label: <strong>value</strong></li>`, as the Maine viewer's detail
pages list their fields (crawler/pages/me_ag.py): the item's own text, its value and links, read
in one walk over the item's children; its label, read once per distinct wording."""

from functools import lru_cache

from crawler.pages.tree import text_of
from crawler.textparse.text import clean_text, normalize_label


def item_parts(li) -> tuple[str, str | list[str] | None, list[str]]:
    """Own text (label and what follows), value as displayed (None without a nested list or a
    `<strong>`: then the own text after the colon, `label_of`), and link hrefs of one
    `<li>Label: <strong>v</strong></li>`. One walk over the item's children (what `./text()`,
    `./ul/li`, `./strong` and `./strong//a/@href|./a/@href` select, in document order)."""
    text = li.text
    if len(li) == 1:  # the usual item: "Label: " and one <strong> (a link inside for a file)
        child = li[0]
        if child.tag == "strong":
            own = text if child.tail is None else f"{text} {child.tail}" if text else child.tail
            if len(child):
                value = clean_text(" ".join(child.itertext())) or ""
                hrefs = [h.strip() for a in child.iter("a") if (h := a.get("href")) and h.strip()]
            else:
                value, hrefs = clean_text(child.text) or "", []
            return own or "", value, hrefs
    own: list[str] = [text] if text is not None else []
    nested: list[str | None] = []
    strong: list[str | None] = []
    hrefs: list[str] = []
    for child in li:
        if child.tail is not None:
            own.append(child.tail)
        tag = child.tag
        if tag == "ul":
            nested.extend(clean_text(text_of(x)) for x in child if x.tag == "li")
        elif tag == "strong":
            strong.append(clean_text(text_of(child)))
            hrefs.extend(a.get("href") for a in child.iter("a"))
        elif tag == "a":
            hrefs.append(child.get("href"))
    value: str | list[str] | None = None
    if nested:
        value = [v for v in nested if v]
    elif strong:
        value = " ".join(v for v in strong if v)
    hrefs = [h.strip() for h in hrefs if h is not None and h.strip()]
    return " ".join(own), value, hrefs


# A form's labels are its fixed wording: a bounded cache all the same.
@lru_cache(maxsize=1024)
def label_of(own: str) -> tuple[str, str, str]:
    """An item's label as displayed, the text after its colon (its value when the item has
    no `<strong>`), and the label's normalised key (`normalize_label`)."""
    label, _, rest = own.partition(":")
    label = clean_text(label) or ""
    return label, clean_text(rest) or "", normalize_label(label)
