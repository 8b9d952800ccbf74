"""The registry of sources, read from the spider classes: nothing here is a copy.

A source declares itself on its spider class (crawler/spiders/base.py): `jurisdiction` (state
code, None for an aggregator), `source_kind` ("state" or "aggregator"), `modes`,
`live_base_url`, `live_crawl_delay`. This module finds the spiders through Scrapy's
SpiderLoader (SPIDER_MODULES), so a new spider file is a new source everywhere: `scrapy
nightly`, `scrapy backfill`, `scrapy health`, the demo and the tests.

    all_sources(settings) -> [SourceInfo, ...]     every source, by name
    source_info(name, settings) -> SourceInfo      one source (UnknownSourceError if none)
    jurisdiction_of(name) -> "CA" | None           the state a source's notices are filed in
    kind_of(name) -> "state" | "aggregator"
    nightly_sources(only) / get(name)              what the operations commands run
"""

from dataclasses import dataclass, field
from functools import cache

from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings


@dataclass(frozen=True)
class SourceInfo:
    name: str  # the spider's name
    jurisdiction: str | None  # two-letter state code; None for an aggregator
    kind: str  # "state" (an AG portal) or "aggregator"
    modes: tuple[str, ...]  # "nightly" and/or "backfill"
    live_base_url: str
    crawl_delay: float | None  # seconds between live requests the spider asks for (None: default)
    spider_class: type = field(repr=False, compare=False, default=object)
    # Spider arguments besides mode/base_url for `scrapy nightly` / `scrapy backfill`.
    nightly_args: dict = field(default_factory=dict)
    backfill_args: dict = field(default_factory=dict)

    @property
    def spider(self) -> str:
        return self.name

    @property
    def nightly(self) -> bool:
        """Part of `scrapy nightly`."""
        return "nightly" in self.modes

    @property
    def backfill(self) -> bool:
        """`scrapy backfill <name>` is meaningful."""
        return "backfill" in self.modes


class UnknownSourceError(ValueError):
    pass


def _info(cls) -> SourceInfo:
    return SourceInfo(
        name=cls.name,
        jurisdiction=cls.jurisdiction,
        kind=cls.source_kind,
        modes=tuple(cls.modes),
        live_base_url=cls.live_base_url,
        crawl_delay=cls.live_crawl_delay,
        spider_class=cls,
        nightly_args=dict(getattr(cls, "nightly_args", {}) or {}),
        backfill_args=dict(getattr(cls, "backfill_args", {}) or {}),
    )


def _loader(settings=None) -> SpiderLoader:
    return SpiderLoader.from_settings(settings if settings is not None else _project_settings())


@cache
def _project_settings():
    return get_project_settings()


@cache
def _default_sources() -> tuple[SourceInfo, ...]:
    return tuple(_sources_of(_loader()))


def _sources_of(loader: SpiderLoader) -> list[SourceInfo]:
    """In the spiders' `run_order` (then by name): the order runs and tables use."""
    classes = [loader.load(name) for name in loader.list()]
    return [_info(cls) for cls in sorted(classes, key=lambda c: (c.run_order, c.name))]


def all_sources(settings=None) -> list[SourceInfo]:
    """Every source (every spider in SPIDER_MODULES), in run order."""
    if settings is None:
        return list(_default_sources())
    return _sources_of(_loader(settings))


def names(settings=None) -> list[str]:
    return [source.name for source in all_sources(settings)]


def source_info(name: str, settings=None) -> SourceInfo:
    """The source a spider declares; UnknownSourceError (listing the known ones) otherwise."""
    for source in all_sources(settings):
        if source.name == name:
            return source
    known = ", ".join(names(settings))
    raise UnknownSourceError(f"unknown source {name!r} (known: {known})")


def jurisdiction_of(name: str, settings=None) -> str | None:
    """The state a source's notices are filed in ("CA"); None for an aggregator."""
    return source_info(name, settings).jurisdiction


def kind_of(name: str, settings=None) -> str:
    """ "state" for an AG portal, "aggregator" otherwise."""
    return source_info(name, settings).kind


def nightly_sources(only: list[str] | None = None, settings=None) -> list[SourceInfo]:
    """The nightly sources in registry order, restricted to `only` when given."""
    everything = all_sources(settings)
    if not only:
        return [s for s in everything if s.nightly]
    chosen = [source_info(name, settings) for name in only]
    not_nightly = [s.name for s in chosen if not s.nightly]
    if not_nightly:
        raise UnknownSourceError(f"not a nightly source: {', '.join(not_nightly)}")
    wanted = {s.name for s in chosen}
    return [s for s in everything if s.name in wanted]


def live_base_url(settings, name: str) -> str:
    """The live base URL of a source, as its spider class declares it."""
    return source_info(name, settings).live_base_url


def parse_names(text: str | None) -> list[str]:
    """`"ca_ag, me_ag"` -> `["ca_ag", "me_ag"]`."""
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def parse_base_urls(values: list[str] | None) -> dict[str, str]:
    """Repeated `--base-url NAME=URL` options -> {name: url}; unknown names are errors."""
    urls: dict[str, str] = {}
    for value in values or []:
        name, sep, url = value.partition("=")
        name, url = name.strip(), url.strip()
        if not sep or not name or not url.startswith(("http://", "https://")):
            raise UnknownSourceError(
                f"--base-url wants NAME=http(s)://host[:port][/prefix], not {value!r}"
            )
        source_info(name)
        urls[name] = url
    return urls
